/* options.c - command-line parsing with getopt_long. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"
#include "problem.h"

/* Long-only options get codes above the range of characters. */
enum {
    OPT_SOLVER = 256, OPT_CONTROLLER, OPT_RTOL, OPT_ATOL, OPT_NORM, OPT_DT, OPT_DTMIN,
    OPT_DTMAX, OPT_MAX_STEPS, OPT_PCOEFF, OPT_ICOEFF, OPT_DCOEFF, OPT_BOUND,
    OPT_TSTOPS, OPT_T0, OPT_T1, OPT_TOTAL, OPT_SAVE_EVERY, OPT_SAVE_STEPS,
    OPT_SAVE_AT, OPT_SAVE_FINAL, OPT_STATS, OPT_CHECK, OPT_EMIT_C, OPT_NO_JIT,
    OPT_JIT, OPT_VERSION, OPT_LIST_SOLVERS, OPT_REPEAT, OPT_LINSOLVE, OPT_JACOBIAN,
    OPT_SET, OPT_XPP, OPT_FORMAT,
    OPT_NO_EVENT_ROWS, OPT_STOP_AFTER_EVENTS, OPT_NO_SWITCHES,
    OPT_NO_HEADER,
    OPT_ENSEMBLE, OPT_SWEEP,
};

static const struct option long_options[] = {
    { "solver", required_argument, NULL, OPT_SOLVER },
    { "controller", required_argument, NULL, OPT_CONTROLLER },
    { "rtol", required_argument, NULL, OPT_RTOL },
    { "atol", required_argument, NULL, OPT_ATOL },
    { "norm", required_argument, NULL, OPT_NORM },
    { "linsolve", required_argument, NULL, OPT_LINSOLVE },
    { "jacobian", required_argument, NULL, OPT_JACOBIAN },
    { "dt", required_argument, NULL, OPT_DT },
    { "dtmin", required_argument, NULL, OPT_DTMIN },
    { "dtmax", required_argument, NULL, OPT_DTMAX },
    { "max-steps", required_argument, NULL, OPT_MAX_STEPS },
    { "pcoeff", required_argument, NULL, OPT_PCOEFF },
    { "icoeff", required_argument, NULL, OPT_ICOEFF },
    { "dcoeff", required_argument, NULL, OPT_DCOEFF },
    { "bound", required_argument, NULL, OPT_BOUND },
    { "tstops", required_argument, NULL, OPT_TSTOPS },
    { "t0", required_argument, NULL, OPT_T0 },
    { "t1", required_argument, NULL, OPT_T1 },
    { "total", required_argument, NULL, OPT_TOTAL },
    { "save-every", required_argument, NULL, OPT_SAVE_EVERY },
    { "save-steps", no_argument, NULL, OPT_SAVE_STEPS },
    { "save-at", required_argument, NULL, OPT_SAVE_AT },
    { "save-final", no_argument, NULL, OPT_SAVE_FINAL },
    { "no-event-rows", no_argument, NULL, OPT_NO_EVENT_ROWS },
    { "no-switches", no_argument, NULL, OPT_NO_SWITCHES },
    { "stop-after-events", required_argument, NULL, OPT_STOP_AFTER_EVENTS },
    { "param", required_argument, NULL, 'p' },
    { "init", required_argument, NULL, 'i' },
    { "set", required_argument, NULL, OPT_SET },
    { "ensemble", required_argument, NULL, OPT_ENSEMBLE },
    { "sweep", required_argument, NULL, OPT_SWEEP },
    { "jobs", required_argument, NULL, 'j' },
    { "xpp", no_argument, NULL, OPT_XPP },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "no-header", no_argument, NULL, OPT_NO_HEADER },
    { "output", required_argument, NULL, 'o' },
    { "stats", no_argument, NULL, OPT_STATS },
    { "repeat", required_argument, NULL, OPT_REPEAT },
    { "quiet", no_argument, NULL, 'q' },
    { "check", no_argument, NULL, OPT_CHECK },
    { "emit-c", no_argument, NULL, OPT_EMIT_C },
    { "no-jit", no_argument, NULL, OPT_NO_JIT },
    { "jit", required_argument, NULL, OPT_JIT },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { "list-solvers", no_argument, NULL, OPT_LIST_SOLVERS },
    { NULL, 0, NULL, 0 },
};

/* Width of the help text, and the column its descriptions start in. */
#define HELP_WIDTH 79
#define HELP_INDENT 23

/* Prints the names of the controllers, comma-separated, in lines of the
   help's description column. */
static void list_controllers(FILE *out)
{
    int col = HELP_INDENT;
    fprintf(out, "%*s", HELP_INDENT, "");
    for (size_t i = 0; i < ctl_count(); i++) {
        const char *name = ctl_at(i)->name;
        int len = (int)strlen(name) + (i + 1 < ctl_count() ? 1 : 0);
        if (i > 0 && col + 1 + len > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
        } else if (i > 0) {
            fputc(' ', out);
            col++;
        }
        col += fprintf(out, "%s%s", name, i + 1 < ctl_count() ? "," : "");
    }
    fputc('\n', out);
}

void cli_usage(FILE *out)
{
    double ki, kp, kd;
    ctl_gains(&ctl_preset(CTL_PID)->f, &ki, &kp, &kd);
    fputs(
"Usage: odesolve MODEL [options]\n"
"Integrate the ordinary differential equations of MODEL (an XPPAUT-style\n"
".ode file; - reads it from standard input) and write the trajectory as CSV\n"
"to standard output.\n"
"\n"
"Solver:\n"
"  --solver NAME        solver (default: the file's @ meth, else dopri5)\n"
"  --controller NAME    step-size controller (default: pid for adaptive\n"
"                       solvers, constant for fixed-step ones), one of\n", out);
    list_controllers(out);
    fprintf(out,
"  --rtol X             relative tolerance (default: @ tol, else 1e-6)\n"
"  --atol X             absolute tolerance (default: @ atol, else 1e-9);\n"
"  --atol NAME=X,...    or per state, the others keeping the one above\n"
"  --norm rms|max       norm of the scaled error vector (default rms)\n"
"  --jacobian exact|fd  implicit solvers: the model's exact Jacobian (default;\n"
"                       finite differences when it has none) or finite\n"
"                       differences\n"
"  --linsolve KIND      implicit solvers' linear systems: auto (default,\n"
"                       from the Jacobian's pattern), dense, band or sparse\n"
"  --dt X               initial step, or the step of a constant controller\n"
"  --dtmin X            smallest step; a smaller one fails the run\n"
"  --dtmax X            largest step\n"
"  --max-steps N        give up after N steps (default 10000000)\n"
"  --pcoeff X           proportional gain (default for pid: %g)\n"
"  --icoeff X           integral gain (default for pid: %g)\n"
"  --dcoeff X           derivative gain (default for pid: %g)\n"
"  --bound X            fail when a state's magnitude exceeds X\n"
"  --tstops T1,T2,...   times to step onto exactly: where a forcing jumps\n"
"  --no-switches        do not step onto the switch times of the model's\n"
"                       heav(t-a), t>b, ... (found before the solve)\n"
"\n"
"Time and output:\n"
"  --t0 X               start time (default: @ t0, else 0)\n"
"  --t1 X               end time (default: t0 + @ total, else t0 + 20)\n"
"  --total X            span length: t1 = t0 + X\n"
"  --save-every DT      save a row every DT by dense interpolation\n"
"                       (default: @ dt * @ nout, else (t1-t0)/1000)\n"
"  --save-steps         save a row at every accepted step instead\n"
"  --save-at LIST|FILE  save rows at these times only: T1,T2,... or a file\n"
"                       with one time per line\n"
"  --save-final         save the row at t1 only\n"
"  --no-event-rows      do not write the two rows (before and after the\n"
"                       assignments) of each event of a `global`\n"
"  --stop-after-events N  end the solve at the N-th event\n"
"  -o, --output FILE    write to FILE instead of stdout (- is stdout); its\n"
"                       name says the format: .csv, .tsv, or .h5/.hdf5\n"
"                       (HDF5)\n"
"  -p, --param NAME=X,...  set parameters (repeatable)\n"
"  -i, --init NAME=X,...   set initial values (repeatable)\n"
"  --set NAME           apply the model's `set NAME {...}` block\n"
"  --xpp                run as XPPAUT does: its defaults for what the file\n"
"                       leaves unsaid (rk4, dt 0.05, total 20, bound 100,\n"
"                       maxstor 5000, ...) and its rows, step for step\n"
"  --format FMT         csv, tsv, h5 (whatever -o's name), or xpp: XPPAUT's\n"
"                       output.dat layout: t, states, aux, blank-separated,\n"
"                       no header\n"
"  --no-header          no header line in CSV or TSV\n",
            kp, ki, kd);
    fputs(
"\n"
"Ensembles (the model is compiled once for all members):\n"
"  --ensemble FILE      one member per row of the CSV FILE, whose header\n"
"                       names the parameters and states (initial values)\n"
"                       that its columns set\n"
"  --sweep NAME=A:B:N   N evenly spaced values from A to B, both included;\n"
"  --sweep NAME=V1,V2   or a list; repeatable: the members are the grid\n"
"  -j, --jobs N         solve members on N threads (default: the cores\n"
"                       available); the output does not depend on N\n"
"\n"
"Other:\n"
"  --stats              print solver statistics to stderr\n"
"  --repeat N           solve N times, rows from the first solve only, and\n"
"                       report the median solve time in --stats (default 1)\n"
"  -q, --quiet          no progress line on a terminal\n"
"  --check              parse and check the model, then stop\n"
"  --emit-c             print the generated C code, then stop\n"
"  --no-jit             use the interpreter instead of the compiler\n"
"  --jit tcc|cc         compiler: tcc in memory (default, fast to compile), or\n"
"                       the system C compiler (cc -O2, or $ODESOLVE_CC):\n"
"                       slower to compile, faster code for long solves;\n"
"                       the object is cached ($ODESOLVE_CACHE_DIR)\n"
"  --list-solvers       list the solvers and stop\n"
"  -h, --help           show this help\n"
"  --version            show the version\n"
"\n"
"Exit status: 0 done, 1 the solve failed (rows computed so far are kept),\n"
"2 bad usage, bad model or unwritable output.  See odesolve(1) and\n"
"odesolve-model(5).\n", out);
}

/* Levenshtein distance between a and b, each cut at 64 characters. */
static size_t option_distance(const char *a, const char *b)
{
    size_t na = strnlen(a, 64), nb = strnlen(b, 64), row[65];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The long option closest to the unknown argument arg ("--sav-final",
   "--rtol=1" without its value), or NULL when none is within a third of
   its length (at least 2 edits allowed). */
static const char *closest_option(const char *arg)
{
    char name[64];
    const char *best = NULL;
    size_t dbest = (size_t)-1;
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    size_t limit = strlen(name) / 3 > 2 ? strlen(name) / 3 : 2;
    for (const struct option *op = long_options; op->name; op++) {
        size_t d = option_distance(name, op->name);
        /* A prefix of one option only is already taken by getopt; of
           several, it is ambiguous, and the first is as good as any. */
        if (strncmp(op->name, name, strlen(name)) == 0)
            d = 1;
        if (d < dbest) {
            dbest = d;
            best = op->name;
        }
    }
    return dbest <= limit ? best : NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ODE_EINVAL;
}

/* A whole string that is a finite double, surrounded by blanks at most. */
static bool read_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return false;
    end += strspn(end, " \t\r\n");
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A whole argument that is a finite double. */
static int parse_double(const char *opt, const char *s, double *out,
                        char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return fail(err, errlen, "%s: '%s' is not a number", opt, s);
    if (errno == ERANGE || !isfinite(v))
        return fail(err, errlen, "%s: '%s' is out of range", opt, s);
    *out = v;
    return 0;
}

static int parse_positive(const char *opt, const char *s, double *out,
                          char *err, size_t errlen)
{
    int rc = parse_double(opt, s, out, err, errlen);
    if (rc == 0 && !(*out > 0))
        return fail(err, errlen, "%s: must be positive, got '%s'", opt, s);
    return rc;
}

/* Appends one NAME=VALUE, from argument arg, to *list. */
static int add_assign(const char *name, size_t name_len, double v, const char *arg,
                      struct cli_assign **list, size_t *n)
{
    struct cli_assign *grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return ODE_ENOMEM;
    *list = grown;
    grown[*n] = (struct cli_assign){ .name = name, .name_len = name_len,
                                     .value = v, .arg = arg };
    (*n)++;
    return 0;
}

/* An item of a list is at most this long. */
#define ITEM_MAX 256

/* -p and -i: NAME=VALUE, or a comma-separated list of them (as --atol
   takes), e.g. -p a=1,b=2. */
static int parse_assign(char opt, const char *s, struct cli_assign **list,
                        size_t *n, char *err, size_t errlen)
{
    for (const char *p = s;;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        char item[ITEM_MAX];
        double v;
        if (!eq || eq == p || len >= sizeof item)
            return fail(err, errlen, "-%c: expected NAME=VALUE[,NAME=VALUE...], got '%s'",
                        opt, s);
        memcpy(item, eq + 1, len - (size_t)(eq - p) - 1);
        item[len - (size_t)(eq - p) - 1] = '\0';
        if (!read_double(item, &v))
            return fail(err, errlen, "-%c: '%s' is not a number (in '%s')", opt, item, s);
        int rc = add_assign(p, (size_t)(eq - p), v, s, list, n);
        if (rc)
            return rc;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* --atol: comma-separated items, each a tolerance for every state or
   NAME=X for one state. */

static int parse_atol(const char *s, struct cli_options *o, char *err, size_t errlen)
{
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        char item[ITEM_MAX];
        double v;
        if (len == 0 || len >= sizeof item)
            return fail(err, errlen, "--atol: expected X or NAME=X items separated by "
                        "commas, got '%s'", s);
        memcpy(item, p, len);
        item[len] = '\0';
        const char *num = eq ? item + (eq - p) + 1 : item;
        if (!read_double(num, &v))
            return fail(err, errlen, "--atol: '%s' is not a number", num);
        if (!(v > 0))
            return fail(err, errlen, "--atol: must be positive, got '%s'", item);
        if (!eq) {
            o->atol = v;
        } else {
            if (eq == p)
                return fail(err, errlen, "--atol: expected NAME=X, got '%s'", item);
            int rc = add_assign(p, (size_t)(eq - p), v, s, &o->atols, &o->n_atols);
            if (rc)
                return rc;
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* Appends v to the growing array *list of *n values (capacity *cap). */
static int push_time(double v, double **list, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t grow = *cap ? 2 * *cap : 16;
        double *bigger = realloc(*list, grow * sizeof *bigger);
        if (!bigger)
            return ODE_ENOMEM;
        *list = bigger;
        *cap = grow;
    }
    (*list)[(*n)++] = v;
    return 0;
}

/* Times of a file, one a line; '#' starts a comment, blank lines are
   skipped. */
static int read_times_file(const char *opt, const char *path, FILE *f, double **list,
                           size_t *n, char *err, size_t errlen)
{
    char *line = NULL;
    size_t linecap = 0, cap = 0;
    long lineno = 0;
    int rc = 0;

    errno = 0;
    while (rc == 0 && getline(&line, &linecap, f) != -1) {
        double v;
        char *text = line + strspn(line, " \t"), *end = text + strcspn(text, "#\r\n");
        lineno++;
        while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *end = '\0';
        if (*text == '\0')
            continue;
        if (!read_double(text, &v))
            rc = fail(err, errlen, "%s: %s:%ld: '%s' is not a time", opt, path, lineno, text);
        else
            rc = push_time(v, list, n, &cap);
    }
    if (rc == 0 && ferror(f))
        rc = fail(err, errlen, "%s: %s: %s", opt, path, strerror(errno));
    if (rc == 0 && *n == 0)
        rc = fail(err, errlen, "%s: %s holds no times", opt, path);
    free(line);
    return rc;
}

/* A comma-separated list of times or, with allow_file, the name of a file
   of times.  Replaces *list (an earlier use of the option). */
static int parse_times(const char *opt, const char *s, bool allow_file, double **list,
                       size_t *n, char *err, size_t errlen)
{
    size_t cap = 0;
    free(*list);
    *list = NULL;
    *n = 0;
    if (allow_file) {
        FILE *f = fopen(s, "r");
        if (f) {
            int rc = read_times_file(opt, s, f, list, n, err, errlen);
            fclose(f);
            return rc;
        }
        if (errno != ENOENT)
            return fail(err, errlen, "%s: %s: %s", opt, s, strerror(errno));
    }
    for (const char *p = s;;) {
        size_t len = strcspn(p, ",");
        char item[ITEM_MAX];
        double v;
        if (len >= sizeof item)
            return fail(err, errlen, "%s: an item of '%.40s...' is too long", opt, s);
        memcpy(item, p, len);
        item[len] = '\0';
        if (!read_double(item, &v)) {
            if (allow_file && !strchr(s, ','))
                return fail(err, errlen, "%s: '%s' is neither a file nor a time", opt, s);
            return fail(err, errlen, "%s: '%s' is not a time (expected T1,T2,...)", opt, item);
        }
        int rc = push_time(v, list, n, &cap);
        if (rc)
            return rc;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

static int parse_controller(const char *s, struct cli_options *o, char *err, size_t errlen)
{
    const struct ctl_preset *p = ctl_find(s);
    char names[512];
    size_t used = 0;

    if (p) {
        o->controller = p->kind;
        return 0;
    }
    names[0] = '\0';
    for (size_t i = 0; i < ctl_count() && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 ctl_at(i)->name);
    return fail(err, errlen, "--controller: unknown controller '%s' (one of %s)", s, names);
}

/* At most one of the options choosing the saved rows. */
static int check_save_options(const struct cli_options *o, char *err, size_t errlen)
{
    const char *given[4];
    int n = 0;
    if (!isnan(o->save_every))
        given[n++] = "--save-every";
    if (o->save_steps)
        given[n++] = "--save-steps";
    if (o->save_at)
        given[n++] = "--save-at";
    if (o->save_final)
        given[n++] = "--save-final";
    if (n > 1)
        return fail(err, errlen, "%s and %s exclude each other", given[0], given[1]);
    return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *o,
              char *err, size_t errlen)
{
    *o = (struct cli_options){
        .action = CLI_RUN, .controller = CTL_DEFAULT, .norm = NORM_RMS,
        .rtol = NAN, .atol = NAN, .dt = NAN, .dtmin = NAN, .dtmax = NAN,
        .bound = NAN, .pcoeff = NAN, .icoeff = NAN, .dcoeff = NAN,
        .t0 = NAN, .t1 = NAN, .total = NAN, .save_every = NAN,
        .max_steps = -1, .repeat = 1,
    };
    opterr = 0;
    optind = 1;
    int c, rc = 0;
    while (rc == 0 &&
           (c = getopt_long(argc, argv, ":p:i:o:j:hq", long_options, NULL)) != -1) {
        const char *name = optind > 1 ? argv[optind - 1] : "";
        switch (c) {
        case OPT_SOLVER: o->solver = optarg; break;
        case OPT_CONTROLLER: rc = parse_controller(optarg, o, err, errlen); break;
        case OPT_RTOL: rc = parse_positive("--rtol", optarg, &o->rtol, err, errlen); break;
        case OPT_ATOL: rc = parse_atol(optarg, o, err, errlen); break;
        case OPT_NORM:
            if (strcasecmp(optarg, "rms") == 0)
                o->norm = NORM_RMS;
            else if (strcasecmp(optarg, "max") == 0)
                o->norm = NORM_MAX;
            else
                rc = fail(err, errlen, "--norm: unknown norm '%s' (rms or max)", optarg);
            break;
        case OPT_LINSOLVE:
            if (strcasecmp(optarg, "auto") == 0)
                o->linsolve = LS_AUTO;
            else if (strcasecmp(optarg, "dense") == 0)
                o->linsolve = LS_DENSE;
            else if (strcasecmp(optarg, "band") == 0)
                o->linsolve = LS_BAND;
            else if (strcasecmp(optarg, "sparse") == 0)
                o->linsolve = LS_SPARSE;
            else
                rc = fail(err, errlen,
                          "--linsolve: unknown linear solver '%s' (auto, dense, band or sparse)",
                          optarg);
            break;
        case OPT_JACOBIAN:
            if (strcasecmp(optarg, "exact") == 0)
                o->jacobian = JAC_AUTO;
            else if (strcasecmp(optarg, "fd") == 0)
                o->jacobian = JAC_FD;
            else
                rc = fail(err, errlen, "--jacobian: unknown way '%s' (exact or fd)", optarg);
            break;
        case OPT_DT: rc = parse_positive("--dt", optarg, &o->dt, err, errlen); break;
        case OPT_DTMIN: rc = parse_positive("--dtmin", optarg, &o->dtmin, err, errlen); break;
        case OPT_DTMAX: rc = parse_positive("--dtmax", optarg, &o->dtmax, err, errlen); break;
        case OPT_BOUND: rc = parse_positive("--bound", optarg, &o->bound, err, errlen); break;
        case OPT_PCOEFF: rc = parse_double("--pcoeff", optarg, &o->pcoeff, err, errlen); break;
        case OPT_ICOEFF: rc = parse_double("--icoeff", optarg, &o->icoeff, err, errlen); break;
        case OPT_DCOEFF: rc = parse_double("--dcoeff", optarg, &o->dcoeff, err, errlen); break;
        case OPT_TSTOPS:
            rc = parse_times("--tstops", optarg, false, &o->tstops, &o->n_tstops, err, errlen);
            break;
        case OPT_T0: rc = parse_double("--t0", optarg, &o->t0, err, errlen); break;
        case OPT_T1: rc = parse_double("--t1", optarg, &o->t1, err, errlen); break;
        case OPT_TOTAL: rc = parse_positive("--total", optarg, &o->total, err, errlen); break;
        case OPT_SAVE_EVERY:
            rc = parse_positive("--save-every", optarg, &o->save_every, err, errlen);
            break;
        case OPT_MAX_STEPS: {
            double v;
            rc = parse_positive("--max-steps", optarg, &v, err, errlen);
            if (rc == 0 && (v != floor(v) || v > 1e18))
                rc = fail(err, errlen, "--max-steps: '%s' is not a whole number", optarg);
            if (rc == 0)
                o->max_steps = (long)v;
            break;
        }
        case OPT_NO_EVENT_ROWS: o->no_event_rows = true; break;
        case OPT_NO_SWITCHES: o->no_switches = true; break;
        case OPT_STOP_AFTER_EVENTS: {
            double v;
            rc = parse_positive("--stop-after-events", optarg, &v, err, errlen);
            if (rc == 0 && (v != floor(v) || v < 1 || v > 1e18))
                rc = fail(err, errlen, "--stop-after-events: '%s' is not a whole number >= 1",
                          optarg);
            if (rc == 0)
                o->stop_after_events = (long)v;
            break;
        }
        case OPT_REPEAT: {
            double v;
            rc = parse_positive("--repeat", optarg, &v, err, errlen);
            if (rc == 0 && (v != floor(v) || v > 1e6))
                rc = fail(err, errlen, "--repeat: '%s' is not a whole number up to 1000000",
                          optarg);
            if (rc == 0)
                o->repeat = (long)v;
            break;
        }
        case OPT_SAVE_STEPS: o->save_steps = true; break;
        case OPT_SAVE_AT:
            rc = parse_times("--save-at", optarg, true, &o->save_at, &o->n_save_at, err, errlen);
            break;
        case OPT_SAVE_FINAL: o->save_final = true; break;
        case 'p': rc = parse_assign('p', optarg, &o->params, &o->n_params, err, errlen); break;
        case 'i': rc = parse_assign('i', optarg, &o->inits, &o->n_inits, err, errlen); break;
        case 'o': o->output = optarg; break;
        case OPT_SET: o->set = optarg; break;
        case OPT_ENSEMBLE: o->ensemble = optarg; break;
        case OPT_SWEEP: {
            struct cli_sweep *grown = realloc(o->sweeps, (o->n_sweeps + 1) * sizeof *grown);
            if (!grown) {
                rc = ODE_ENOMEM;
                break;
            }
            o->sweeps = grown;
            rc = cli_sweep_parse(optarg, &o->sweeps[o->n_sweeps], err, errlen);
            if (rc == 0)
                o->n_sweeps++;
            break;
        }
        case 'j': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno == ERANGE || v < 1 || v > 4096)
                rc = fail(err, errlen, "-j: expected a number of threads from 1 to 4096, "
                          "got '%s'", optarg);
            o->jobs = v;
            break;
        }
        case OPT_XPP: o->xpp = true; break;
        case OPT_FORMAT:
            /* The names out_format_parse() reads, and xpp. */
            o->format_xpp = strcasecmp(optarg, "xpp") == 0;
            o->format = o->format_xpp ? NULL : optarg;
            if (!o->format_xpp && strcasecmp(optarg, "csv") != 0 &&
                strcasecmp(optarg, "tsv") != 0 && strcasecmp(optarg, "h5") != 0 &&
                strcasecmp(optarg, "hdf5") != 0)
                rc = fail(err, errlen, "--format: unknown format '%s' (csv, tsv, h5 or xpp)",
                          optarg);
            break;
        case OPT_NO_HEADER: o->no_header = true; break;
        case OPT_STATS: o->stats = true; break;
        case 'q': o->quiet = true; break;
        case OPT_CHECK: o->check_only = true; break;
        case OPT_EMIT_C: o->emit_c = true; break;
        case OPT_NO_JIT: o->no_jit = true; break;
        case OPT_JIT:
            if (strcmp(optarg, "tcc") != 0 && strcmp(optarg, "cc") != 0)
                rc = fail(err, errlen, "--jit: unknown backend '%s' (tcc or cc)", optarg);
            o->jit = optarg;
            break;
        case 'h': o->action = CLI_HELP; break;
        case OPT_VERSION: o->action = CLI_VERSION; break;
        case OPT_LIST_SOLVERS: o->action = CLI_LIST_SOLVERS; break;
        case ':':
            rc = fail(err, errlen, "option '%s' needs a value", name);
            break;
        default: {
            const char *near = closest_option(name);
            if (near)
                rc = fail(err, errlen, "unknown option '%s' (did you mean '--%s'?)", name,
                          near);
            else
                rc = fail(err, errlen, "unknown option '%s'", name);
            break;
        }
        }
    }
    if (rc)
        return rc;
    if (o->action != CLI_RUN)
        return 0;
    if (optind >= argc)
        return fail(err, errlen, "no model file given");
    o->model_path = argv[optind++];
    if (optind < argc)
        return fail(err, errlen, "unexpected argument '%s' (one model file at a time)",
                    argv[optind]);
    if (!isnan(o->t1) && !isnan(o->total))
        return fail(err, errlen, "--t1 and --total both set the end time; give one");
    return check_save_options(o, err, errlen);
}

void cli_options_free(struct cli_options *o)
{
    for (size_t i = 0; i < o->n_sweeps; i++)
        cli_sweep_free(&o->sweeps[i]);
    free(o->sweeps);
    o->sweeps = NULL;
    o->n_sweeps = 0;
    free(o->params);
    free(o->inits);
    free(o->atols);
    free(o->save_at);
    free(o->tstops);
    o->params = o->inits = o->atols = NULL;
    o->save_at = o->tstops = NULL;
}

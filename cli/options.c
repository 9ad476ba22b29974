/* options.c - command-line parsing with getopt_long. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "problem.h"

/* Long-only options get codes above the range of characters. */
enum {
    OPT_SOLVER = 256, OPT_CONTROLLER, OPT_RTOL, OPT_ATOL, OPT_DT, OPT_DTMIN,
    OPT_DTMAX, OPT_MAX_STEPS, OPT_PCOEFF, OPT_ICOEFF, OPT_DCOEFF, OPT_BOUND,
    OPT_T0, OPT_T1, OPT_TOTAL, OPT_SAVE_EVERY, OPT_SAVE_STEPS, OPT_STATS,
    OPT_CHECK, OPT_EMIT_C, OPT_NO_JIT, OPT_JIT, OPT_VERSION, OPT_LIST_SOLVERS,
};

static const struct option long_options[] = {
    { "solver", required_argument, NULL, OPT_SOLVER },
    { "controller", required_argument, NULL, OPT_CONTROLLER },
    { "rtol", required_argument, NULL, OPT_RTOL },
    { "atol", required_argument, NULL, OPT_ATOL },
    { "dt", required_argument, NULL, OPT_DT },
    { "dtmin", required_argument, NULL, OPT_DTMIN },
    { "dtmax", required_argument, NULL, OPT_DTMAX },
    { "max-steps", required_argument, NULL, OPT_MAX_STEPS },
    { "pcoeff", required_argument, NULL, OPT_PCOEFF },
    { "icoeff", required_argument, NULL, OPT_ICOEFF },
    { "dcoeff", required_argument, NULL, OPT_DCOEFF },
    { "bound", required_argument, NULL, OPT_BOUND },
    { "t0", required_argument, NULL, OPT_T0 },
    { "t1", required_argument, NULL, OPT_T1 },
    { "total", required_argument, NULL, OPT_TOTAL },
    { "save-every", required_argument, NULL, OPT_SAVE_EVERY },
    { "save-steps", no_argument, NULL, OPT_SAVE_STEPS },
    { "param", required_argument, NULL, 'p' },
    { "init", required_argument, NULL, 'i' },
    { "output", required_argument, NULL, 'o' },
    { "stats", no_argument, NULL, OPT_STATS },
    { "check", no_argument, NULL, OPT_CHECK },
    { "emit-c", no_argument, NULL, OPT_EMIT_C },
    { "no-jit", no_argument, NULL, OPT_NO_JIT },
    { "jit", required_argument, NULL, OPT_JIT },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { "list-solvers", no_argument, NULL, OPT_LIST_SOLVERS },
    { NULL, 0, NULL, 0 },
};

void cli_usage(FILE *out)
{
    double ki, kp, kd;
    ctl_gains(CTL_PID, &ki, &kp, &kd);
    fprintf(out,
"Usage: odesolve MODEL [options]\n"
"Integrate the ordinary differential equations of MODEL (an XPPAUT-style\n"
".ode file) and write the trajectory as CSV to standard output.\n"
"\n"
"Solver:\n"
"  --solver NAME        solver (default: the file's @ meth, else dopri5)\n"
"  --controller KIND    constant, i, pi or pid (default: pid for adaptive\n"
"                       solvers, constant for fixed-step ones)\n"
"  --rtol X             relative tolerance (default: @ tol, else 1e-6)\n"
"  --atol X             absolute tolerance (default: @ atol, else 1e-9)\n"
"  --dt X               initial step, or the step of a constant controller\n"
"  --dtmin X            smallest step; a smaller one fails the run\n"
"  --dtmax X            largest step\n"
"  --max-steps N        give up after N steps (default 10000000)\n"
"  --pcoeff X           PID proportional gain (default %g)\n"
"  --icoeff X           PID integral gain (default %g)\n"
"  --dcoeff X           PID derivative gain (default %g)\n"
"  --bound X            fail when a state's magnitude exceeds X\n"
"\n"
"Time and output:\n"
"  --t0 X               start time (default: @ t0, else 0)\n"
"  --t1 X               end time (default: t0 + @ total, else t0 + 20)\n"
"  --total X            span length: t1 = t0 + X\n"
"  --save-every DT      save a row every DT by dense interpolation\n"
"                       (default: @ dt * @ nout, else (t1-t0)/1000)\n"
"  --save-steps         save a row at every accepted step instead\n"
"  -o, --output FILE    write to FILE (.csv or .tsv) instead of stdout\n"
"  -p, --param NAME=X   set a parameter (repeatable)\n"
"  -i, --init NAME=X    set an initial value (repeatable)\n"
"\n"
"Other:\n"
"  --stats              print solver statistics to stderr\n"
"  --check              parse and check the model, then stop\n"
"  --emit-c             print the generated C code, then stop\n"
"  --no-jit             use the interpreter instead of the compiler\n"
"  --jit tcc            compiler backend (tcc)\n"
"  --list-solvers       list the solvers and stop\n"
"  -h, --help           show this help\n"
"  --version            show the version\n"
"\n"
"Exit status: 0 done, 1 the solve failed (rows computed so far are kept),\n"
"2 bad usage, bad model or unwritable output.  See odesolve(1) and\n"
"odesolve-model(5).\n",
            kp, ki, kd);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ODE_EINVAL;
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

static int parse_assign(char opt, const char *s, struct cli_assign **list,
                        size_t *n, char *err, size_t errlen)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return fail(err, errlen, "-%c: expected NAME=VALUE, got '%s'", opt, s);
    char optname[3] = { '-', opt, '\0' };
    double v;
    int rc = parse_double(optname, eq + 1, &v, err, errlen);
    if (rc)
        return rc;
    struct cli_assign *grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return ODE_ENOMEM;
    *list = grown;
    grown[*n] = (struct cli_assign){ .name = s, .name_len = (size_t)(eq - s),
                                     .value = v, .arg = s };
    (*n)++;
    return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *o,
              char *err, size_t errlen)
{
    *o = (struct cli_options){
        .action = CLI_RUN,
        .rtol = NAN, .atol = NAN, .dt = NAN, .dtmin = NAN, .dtmax = NAN,
        .bound = NAN, .pcoeff = NAN, .icoeff = NAN, .dcoeff = NAN,
        .t0 = NAN, .t1 = NAN, .total = NAN, .save_every = NAN,
        .max_steps = -1,
    };
    opterr = 0;
    optind = 1;
    int c, rc = 0;
    while (rc == 0 &&
           (c = getopt_long(argc, argv, ":p:i:o:h", long_options, NULL)) != -1) {
        const char *name = optind > 1 ? argv[optind - 1] : "";
        switch (c) {
        case OPT_SOLVER: o->solver = optarg; break;
        case OPT_CONTROLLER: o->controller = optarg; break;
        case OPT_RTOL: rc = parse_positive("--rtol", optarg, &o->rtol, err, errlen); break;
        case OPT_ATOL: rc = parse_positive("--atol", optarg, &o->atol, err, errlen); break;
        case OPT_DT: rc = parse_positive("--dt", optarg, &o->dt, err, errlen); break;
        case OPT_DTMIN: rc = parse_positive("--dtmin", optarg, &o->dtmin, err, errlen); break;
        case OPT_DTMAX: rc = parse_positive("--dtmax", optarg, &o->dtmax, err, errlen); break;
        case OPT_BOUND: rc = parse_positive("--bound", optarg, &o->bound, err, errlen); break;
        case OPT_PCOEFF: rc = parse_double("--pcoeff", optarg, &o->pcoeff, err, errlen); break;
        case OPT_ICOEFF: rc = parse_double("--icoeff", optarg, &o->icoeff, err, errlen); break;
        case OPT_DCOEFF: rc = parse_double("--dcoeff", optarg, &o->dcoeff, err, errlen); break;
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
        case OPT_SAVE_STEPS: o->save_steps = true; break;
        case 'p': rc = parse_assign('p', optarg, &o->params, &o->n_params, err, errlen); break;
        case 'i': rc = parse_assign('i', optarg, &o->inits, &o->n_inits, err, errlen); break;
        case 'o': o->output = optarg; break;
        case OPT_STATS: o->stats = true; break;
        case OPT_CHECK: o->check_only = true; break;
        case OPT_EMIT_C: o->emit_c = true; break;
        case OPT_NO_JIT: o->no_jit = true; break;
        case OPT_JIT:
            if (strcmp(optarg, "tcc") != 0)
                rc = fail(err, errlen, "--jit: unknown backend '%s' (available: tcc)", optarg);
            o->jit = optarg;
            break;
        case 'h': o->action = CLI_HELP; break;
        case OPT_VERSION: o->action = CLI_VERSION; break;
        case OPT_LIST_SOLVERS: o->action = CLI_LIST_SOLVERS; break;
        case ':':
            rc = fail(err, errlen, "option '%s' needs a value", name);
            break;
        default:
            rc = fail(err, errlen, "unknown option '%s'", name);
            break;
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
    if (o->save_steps && !isnan(o->save_every))
        return fail(err, errlen, "--save-steps and --save-every exclude each other");
    return 0;
}

void cli_options_free(struct cli_options *o)
{
    free(o->params);
    free(o->inits);
    o->params = o->inits = NULL;
}

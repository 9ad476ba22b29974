/* ensemble_run.c - the batch mode: builds the batch, gives each member's
 * rows a buffer while it is solved, writes finished members in member
 * order, and reports the failed ones.
 *
 * Text rows are formatted by the worker that solved the member, into its
 * slot's buffer, without the leading columns; the writer adds them (the
 * member, its values and its status, known only at the end) in front of
 * each row as it copies the rows out. */
#include "ensemble_run.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ensemble.h"
#include "ensemble_io.h"
#include "fmt.h"
#include "progress.h"

enum { EXIT_DONE = 0, EXIT_SOLVE = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = -1 };

/* Members in flight per thread: many when a member is one row (the
   window then only evens out members of different cost), few when each
   holds a trajectory. */
#define WINDOW_FINAL 256
#define WINDOW_ROWS 8
/* A slot's buffer above this size is released after its member is
   written, so one long member does not keep its memory. */
#define SLOT_KEEP_BYTES (1u << 20)
/* Failed members listed one by one on standard error; the rest are
   counted. */
#define MAX_NOTES 20
/* Bytes of the status word: "max-steps" and its kin. */
#define STATUS_MAX 16

struct batch_run;

struct slot {
    struct batch_run *br;
    const struct ode_problem *prob;   /* the solving worker's */
    const double *p;                  /* the member's parameters */
    double *row;                      /* states then aux */
    char *text;                       /* text: formatted rows */
    size_t len, cap;
    double *vals;                     /* HDF5: rows of t, states, aux */
    size_t nvals, capv;
    size_t rows;
    bool oom;                         /* a buffer could not grow */
    bool aux_failed;
    double aux_t;
    int rc;
    struct solve_failure fail;
    struct solve_stats st;
};

struct note {
    size_t member;
    int rc;
    double t;
    long var;
    char why[160];
};

struct batch_run {
    const struct model *m;
    const struct ode_problem *prob;
    const ens_batch *b;
    size_t members, ncol, n_states, n_aux, n_lead;
    size_t rows_hint;                 /* rows a member is expected to have */
    char sep;
    bool h5;
    out *writer;
    struct slot *slots;
    size_t window;
    double *lead;                     /* one member's batch values */
    char *prefix;                     /* its leading columns, formatted */
    size_t prefix_cap;
    progress *pg;
    struct note notes[MAX_NOTES];
    size_t n_notes;
    /* Sums over the members written. */
    long steps, rejected, nfev, njev, nlu, rows;
};

static void say(const char *fmt, ...)
{
    va_list ap;
    fputs("odesolve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The status column of a member that ended with rc. */
static const char *status_word(int rc, bool aux_failed)
{
    switch (rc) {
    case 0: return "ok";
    case ODE_ENONFINITE: return "nonfinite";
    case ODE_EDTMIN: return "dtmin";
    case ODE_EMAXSTEPS: return "max-steps";
    case ODE_ENEWTON: return "newton";
    case ODE_ESINGULAR: return "singular";
    case ODE_ERHS: return "rhs";
    case ODE_EOUTPUT: return aux_failed ? "aux" : "output";
    case ODE_ENOMEM: return "no-memory";
    case ODE_EINTR: return "interrupted";
    default: return "invalid";
    }
}

/* ---- worker side ---- */

static bool reserve_text(struct slot *s, size_t extra)
{
    if (s->len + extra <= s->cap)
        return true;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + extra)
        cap *= 2;
    char *grown = realloc(s->text, cap);
    if (!grown)
        return false;
    s->text = grown;
    s->cap = cap;
    return true;
}

static bool reserve_vals(struct slot *s, size_t extra)
{
    if (s->nvals + extra <= s->capv)
        return true;
    size_t cap = s->capv ? s->capv : 512;
    while (cap < s->nvals + extra)
        cap *= 2;
    double *grown = realloc(s->vals, cap * sizeof *grown);
    if (!grown)
        return false;
    s->vals = grown;
    s->capv = cap;
    return true;
}

static int slot_row(void *ctx, double t, const double *y)
{
    struct slot *s = ctx;
    const struct batch_run *br = s->br;
    size_t n = br->n_states;

    memcpy(s->row, y, n * sizeof *y);
    if (br->n_aux > 0 && s->prob->aux(s->prob->ctx, t, y, s->p, s->row + n) < 0) {
        s->aux_failed = true;
        s->aux_t = t;
        return -1;
    }
    if (br->h5) {
        if (!reserve_vals(s, 1 + br->ncol)) {
            s->oom = true;
            return -1;
        }
        s->vals[s->nvals++] = t;
        memcpy(s->vals + s->nvals, s->row, br->ncol * sizeof *s->row);
        s->nvals += br->ncol;
    } else {
        if (!reserve_text(s, (1 + br->ncol) * (FMT_DOUBLE_MAX + 1))) {
            s->oom = true;
            return -1;
        }
        char *p = s->text + s->len;
        p += fmt_double(p, t);
        for (size_t i = 0; i < br->ncol; i++) {
            *p++ = br->sep;
            p += fmt_double(p, s->row[i]);
        }
        *p++ = '\n';
        s->len = (size_t)(p - s->text);
    }
    s->rows++;
    return 0;
}

static int hook_begin(void *ctx, unsigned worker, size_t slot, size_t member,
                      const double *p, struct solve_sink *sink)
{
    struct batch_run *br = ctx;
    struct slot *s = &br->slots[slot];
    (void)member;
    s->prob = &br->prob[worker];
    s->p = p;
    s->len = s->nvals = s->rows = 0;
    s->oom = s->aux_failed = false;
    *sink = (struct solve_sink){ .row = slot_row, .ctx = s };
    return 0;
}

static void hook_end(void *ctx, size_t slot, size_t member, int rc,
                     const struct solve_failure *f, const struct solve_stats *st)
{
    struct batch_run *br = ctx;
    struct slot *s = &br->slots[slot];
    (void)member;
    s->rc = rc;
    if (rc == ODE_EOUTPUT && s->oom)
        s->rc = ODE_ENOMEM;
    s->fail = *f;
    if (rc == ODE_EOUTPUT && s->aux_failed) {
        s->fail.t = s->aux_t;
        s->fail.var = -1;
        snprintf(s->fail.why, sizeof s->fail.why, "the aux outputs could not be computed");
    }
    s->st = *st;
}

/* ---- writer side (the thread that called ens_run) ---- */

static bool grow_prefix(struct batch_run *br, size_t need)
{
    if (need <= br->prefix_cap)
        return true;
    char *p = realloc(br->prefix, need);
    if (!p)
        return false;
    br->prefix = p;
    br->prefix_cap = need;
    return true;
}

/* "member,v1,...,status," for member k. */
static size_t format_prefix(struct batch_run *br, size_t k, const char *status)
{
    char *p = br->prefix;
    p += snprintf(p, 24, "%zu", k);
    for (size_t j = 0; j < br->n_lead; j++) {
        *p++ = br->sep;
        p += fmt_double(p, br->lead[j]);
    }
    *p++ = br->sep;
    size_t n = strlen(status);
    memcpy(p, status, n);
    p += n;
    *p++ = br->sep;
    return (size_t)(p - br->prefix);
}

static void note_failure(struct batch_run *br, size_t k, const struct slot *s)
{
    if (br->n_notes >= MAX_NOTES)
        return;
    struct note *nt = &br->notes[br->n_notes++];
    nt->member = k;
    nt->rc = s->rc;
    nt->t = s->fail.t;
    nt->var = s->fail.var;
    snprintf(nt->why, sizeof nt->why, "%s", s->fail.why);
}

static int write_text(struct batch_run *br, size_t k, struct slot *s, const char *status)
{
    size_t plen = format_prefix(br, k, status);
    const char *row = s->text, *end = s->text + s->len;
    while (row < end) {
        const char *nl = memchr(row, '\n', (size_t)(end - row));
        size_t n = (size_t)(nl - row) + 1;
        if (out_text(br->writer, br->prefix, plen) || out_text(br->writer, row, n))
            return ODE_EOUTPUT;
        row += n;
    }
    if (s->rc != 0) {
        /* Where the member stopped, its values left empty. */
        char buf[FMT_DOUBLE_MAX + 1];
        size_t n = fmt_double(buf, s->fail.t);
        if (out_text(br->writer, br->prefix, plen) || out_text(br->writer, buf, n))
            return ODE_EOUTPUT;
        for (size_t i = 0; i < br->ncol; i++)
            if (out_text(br->writer, &br->sep, 1))
                return ODE_EOUTPUT;
        if (out_text(br->writer, "\n", 1))
            return ODE_EOUTPUT;
        br->rows++;
    }
    return 0;
}

static int hook_emit(void *ctx, size_t slot, size_t member, int rc)
{
    struct batch_run *br = ctx;
    struct slot *s = &br->slots[slot];
    int wrc = 0;

    ens_batch_values(br->b, member, br->lead);
    if (rc == ODE_EINTR) {
        /* Not finished: nothing of it is written but its status. */
        if (br->h5)
            wrc = out_ens_member(br->writer, member, NULL, 0, br->lead, "interrupted",
                                 s->fail.t);
    } else {
        const char *status = status_word(s->rc, s->aux_failed);
        br->steps += s->st.steps;
        br->rejected += s->st.rejected;
        br->nfev += s->st.nfev;
        br->njev += s->st.njev;
        br->nlu += s->st.nlu;
        br->rows += (long)s->rows;
        if (s->rc != 0)
            note_failure(br, member, s);
        if (br->h5)
            wrc = out_ens_member(br->writer, member, s->vals, s->rows, br->lead, status,
                                 s->rc ? s->fail.t : s->rows ? s->vals[s->nvals - 1 - br->ncol]
                                                             : NAN);
        else
            wrc = write_text(br, member, s, status);
    }
    if (s->cap > SLOT_KEEP_BYTES) {
        free(s->text);
        s->text = NULL;
        s->cap = 0;
    }
    if (s->capv * sizeof *s->vals > SLOT_KEEP_BYTES) {
        free(s->vals);
        s->vals = NULL;
        s->capv = 0;
    }
    return wrc ? ODE_EOUTPUT : 0;
}

static void hook_tick(void *ctx, size_t emitted)
{
    struct batch_run *br = ctx;
    progress_count(br->pg, emitted, br->members, "members");
}

/* ---- setting up ---- */

static int write_header(struct batch_run *br, const struct cli_options *o)
{
    const struct ode_problem *prob = br->prob;
    size_t ncol = br->ncol;
    const char **names = malloc((ncol ? ncol : 1) * sizeof *names);
    char **lead = calloc(br->n_lead ? br->n_lead : 1, sizeof *lead);
    int rc = ODE_ENOMEM;

    if (!names || !lead)
        goto done;
    for (size_t i = 0; i < ncol; i++)
        names[i] = i < prob->n_states ? prob->state_names[i]
                                      : prob->aux_names[i - prob->n_states];
    for (size_t j = 0; j < br->n_lead; j++) {
        char buf[300];
        cli_ens_column_name(br->m, ens_batch_target(br->b, j), buf, sizeof buf);
        lead[j] = strdup(buf);
        if (!lead[j])
            goto done;
    }
    if (br->h5) {
        rc = out_ens_header(br->writer, br->members, br->rows_hint, names, prob->n_states, prob->n_aux,
                            (const char *const *)lead, br->n_lead);
        if (rc == 0) {
            out_attr_string(br->writer, "model", o->model_path);
            out_attr_long(br->writer, "members", (long)br->members);
        }
        goto done;
    }
    rc = ODE_EOUTPUT;
    if (out_text(br->writer, "member", 6))
        goto done;
    for (size_t j = 0; j < br->n_lead; j++)
        if (out_text(br->writer, &br->sep, 1) || out_text(br->writer, lead[j], strlen(lead[j])))
            goto done;
    if (out_text(br->writer, &br->sep, 1) || out_text(br->writer, "status", 6) ||
        out_text(br->writer, &br->sep, 1) || out_text(br->writer, "t", 1))
        goto done;
    for (size_t i = 0; i < ncol; i++)
        if (out_text(br->writer, &br->sep, 1) || out_text(br->writer, names[i], strlen(names[i])))
            goto done;
    rc = out_text(br->writer, "\n", 1) ? ODE_EOUTPUT : 0;
done:
    if (lead)
        for (size_t j = 0; j < br->n_lead; j++)
            free(lead[j]);
    free(lead);
    free(names);
    return rc;
}

/* Why a member failed, on standard error. */
static void print_note(const struct batch_run *br, const struct note *nt)
{
    double *v = br->lead;
    ens_batch_values(br->b, nt->member, v);
    fprintf(stderr, "odesolve: member %zu (", nt->member);
    for (size_t j = 0; j < br->n_lead; j++) {
        char name[300], num[FMT_DOUBLE_MAX];
        cli_ens_column_name(br->m, ens_batch_target(br->b, j), name, sizeof name);
        fmt_double(num, v[j]);
        fprintf(stderr, "%s%s=%s", j ? ", " : "", name, num);
    }
    char t[FMT_DOUBLE_MAX];
    fmt_double(t, nt->t);
    fprintf(stderr, ") failed at t = %s", t);
    if (nt->var >= 0 && (size_t)nt->var < br->n_states)
        fprintf(stderr, " in '%s'", br->prob->state_names[nt->var]);
    fprintf(stderr, ": %s\n", nt->why);
}

static bool want_progress(const struct cli_options *o)
{
    if (o->quiet || !isatty(STDERR_FILENO))
        return false;
    return o->output || !isatty(STDOUT_FILENO);
}

int cli_ensemble_run(const struct cli_options *o, const struct model *m,
                     const struct ode_problem *prob, interp *ip, bool reentrant,
                     const double *p, const double *y0, const struct solve_opts *so,
                     const char *backend, double t_compile, const struct cli_ens_env *env)
{
    struct cli_table table = { 0 };
    struct batch_run br = { .m = m };
    ens_batch *b = NULL;
    struct ode_problem *probs = NULL;
    interp **clones = NULL;
    unsigned threads = 0;
    char err[1536];
    int status = EXIT_USAGE;

    if (o->xpp || o->format_xpp) {
        say("%s does not apply to ensembles", o->xpp ? "--xpp" : "--format xpp");
        goto done;
    }
    if (o->repeat > 1) {
        say("--repeat does not apply to ensembles");
        goto done;
    }
    int rc = 0;
    if (o->ensemble)
        rc = cli_table_read(o->ensemble, m->n_params + m->n_states, &table, err, sizeof err);
    if (rc == 0)
        rc = cli_ens_batch(m, o->ensemble, o->ensemble ? &table : NULL, o->sweeps,
                           o->n_sweeps, &b, err, sizeof err);
    cli_table_free(&table);
    if (rc) {
        if (rc == ODE_ENOMEM)
            say("out of memory");
        else
            say("%s", err);
        goto done;
    }
    br.b = b;
    br.members = ens_batch_members(b);
    br.n_lead = ens_batch_cols(b);
    br.n_states = prob->n_states;
    br.n_aux = prob->n_aux;
    br.ncol = prob->n_states + prob->n_aux;
    br.h5 = out_format_of(o->output) == OUT_HDF5;
    br.sep = out_format_of(o->output) == OUT_TSV ? '\t' : ',';

    threads = o->jobs > 0 ? (unsigned)o->jobs : ens_threads_available();
    if ((size_t)threads > br.members)
        threads = (unsigned)br.members;
    if (!reentrant && threads > 1) {
        if (o->jobs > 1 && !o->quiet)
            say("note: the model's compiled functions keep more than 8192 intermediates in "
                "static storage: its members are solved one at a time");
        threads = 1;
    }
    bool one_row = so->save == SAVE_FINAL;
    br.rows_hint = one_row ? 1 : so->save == SAVE_AT ? so->n_save_at
                 : so->save == SAVE_STEPS ? 1024
                 : (size_t)fmin(fabs(so->t1 - so->t0) / so->save_every + 2, 1e6);
    br.window = (size_t)threads * (one_row ? WINDOW_FINAL : WINDOW_ROWS);
    if (br.window > br.members)
        br.window = br.members;

    probs = calloc(threads, sizeof *probs);
    clones = calloc(threads, sizeof *clones);
    br.slots = calloc(br.window, sizeof *br.slots);
    br.lead = malloc((br.n_lead ? br.n_lead : 1) * sizeof *br.lead);
    if (!probs || !clones || !br.slots || !br.lead ||
        !grow_prefix(&br, 32 + br.n_lead * (FMT_DOUBLE_MAX + 1) + STATUS_MAX))
        goto oom;
    for (unsigned w = 0; w < threads; w++) {
        probs[w] = *prob;
        if (ip && w > 0) {
            if (interp_clone(ip, &clones[w]))
                goto oom;
            probs[w].ctx = clones[w];
        }
    }
    br.prob = probs;
    for (size_t i = 0; i < br.window; i++) {
        br.slots[i].br = &br;
        br.slots[i].row = malloc((br.ncol ? br.ncol : 1) * sizeof *br.slots[i].row);
        if (!br.slots[i].row)
            goto oom;
    }

    if (out_open(o->output, &br.writer, err, sizeof err)) {
        say("%s", err);
        goto done;
    }
    *env->signal_writer = br.writer;
    if ((rc = write_header(&br, o)) != 0) {
        if (rc == ODE_ENOMEM)
            goto oom;
        say("%s", out_error(br.writer) ? out_error(br.writer) : "cannot write the output");
        goto done;
    }
    br.pg = want_progress(o) ? progress_new(stderr, 0, 1, NULL) : NULL;
    struct ens_hooks hooks = { .ctx = &br, .begin = hook_begin, .end = hook_end,
                               .emit = hook_emit, .tick = br.pg ? hook_tick : NULL };
    struct ens_opts eo = { .threads = threads, .window = br.window };
    struct ens_result res;
    fmt_prepare();
    double t_solve = now_seconds();
    rc = ens_run(b, probs, p, y0, so, &eo, &hooks, env->stop, &res);
    t_solve = now_seconds() - t_solve;
    progress_free(br.pg);
    br.pg = NULL;
    if (rc) {
        *env->signal_writer = NULL;
        out_close(br.writer, false, err, sizeof err);
        br.writer = NULL;
        goto oom;
    }

    bool interrupted = res.interrupted > 0 && !res.emit_rc;
    if (!res.emit_rc)
        out_flush(br.writer);
    if (out_broken_pipe(br.writer)) {
        *env->signal_writer = NULL;
        out_close(br.writer, false, err, sizeof err);
        br.writer = NULL;
        status = EXIT_DONE;
        goto done;
    }
    out_attr_string(br.writer, "solver", so->method);
    out_attr_string(br.writer, "backend", backend);
    out_attr_double(br.writer, "rtol", so->rtol);
    out_attr_double(br.writer, "atol", so->atol);
    out_attr_double(br.writer, "t0", so->t0);
    out_attr_double(br.writer, "t1", so->t1);
    out_attr_long(br.writer, "members_done", (long)res.done);
    out_attr_long(br.writer, "members_failed", (long)res.failed);
    out_attr_string(br.writer, "status", interrupted ? "interrupted"
                                         : res.failed ? "failed" : "done");
    *env->signal_writer = NULL;
    int crc = out_close(br.writer, true, err, sizeof err);
    br.writer = NULL;
    if (res.emit_rc || crc) {
        say("%s", err);
        goto done;
    }
    for (size_t i = 0; i < br.n_notes; i++)
        print_note(&br, &br.notes[i]);
    if (res.failed > br.n_notes)
        say("... and %zu more failed members (see the status column)", res.failed - br.n_notes);
    if (o->stats)
        fprintf(stderr,
                "members: %zu\n" "members_done: %zu\n" "members_failed: %zu\n"
                "members_interrupted: %zu\n" "threads: %u\n" "solver: %s\n" "backend: %s\n"
                "steps: %ld\n" "rejected: %ld\n" "nfev: %ld\n" "njev: %ld\n" "nlu: %ld\n"
                "rows: %ld\n" "compile_time_s: %.9f\n" "solve_time_s: %.9f\n",
                br.members, res.done, res.failed, res.interrupted, threads, so->method,
                backend, br.steps, br.rejected, br.nfev, br.njev, br.nlu, br.rows, t_compile,
                t_solve);
    if (interrupted) {
        say("interrupted: %zu of %zu members finished (%zu failed); they are written",
            res.done + res.failed, br.members, res.failed);
        status = EXIT_INTERRUPTED;
    } else if (res.failed) {
        say("%zu of %zu members failed; all %zu are written, with their status",
            res.failed, br.members, br.members);
        status = EXIT_SOLVE;
    } else {
        status = EXIT_DONE;
    }
    goto done;
oom:
    say("out of memory");
    status = EXIT_USAGE;
done:
    *env->signal_writer = NULL;
    if (br.writer)
        out_close(br.writer, false, err, sizeof err);
    progress_free(br.pg);
    if (br.slots)
        for (size_t i = 0; i < br.window; i++) {
            free(br.slots[i].row);
            free(br.slots[i].text);
            free(br.slots[i].vals);
        }
    free(br.slots);
    free(br.lead);
    free(br.prefix);
    if (clones)
        for (unsigned w = 0; w < threads; w++)
            interp_free(clones[w]);
    free(clones);
    free(probs);
    ens_batch_free(b);
    return status;
}

/* ensemble.c - the batch as a product of axes, and the thread pool that
 * solves its members and hands them back in member order. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include "ensemble.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The calling thread looks at the stop flag and calls tick this often
   while it waits for the next member (nanoseconds). */
#define ENS_POLL_NS 100000000L

struct axis {
    size_t n_points, n_cols;
    size_t col0;              /* its first column among the batch's */
    double *values;           /* n_points x n_cols */
};

struct ens_batch {
    struct axis *axes;
    size_t n_axes;
    struct ens_target *targets;   /* n_cols in all */
    size_t n_cols;
    size_t members;
};

ens_batch *ens_batch_new(void)
{
    ens_batch *b = calloc(1, sizeof *b);
    if (b)
        b->members = 1;
    return b;
}

void ens_batch_free(ens_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_axes; i++)
        free(b->axes[i].values);
    free(b->axes);
    free(b->targets);
    free(b);
}

int ens_batch_add_axis(ens_batch *b, size_t n_points, size_t n_cols,
                       const struct ens_target *targets, const double *values)
{
    if (n_points == 0 || n_cols == 0 || n_points > ENS_MAX_MEMBERS / b->members)
        return ODE_EINVAL;
    for (size_t j = 0; j < n_cols; j++) {
        for (size_t i = 0; i < b->n_cols; i++)
            if (b->targets[i].kind == targets[j].kind && b->targets[i].index == targets[j].index)
                return ODE_EINVAL;
        for (size_t i = 0; i < j; i++)
            if (targets[i].kind == targets[j].kind && targets[i].index == targets[j].index)
                return ODE_EINVAL;
    }
    if (n_cols > SIZE_MAX / sizeof(double) / n_points)
        return ODE_ENOMEM;
    struct axis *axes = realloc(b->axes, (b->n_axes + 1) * sizeof *axes);
    if (!axes)
        return ODE_ENOMEM;
    b->axes = axes;
    struct ens_target *tg = realloc(b->targets, (b->n_cols + n_cols) * sizeof *tg);
    if (!tg)
        return ODE_ENOMEM;
    b->targets = tg;
    double *v = malloc(n_points * n_cols * sizeof *v);
    if (!v)
        return ODE_ENOMEM;
    memcpy(v, values, n_points * n_cols * sizeof *v);
    memcpy(tg + b->n_cols, targets, n_cols * sizeof *tg);
    axes[b->n_axes++] = (struct axis){ .n_points = n_points, .n_cols = n_cols,
                                       .col0 = b->n_cols, .values = v };
    b->n_cols += n_cols;
    b->members *= n_points;
    return 0;
}

size_t ens_batch_members(const ens_batch *b)
{
    return b->members;
}

size_t ens_batch_cols(const ens_batch *b)
{
    return b->n_cols;
}

struct ens_target ens_batch_target(const ens_batch *b, size_t j)
{
    return b->targets[j];
}

/* Member k in mixed radix, the last axis the fastest digit. */
void ens_batch_values(const ens_batch *b, size_t k, double *vals)
{
    for (size_t a = b->n_axes; a-- > 0;) {
        const struct axis *ax = &b->axes[a];
        size_t point = k % ax->n_points;
        k /= ax->n_points;
        memcpy(vals + ax->col0, ax->values + point * ax->n_cols, ax->n_cols * sizeof *vals);
    }
}

void ens_batch_apply(const ens_batch *b, size_t k, double *p, double *y0)
{
    for (size_t a = b->n_axes; a-- > 0;) {
        const struct axis *ax = &b->axes[a];
        size_t point = k % ax->n_points;
        k /= ax->n_points;
        const double *v = ax->values + point * ax->n_cols;
        for (size_t j = 0; j < ax->n_cols; j++) {
            struct ens_target t = b->targets[ax->col0 + j];
            (t.kind == ENS_PARAM ? p : y0)[t.index] = v[j];
        }
    }
}

unsigned ens_threads_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return (unsigned)n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* ---- the pool ---- */

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

struct slot {
    enum slot_state state;
    int rc;
};

struct pool {
    const ens_batch *b;
    const struct ode_problem *probs;
    const double *p0, *y0;
    const struct solve_opts *o;
    const struct ens_hooks *h;
    volatile const int *user_stop;
    size_t members, window;
    size_t np, n;             /* parameter vector length, states */

    atomic_size_t next;       /* the next member to hand out */
    /* Set by the calling thread (a stop or an emit failure); every solve
       polls it.  Written only by that thread. */
    volatile int halt;

    pthread_mutex_t lock;
    pthread_cond_t freed;     /* a slot became free (workers wait) */
    pthread_cond_t finished;  /* a member finished, or a worker left */
    struct slot *slots;
    size_t emitted;           /* members handed to emit: slots below are free */
    bool closing;             /* no member waiting for a slot will get one */
    unsigned waiting;         /* workers waiting for a slot */
    unsigned running;         /* workers not yet returned */
};

struct worker {
    struct pool *pool;
    unsigned id;
    pthread_t thread;
    bool started;
};

/* One member on worker w: its values, derived parameters and solve. */
static int solve_member(struct pool *pl, unsigned w, size_t k, size_t slot,
                        double *p, double *y)
{
    const struct ode_problem *prob = &pl->probs[w];
    struct solve_failure fail = { .var = -1 };
    struct solve_stats st = { 0 };
    struct solve_sink sink = { 0 };
    int rc;

    memcpy(p, pl->p0, pl->np * sizeof *p);
    if (pl->n)
        memcpy(y, pl->y0, pl->n * sizeof *y);
    ens_batch_apply(pl->b, k, p, y);
    fail.t = pl->o->t0;
    if (pl->halt) {
        rc = ODE_EINTR;
        snprintf(fail.why, sizeof fail.why, "not started: the batch was stopped");
    } else if (prob->derive && prob->derive(prob->ctx, p) < 0) {
        rc = ODE_ERHS;
        snprintf(fail.why, sizeof fail.why, "the derived parameters could not be computed");
    } else if ((rc = pl->h->begin(pl->h->ctx, w, slot, k, p, &sink)) != 0) {
        snprintf(fail.why, sizeof fail.why, "%s",
                 rc == ODE_ENOMEM ? "out of memory" : "the member could not start");
    } else {
        rc = solve_run(prob, p, y, pl->o, &sink, &pl->halt, &st, &fail);
    }
    pl->h->end(pl->h->ctx, slot, k, rc, &fail, &st);
    return rc;
}

static void *work(void *arg)
{
    struct worker *wk = arg;
    struct pool *pl = wk->pool;
    double *p = malloc((pl->np ? pl->np : 1) * sizeof *p);
    double *y = malloc((pl->n ? pl->n : 1) * sizeof *y);

    for (;;) {
        size_t k = atomic_fetch_add(&pl->next, 1);
        if (k >= pl->members)
            break;
        size_t slot = k % pl->window;
        pthread_mutex_lock(&pl->lock);
        /* Member k - window must have been emitted first: the slot is
           its.  The lowest member not emitted never waits here. */
        pl->waiting++;
        while (k >= pl->emitted + pl->window && !pl->closing)
            pthread_cond_wait(&pl->freed, &pl->lock);
        pl->waiting--;
        if (k >= pl->emitted + pl->window) {
            pthread_mutex_unlock(&pl->lock);
            break;
        }
        pl->slots[slot].state = SLOT_BUSY;
        pthread_mutex_unlock(&pl->lock);

        int rc;
        if (p && y) {
            rc = solve_member(pl, wk->id, k, slot, p, y);
        } else {
            struct solve_failure f = { .t = pl->o->t0, .var = -1, .why = "out of memory" };
            struct solve_stats st = { 0 };
            rc = ODE_ENOMEM;
            pl->h->end(pl->h->ctx, slot, k, rc, &f, &st);
        }

        pthread_mutex_lock(&pl->lock);
        pl->slots[slot].state = SLOT_DONE;
        pl->slots[slot].rc = rc;
        /* The calling thread waits for the lowest member not emitted
           only: waking it for the others would cost a switch each. */
        if (k == pl->emitted)
            pthread_cond_signal(&pl->finished);
        pthread_mutex_unlock(&pl->lock);
    }
    free(y);
    free(p);
    pthread_mutex_lock(&pl->lock);
    pl->running--;
    pthread_cond_signal(&pl->finished);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

static void deadline_after(struct timespec *ts, long ns)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += ns;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec += ts->tv_nsec / 1000000000L;
        ts->tv_nsec %= 1000000000L;
    }
}

/* The calling thread: emits members in order as they finish. */
static void collect(struct pool *pl, struct ens_result *res)
{
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        size_t k = pl->emitted;
        if (k >= pl->members)
            break;
        struct slot *s = &pl->slots[k % pl->window];
        if (s->state != SLOT_DONE) {
            /* Every worker gone (none could allocate its vectors, or
               they all stopped): nothing more comes. */
            if (pl->running == 0)
                break;
            struct timespec ts;
            deadline_after(&ts, ENS_POLL_NS);
            pthread_cond_timedwait(&pl->finished, &pl->lock, &ts);
            if (pl->user_stop && *pl->user_stop)
                pl->halt = 1;
            if (pl->h->tick) {
                pthread_mutex_unlock(&pl->lock);
                pl->h->tick(pl->h->ctx, pl->emitted);
                pthread_mutex_lock(&pl->lock);
            }
            continue;
        }
        int rc = s->rc;
        pthread_mutex_unlock(&pl->lock);

        res->emitted++;
        if (rc == 0)
            res->done++;
        else if (rc == ODE_EINTR)
            res->interrupted++;
        else
            res->failed++;
        int erc = pl->h->emit(pl->h->ctx, k % pl->window, k, rc);
        if (erc && !res->emit_rc) {
            res->emit_rc = erc;
            pl->halt = 1;
        }
        if (pl->user_stop && *pl->user_stop)
            pl->halt = 1;
        if (pl->h->tick)
            pl->h->tick(pl->h->ctx, res->emitted);

        pthread_mutex_lock(&pl->lock);
        s->state = SLOT_FREE;
        pl->emitted++;
        if (pl->waiting)
            pthread_cond_broadcast(&pl->freed);
        if (res->emit_rc)
            break;
    }
    pthread_mutex_unlock(&pl->lock);
}

/* One thread: the calling thread solves and emits each member in turn,
   without a worker to hand members to (and to wake it for each). */
static int run_inline(struct pool *pl, struct ens_result *res)
{
    double *p = malloc((pl->np ? pl->np : 1) * sizeof *p);
    double *y = malloc((pl->n ? pl->n : 1) * sizeof *y);
    if (!p || !y) {
        free(y);
        free(p);
        return ODE_ENOMEM;
    }
    for (size_t k = 0; k < pl->members; k++) {
        if (pl->user_stop && *pl->user_stop)
            pl->halt = 1;
        int rc = solve_member(pl, 0, k, 0, p, y);
        res->emitted++;
        if (rc == 0)
            res->done++;
        else if (rc == ODE_EINTR)
            res->interrupted++;
        else
            res->failed++;
        int erc = pl->h->emit(pl->h->ctx, 0, k, rc);
        if (pl->h->tick)
            pl->h->tick(pl->h->ctx, res->emitted);
        if (erc) {
            res->emit_rc = erc;
            break;
        }
    }
    free(y);
    free(p);
    return 0;
}

int ens_run(const ens_batch *b, const struct ode_problem *probs, const double *p0,
            const double *y0, const struct solve_opts *o, const struct ens_opts *eo,
            const struct ens_hooks *h, volatile const int *stop, struct ens_result *res)
{
    struct pool pl = {
        .b = b, .probs = probs, .p0 = p0, .y0 = y0, .o = o, .h = h, .user_stop = stop,
        .members = ens_batch_members(b), .window = eo->window,
        .np = probs[0].n_params + probs[0].n_derived, .n = probs[0].n_states,
    };
    struct worker *wk = NULL;
    int rc = ODE_ENOMEM;

    memset(res, 0, sizeof *res);
    if (eo->threads < 1 || eo->window < 1 || !h->begin || !h->end || !h->emit)
        return ODE_EINVAL;
    atomic_init(&pl.next, 0);
    if (eo->threads == 1)
        return run_inline(&pl, res);
    pl.slots = calloc(pl.window, sizeof *pl.slots);
    wk = calloc(eo->threads, sizeof *wk);
    if (!pl.slots || !wk)
        goto done;
    if (pthread_mutex_init(&pl.lock, NULL) != 0)
        goto done;
    if (pthread_cond_init(&pl.freed, NULL) != 0) {
        pthread_mutex_destroy(&pl.lock);
        goto done;
    }
    if (pthread_cond_init(&pl.finished, NULL) != 0) {
        pthread_cond_destroy(&pl.freed);
        pthread_mutex_destroy(&pl.lock);
        goto done;
    }
    /* Workers' signals go to the calling thread, which watches `stop`. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    unsigned started = 0;
    pthread_mutex_lock(&pl.lock);
    for (unsigned w = 0; w < eo->threads; w++) {
        wk[w] = (struct worker){ .pool = &pl, .id = w };
        if (pthread_create(&wk[w].thread, NULL, work, &wk[w]) == 0) {
            wk[w].started = true;
            pl.running++;
            started++;
        }
    }
    pthread_mutex_unlock(&pl.lock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started == 0) {
        rc = ODE_ENOMEM;
    } else {
        collect(&pl, res);
        rc = 0;
    }
    /* An emit failure stops the hand-out: members still being solved end
       at their next step; the ones after are skipped. */
    pl.halt = 1;
    atomic_store(&pl.next, pl.members);
    pthread_mutex_lock(&pl.lock);
    pl.closing = true;           /* no worker waits for a slot any more */
    pthread_cond_broadcast(&pl.freed);
    pthread_mutex_unlock(&pl.lock);
    for (unsigned w = 0; w < eo->threads; w++)
        if (wk[w].started)
            pthread_join(wk[w].thread, NULL);
    pthread_cond_destroy(&pl.finished);
    pthread_cond_destroy(&pl.freed);
    pthread_mutex_destroy(&pl.lock);
done:
    free(wk);
    free(pl.slots);
    return rc;
}

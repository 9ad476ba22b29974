/* check_ensemble.c - the batch's member order and values, and the pool:
 * members handed back in order whatever the threads, the same numbers
 * for any thread count, the window respected, failures and stops. */
#include "ensemble.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* x' = -k x, y' = c: members differ in cost through k (stiffer, more
   steps), and k < 0 with a bound on |x| makes some fail. */
static int rhs(void *ctx, double t, const double *y, const double *p, double *dy)
{
    (void)ctx, (void)t;
    dy[0] = -p[0] * y[0];
    dy[1] = p[1];
    return 0;
}

static const char *const names[] = { "x", "y" };

static struct ode_problem problem(void)
{
    return (struct ode_problem){ .n_states = 2, .n_params = 2, .state_names = names,
                                 .rhs = rhs };
}

START_TEST(batch_is_the_product_with_the_last_axis_fastest)
{
    ens_batch *b = ens_batch_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(ens_batch_members(b), 1);
    struct ens_target a = { ENS_PARAM, 1 }, two[2] = { { ENS_INIT, 0 }, { ENS_PARAM, 0 } };
    double av[3] = { 10, 20, 30 }, tv[4] = { 1, 2, 3, 4 };
    ck_assert_int_eq(ens_batch_add_axis(b, 3, 1, &a, av), 0);
    ck_assert_int_eq(ens_batch_add_axis(b, 2, 2, two, tv), 0);
    ck_assert_uint_eq(ens_batch_members(b), 6);
    ck_assert_uint_eq(ens_batch_cols(b), 3);
    double v[3];
    ens_batch_values(b, 3, v);   /* a = 20, second point of the pair axis */
    ck_assert(v[0] == 20 && v[1] == 3 && v[2] == 4);
    double p[2] = { 0, 0 }, y[2] = { 0, 9 };
    ens_batch_apply(b, 4, p, y);
    ck_assert(p[1] == 30 && y[0] == 1 && p[0] == 2 && y[1] == 9);
    /* A target set twice, an empty axis, too many members. */
    ck_assert_int_eq(ens_batch_add_axis(b, 2, 1, &a, av), ODE_EINVAL);
    struct ens_target c = { ENS_INIT, 1 };
    ck_assert_int_eq(ens_batch_add_axis(b, 0, 1, &c, av), ODE_EINVAL);
    ck_assert_int_eq(ens_batch_add_axis(b, ENS_MAX_MEMBERS / 2, 1, &c, av), ODE_EINVAL);
    ens_batch_free(b);
    ens_batch_free(NULL);
}
END_TEST

struct record {
    size_t members, window;
    double *final;            /* per member: x at t1 */
    int *rc;
    size_t *order;            /* members in the order emitted */
    size_t n_emitted;
    double *slot_last;        /* per slot: the last row's x */
    atomic_int in_flight, most_in_flight;
    size_t stop_after;        /* emit fails after this many; 0: never */
    volatile int *stop;       /* set after `stop_at` emits, if not NULL */
    size_t stop_at;
};

static int sink_row(void *ctx, double t, const double *y)
{
    (void)t;
    *(double *)ctx = y[0];
    return 0;
}

static int on_begin(void *ctx, unsigned worker, size_t slot, size_t member, const double *p,
                    struct solve_sink *sink)
{
    struct record *r = ctx;
    (void)worker, (void)member, (void)p;
    int now = atomic_fetch_add(&r->in_flight, 1) + 1;
    int most = atomic_load(&r->most_in_flight);
    while (now > most && !atomic_compare_exchange_weak(&r->most_in_flight, &most, now))
        ;
    r->slot_last[slot] = NAN;
    *sink = (struct solve_sink){ .row = sink_row, .ctx = &r->slot_last[slot] };
    return 0;
}

static void on_end(void *ctx, size_t slot, size_t member, int rc, const struct solve_failure *f,
                   const struct solve_stats *st)
{
    struct record *r = ctx;
    (void)slot, (void)f, (void)st;
    r->rc[member] = rc;
}

static int on_emit(void *ctx, size_t slot, size_t member, int rc)
{
    struct record *r = ctx;
    ck_assert_int_eq(rc, r->rc[member]);
    r->final[member] = r->slot_last[slot];
    r->order[r->n_emitted++] = member;
    atomic_fetch_sub(&r->in_flight, 1);
    if (r->stop && r->n_emitted == r->stop_at)
        *r->stop = 1;
    return r->stop_after && r->n_emitted >= r->stop_after ? ODE_EOUTPUT : 0;
}

/* Runs 200 members k = -3 .. 20 on `threads` threads into r. */
static void run_batch(unsigned threads, size_t window, struct record *r,
                      volatile const int *stop, struct ens_result *res)
{
    enum { M = 200 };
    struct ens_target tk = { ENS_PARAM, 0 };
    double ks[M];
    for (size_t i = 0; i < M; i++)
        ks[i] = -3 + 23.0 * (double)((i * 37) % M) / M;
    ens_batch *b = ens_batch_new();
    ck_assert_int_eq(ens_batch_add_axis(b, M, 1, &tk, ks), 0);
    struct ode_problem probs[8];
    for (unsigned w = 0; w < threads; w++)
        probs[w] = problem();
    struct solve_opts o;
    solve_opts_default(&o);
    o.t1 = 5;
    o.save = SAVE_FINAL;
    o.rtol = 1e-10;
    o.atol = 1e-12;
    o.bound = 1e3;       /* exp(-5k) > 1e3 for k < -1.38: those fail */
    double p0[2] = { 1, 0.5 }, y0[2] = { 1, 0 };
    memset(r, 0, sizeof *r);
    r->members = M;
    r->window = window;
    r->final = calloc(M, sizeof *r->final);
    r->rc = calloc(M, sizeof *r->rc);
    r->order = calloc(M, sizeof *r->order);
    r->slot_last = calloc(window, sizeof *r->slot_last);
    struct ens_hooks h = { .ctx = r, .begin = on_begin, .end = on_end, .emit = on_emit };
    struct ens_opts eo = { .threads = threads, .window = window };
    ck_assert_int_eq(ens_run(b, probs, p0, y0, &o, &eo, &h, stop, res), 0);
    ens_batch_free(b);
}

static void free_record(struct record *r)
{
    free(r->final);
    free(r->rc);
    free(r->order);
    free(r->slot_last);
}

START_TEST(pool_emits_in_order_with_the_same_bits_for_any_thread_count)
{
    struct record one, many;
    struct ens_result res1, res;
    run_batch(1, 4, &one, NULL, &res1);
    ck_assert_uint_eq(res1.emitted, 200);
    ck_assert_uint_eq(res1.done + res1.failed, 200);
    ck_assert_uint_gt(res1.failed, 0);
    ck_assert_uint_gt(res1.done, 0);
    for (size_t i = 0; i < 200; i++) {
        ck_assert_uint_eq(one.order[i], i);
        if (one.rc[i] == 0) {
            /* x(5) = exp(-5k) */
            double k = -3 + 23.0 * (double)((i * 37) % 200) / 200;
            ck_assert_double_eq_tol(one.final[i], exp(-5 * k), 1e-8 * fmax(1, exp(-5 * k)));
        } else {
            ck_assert_int_eq(one.rc[i], ODE_ENONFINITE);
        }
    }
    unsigned threads[] = { 2, 3, 7 };
    size_t windows[] = { 1, 3, 64 };
    for (size_t t = 0; t < 3; t++)
        for (size_t w = 0; w < 3; w++) {
            run_batch(threads[t], windows[w], &many, NULL, &res);
            ck_assert_uint_eq(res.emitted, 200);
            ck_assert_uint_eq(res.failed, res1.failed);
            ck_assert_int_le(atomic_load(&many.most_in_flight), (int)windows[w]);
            for (size_t i = 0; i < 200; i++) {
                ck_assert_uint_eq(many.order[i], i);
                ck_assert_int_eq(many.rc[i], one.rc[i]);
                if (one.rc[i] == 0)
                    ck_assert(memcmp(&many.final[i], &one.final[i], sizeof(double)) == 0);
            }
            free_record(&many);
        }
    free_record(&one);
}
END_TEST

START_TEST(pool_stops_on_request_and_on_an_emit_failure)
{
    struct record r;
    struct ens_result res;
    volatile int stop = 0;
    /* The stop comes after 10 members are out: the rest are interrupted
       or never started, and every member is still emitted, in order. */
    struct record *rp = &r;
    (void)rp;
    {
        enum { M = 200 };
        struct ens_target tk = { ENS_PARAM, 0 };
        double ks[M];
        for (size_t i = 0; i < M; i++)
            ks[i] = 1 + (double)i / M;
        ens_batch *b = ens_batch_new();
        ck_assert_int_eq(ens_batch_add_axis(b, M, 1, &tk, ks), 0);
        struct ode_problem probs[2] = { problem(), problem() };
        struct solve_opts o;
        solve_opts_default(&o);
        o.t1 = 5;
        o.save = SAVE_FINAL;
        double p0[2] = { 1, 0.5 }, y0[2] = { 1, 0 };
        memset(&r, 0, sizeof r);
        r.final = calloc(M, sizeof *r.final);
        r.rc = calloc(M, sizeof *r.rc);
        r.order = calloc(M, sizeof *r.order);
        r.slot_last = calloc(8, sizeof *r.slot_last);
        r.stop = &stop;
        r.stop_at = 10;
        struct ens_hooks h = { .ctx = &r, .begin = on_begin, .end = on_end, .emit = on_emit };
        struct ens_opts eo = { .threads = 2, .window = 8 };
        ck_assert_int_eq(ens_run(b, probs, p0, y0, &o, &eo, &h, &stop, &res), 0);
        ck_assert_uint_ge(res.done, 10);
        ck_assert_uint_lt(res.done, M);
        ck_assert_uint_eq(res.done + res.interrupted, res.emitted);
        for (size_t i = 0; i < res.emitted; i++)
            ck_assert_uint_eq(r.order[i], i);
        for (size_t i = 0; i < 10; i++)
            ck_assert_int_eq(r.rc[i], 0);
        ens_batch_free(b);
        free_record(&r);
    }
    /* An emit that fails stops the batch: nothing is emitted after it. */
    struct record e;
    memset(&e, 0, sizeof e);
    {
        enum { M = 100 };
        struct ens_target tk = { ENS_PARAM, 0 };
        double ks[M];
        for (size_t i = 0; i < M; i++)
            ks[i] = 1;
        ens_batch *b = ens_batch_new();
        ck_assert_int_eq(ens_batch_add_axis(b, M, 1, &tk, ks), 0);
        struct ode_problem probs[3] = { problem(), problem(), problem() };
        struct solve_opts o;
        solve_opts_default(&o);
        o.save = SAVE_FINAL;
        double p0[2] = { 1, 0.5 }, y0[2] = { 1, 0 };
        e.final = calloc(M, sizeof *e.final);
        e.rc = calloc(M, sizeof *e.rc);
        e.order = calloc(M, sizeof *e.order);
        e.slot_last = calloc(4, sizeof *e.slot_last);
        e.stop_after = 5;
        struct ens_hooks h = { .ctx = &e, .begin = on_begin, .end = on_end, .emit = on_emit };
        struct ens_opts eo = { .threads = 3, .window = 4 };
        ck_assert_int_eq(ens_run(b, probs, p0, y0, &o, &eo, &h, NULL, &res), 0);
        ck_assert_int_eq(res.emit_rc, ODE_EOUTPUT);
        ck_assert_uint_eq(res.emitted, 5);
        ens_batch_free(b);
        free_record(&e);
    }
}
END_TEST

START_TEST(threads_available_is_at_least_one)
{
    ck_assert_uint_ge(ens_threads_available(), 1);
}
END_TEST

static Suite *ensemble_suite(void)
{
    Suite *s = suite_create("ensemble");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, batch_is_the_product_with_the_last_axis_fastest);
    tcase_add_test(tc, pool_emits_in_order_with_the_same_bits_for_any_thread_count);
    tcase_add_test(tc, pool_stops_on_request_and_on_an_emit_failure);
    tcase_add_test(tc, threads_available_is_at_least_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ensemble_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

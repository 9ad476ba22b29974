/* check_dirk.c - the ESDIRK methods: tableaux, orders, stiff behaviour,
 * dense output, accuracy on the stiff bench problems. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirk.h"
#include "solve.h"
#include "testbench.h"

static const struct stepper_method *const methods[] = {
    &dirk_backeul, &dirk_trapezoid, &dirk_kvaerno3, &dirk_kvaerno5,
};
#define NMETHODS (sizeof methods / sizeof methods[0])

/* ---- solves through solve_run ----------------------------------------- */

struct run {
    long steps, rejected;
    struct solve_stats st;
    double y[TB_MAXN];          /* y(t1) */
    size_t n;
    /* Optional save points inside (t0, t1), written by dense output. */
    const double *ts;
    size_t nts;
    double *ys;                 /* nts x n */
    size_t k;
};

static int run_row(void *ctx, double t, const double *y)
{
    struct run *r = ctx;

    (void)t;
    if (r->k < r->nts)
        memcpy(r->ys + r->k * r->n, y, r->n * sizeof *y);
    else
        memcpy(r->y, y, r->n * sizeof *y);
    r->k++;
    return 0;
}

/* Integrates pr from t0 to t1 with method m by solve_run: adaptive with
   its default controller when h0 == 0, else with the constant step h0.
   Returns solve_run's code. */
static int drive(const struct stepper_method *m, const struct ode_problem *pr,
                 const double *y0, double t0, double t1, double rtol,
                 double atol, double h0, long max_steps, struct run *out)
{
    struct solve_opts o;
    struct solve_sink sink = { run_row, out, NULL };
    struct solve_failure fail;
    double p[1] = { 0 }, at[65];
    int rc;

    solve_opts_default(&o);
    o.method = m->name;
    o.t0 = t0;
    o.t1 = t1;
    o.rtol = rtol;
    o.atol = atol;
    o.max_steps = max_steps;
    if (h0 > 0) {
        o.controller = CTL_CONSTANT;
        o.dt = h0;
    }
    o.save = SAVE_FINAL;
    if (out->nts) {
        ck_assert_int_le(out->nts, 64);
        memcpy(at, out->ts, out->nts * sizeof *at);
        at[out->nts] = t1;
        o.save = SAVE_AT;
        o.save_at = at;
        o.n_save_at = out->nts + 1;
    }
    out->n = pr->n_states;
    out->k = 0;
    rc = solve_run(pr, p, y0, &o, &sink, NULL, &out->st, &fail);
    out->steps = out->st.steps;
    out->rejected = out->st.rejected;
    return rc;
}

/* ---- tableaux: row sums and order conditions over rooted trees --------- */

#define MAXTREES 40
/* Trees of order <= 6, each as its children (indices of smaller trees). */
static int ntrees, tree_order[MAXTREES], tree_nch[MAXTREES], tree_ch[MAXTREES][6];

static void add_trees(int order, int left, int minc, int *ch, int nch)
{
    int i;

    if (left == 0) {
        tree_order[ntrees] = order;
        tree_nch[ntrees] = nch;
        memcpy(tree_ch[ntrees], ch, (size_t)nch * sizeof *ch);
        ntrees++;
        return;
    }
    for (i = minc; i < ntrees && tree_order[i] < order; i++)
        if (tree_order[i] <= left) {
            ch[nch] = i;
            add_trees(order, left - tree_order[i], i, ch, nch + 1);
        }
}

/* The trees in order of increasing order: those of order p are the
   multisets of earlier trees whose orders sum to p - 1. */
static void make_trees(int maxorder)
{
    int ch[6], p;

    ntrees = 0;
    for (p = 1; p <= maxorder; p++)
        add_trees(p, p - 1, 0, ch, 0);
}

/* Phi(t)_i (Hairer, Norsett & Wanner I, II.2) into phi; returns gamma(t). */
static double tree_phi(const struct dirk_tableau *tb, int t, double *phi)
{
    double g = tree_order[t], sub[DIRK_MAX_STAGES];
    int i, j, q;

    for (i = 0; i < tb->stages; i++)
        phi[i] = 1;
    for (q = 0; q < tree_nch[t]; q++) {
        g *= tree_phi(tb, tree_ch[t][q], sub);
        for (i = 0; i < tb->stages; i++) {
            double acc = 0;
            for (j = 0; j <= i; j++)
                acc += tb->a[i][j] * sub[j];
            phi[i] *= acc;
        }
    }
    return g;
}

/* The largest |b . Phi(t) - 1/gamma(t)| over the trees of order <= p. */
static double order_residual(const struct dirk_tableau *tb, const double *b, int p)
{
    double phi[DIRK_MAX_STAGES], worst = 0;
    int t, i;

    for (t = 0; t < ntrees && tree_order[t] <= p; t++) {
        double g = tree_phi(tb, t, phi), acc = 0;
        for (i = 0; i < tb->stages; i++)
            acc += b[i] * phi[i];
        worst = fmax(worst, fabs(acc - 1 / g));
    }
    return worst;
}

START_TEST(dirk_tableaux_meet_their_order_conditions)
{
    size_t k;

    make_trees(6);
    /* 1, 1, 2, 4, 9, 20 trees of orders 1 .. 6. */
    ck_assert_int_eq(ntrees, 37);
    for (k = 0; k < NMETHODS; k++) {
        const struct dirk_tableau *tb = dirk_tableau_of(methods[k]);
        int i, j;

        ck_assert_int_eq(methods[k]->family, FAM_IMPLICIT_RK);
        ck_assert(methods[k]->needs_jac);
        ck_assert_str_eq(methods[k]->name, tb->name);
        for (i = 0; i < tb->stages; i++) {
            double sum = 0;
            for (j = 0; j <= i; j++)
                sum += tb->a[i][j];
            ck_assert_double_eq_tol(sum, tb->c[i], 4e-15);
            ck_assert_double_eq(tb->a[i][i], i == 0 ? 0 : tb->gamma);
            /* Stiffly accurate: y1 = Y_s. */
            ck_assert_double_eq(tb->a[tb->stages - 1][i], tb->b[i]);
        }
        ck_assert_double_le(order_residual(tb, tb->b, tb->order), 1e-14);
        ck_assert_double_gt(order_residual(tb, tb->b, tb->order + 1), 1e-4);
        if (tb->order_emb > 0) {
            ck_assert_double_le(order_residual(tb, tb->bemb, tb->order_emb), 1e-14);
            ck_assert_double_gt(order_residual(tb, tb->bemb, tb->order_emb + 1), 1e-4);
        }
    }
}
END_TEST

/* ---- observed orders --------------------------------------------------- */

/* A damped rotation: y1' = -y1/2 + y2, y2' = -y1 - y2/2, y(0) = (1, 0);
   y = e^(-t/2) (cos t, -sin t). */
static int rot_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx; (void)t; (void)p;
    f[0] = -0.5 * y[0] + y[1];
    f[1] = -y[0] - 0.5 * y[1];
    return 0;
}

static int rot_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx; (void)t; (void)y; (void)p;
    v[0] = -0.5;
    v[1] = -1;
    v[2] = 1;
    v[3] = -0.5;
    return 0;
}

static const size_t dense2_cp[] = { 0, 2, 4 }, dense2_ri[] = { 0, 1, 0, 1 };

static struct ode_problem rot_problem(void)
{
    struct ode_problem pr;

    memset(&pr, 0, sizeof pr);
    pr.n_states = 2;
    pr.rhs = rot_rhs;
    pr.jac = rot_jac;
    pr.jac_pattern.nnz = 4;
    pr.jac_pattern.colptr = dense2_cp;
    pr.jac_pattern.rowind = dense2_ri;
    return pr;
}

static double rot_error(const double *y, double t)
{
    double e = exp(-t / 2);
    return fmax(fabs(y[0] - e * cos(t)), fabs(y[1] + e * sin(t)));
}

/* log2 of the error ratio of N and 2N constant steps over [0, 2]. */
static double rot_order(const struct stepper_method *m, int nsteps)
{
    struct ode_problem pr = rot_problem();
    double y0[2] = { 1, 0 }, e[2];
    struct run r = { 0 };
    int i;

    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(drive(m, &pr, y0, 0, 2, 1e-12, 1e-12,
                               2.0 / (nsteps << i), 100000, &r), 0);
        ck_assert_int_eq(r.steps, nsteps << i);
        e[i] = rot_error(r.y, 2);
    }
    return log2(e[0] / e[1]);
}

START_TEST(dirk_fixed_steps_show_each_order_on_a_linear_problem)
{
    /* Step counts where the error is well above rounding. */
    static const int nsteps[NMETHODS] = { 200, 100, 50, 20 };
    size_t k;

    for (k = 0; k < NMETHODS; k++) {
        double p = rot_order(methods[k], nsteps[k]);
        ck_assert_msg(fabs(p - methods[k]->order) < 0.15, "%s: order %.3f",
                      methods[k]->name, p);
    }
}
END_TEST

/* Prothero & Robinson (1974): y' = lambda (y - sin t) + cos t, y(0) = 0,
   y = sin t for every lambda.  p[0] = lambda. */
static double pr_lambda;

static int pr_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx; (void)p;
    f[0] = pr_lambda * (y[0] - sin(t)) + cos(t);
    return 0;
}

static int pr_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx; (void)t; (void)y; (void)p;
    v[0] = pr_lambda;
    return 0;
}

static const size_t one_cp[] = { 0, 1 }, one_ri[] = { 0 };

static double pr_order(const struct stepper_method *m, double lambda, int nsteps)
{
    struct ode_problem pr;
    double y0 = 0, e[2];
    struct run r = { 0 };
    int i;

    memset(&pr, 0, sizeof pr);
    pr.n_states = 1;
    pr.rhs = pr_rhs;
    pr.jac = pr_jac;
    pr.jac_pattern.nnz = 1;
    pr.jac_pattern.colptr = one_cp;
    pr.jac_pattern.rowind = one_ri;
    pr_lambda = lambda;
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(drive(m, &pr, &y0, 0, 1.5, 1e-12, 1e-12,
                               1.5 / (nsteps << i), 100000, &r), 0);
        e[i] = fabs(r.y[0] - sin(1.5));
    }
    return log2(e[0] / e[1]);
}

START_TEST(dirk_prothero_robinson_shows_the_stiff_order_reduction)
{
    /* Non-stiff (lambda = -1) each method has its classical order; stiff
       (lambda = -1e6, h lambda about -1e5) the ESDIRKs fall to their stage
       order 2 (Kvaerno 2004, sec. 2; Hairer & Wanner II, IV.15):
       measured 2.25 for kvaerno5 at 20 and 40 steps (2.57 at 5, 2.00 at
       640) and 2.2 for kvaerno3, against 5 and 3.  Implicit Euler keeps
       its order 1 and the trapezoidal rule its 2 (2.0 to 2.3 while
       h |lambda| > 1e3). */
    static const int nsteps[NMETHODS] = { 200, 100, 25, 20 };
    static const double stiff_lo[NMETHODS] = { 0.9, 1.8, 1.9, 1.9 };
    static const double stiff_hi[NMETHODS] = { 1.1, 2.4, 2.5, 2.6 };
    size_t k;

    for (k = 0; k < NMETHODS; k++) {
        double p1 = pr_order(methods[k], -1, nsteps[k]);
        double p6 = pr_order(methods[k], -1e6, nsteps[k]);
        ck_assert_msg(fabs(p1 - methods[k]->order) < 0.2, "%s: order %.3f at lambda -1",
                      methods[k]->name, p1);
        ck_assert_msg(p6 >= stiff_lo[k] && p6 <= stiff_hi[k],
                      "%s: order %.3f at lambda -1e6", methods[k]->name, p6);
    }
}
END_TEST

START_TEST(dirk_dense_output_keeps_the_order_of_kvaerno5)
{
    /* Save points in the middle of each constant step.  From the second
       step on the quintic Hermite interpolant through the previous point
       errs by O(h^6), so the dense output is as accurate as the steps'
       ends (order 5 in the step counts); the first step's cubic errs by
       O(h^4).  Measured with 16 and 32 steps: 2.0e-8 and 6.5e-10 inside
       (order 4.94), 2.1e-8 and 6.6e-10 at t1; the first step 9.1e-7 and
       5.8e-8 (order 3.96). */
    struct ode_problem pr = rot_problem();
    double y0[2] = { 1, 0 }, ts[32], ys[64], e[2], e1[2], ef[2];
    int i, j;

    for (i = 0; i < 2; i++) {
        struct run r = { 0 };
        int ns = 16 << i;

        for (j = 0; j < ns; j++)
            ts[j] = (j + 0.5) * 2.0 / ns;
        r.ts = ts;
        r.nts = (size_t)ns;
        r.ys = ys;
        ck_assert_int_eq(drive(&dirk_kvaerno5, &pr, y0, 0, 2, 1e-12, 1e-12,
                               2.0 / ns, 1000, &r), 0);
        e1[i] = rot_error(ys, ts[0]);
        e[i] = 0;
        for (j = 1; j < ns; j++)
            e[i] = fmax(e[i], rot_error(ys + 2 * j, ts[j]));
        ef[i] = rot_error(r.y, 2);
    }
    ck_assert_double_ge(log2(e[0] / e[1]), 4.7);
    ck_assert_double_le(e[1], 2 * ef[1]);
    ck_assert_double_ge(log2(e1[0] / e1[1]), 3.7);
}
END_TEST

START_TEST(dirk_dense_output_hits_the_step_ends)
{
    /* theta = 0 and 1 give y and y1 (step doubling's two cubics meet at
       the midpoint), and theta = 1/2 is near the solution. */
    struct ode_problem pr = rot_problem();
    struct stepper_cfg cfg;
    size_t k;

    memset(&cfg, 0, sizeof cfg);
    cfg.prob = &pr;
    cfg.adaptive = true;
    cfg.rtol = cfg.atol = 1e-6;
    for (k = 0; k < NMETHODS; k++) {
        struct stepper s;
        double out[2], h = 0.5;

        ck_assert_int_eq(stepper_new(&s, methods[k], &cfg), 0);
        s.y[0] = 1;
        s.y[1] = 0;
        ck_assert_int_eq(s.ops->begin(&s, 0, false, 1), 0);
        ck_assert_int_eq(s.ops->step(&s, 0, h, true), 0);
        ck_assert_int_eq(s.ops->dense(&s, 0, h, 0, out), 0);
        ck_assert_double_eq(out[0], 1);
        ck_assert_double_eq(out[1], 0);
        ck_assert_int_eq(s.ops->dense(&s, 0, h, 1, out), 0);
        ck_assert_double_eq_tol(out[0], s.y1[0], 1e-15);
        ck_assert_double_eq_tol(out[1], s.y1[1], 1e-15);
        ck_assert_int_eq(s.ops->dense(&s, 0, h, 0.5, out), 0);
        ck_assert_double_le(rot_error(out, 0.25), 0.1);
        stepper_free(&s);
    }
}
END_TEST

/* ---- the stiff bench problems ------------------------------------------ */

START_TEST(dirk_kvaerno_meets_the_bench_references)
{
    /* At rtol 1e-6 and 1e-9 (atol = eta rtol, as the bench does), the
       bench's error at t1 against the references.  Measured: kvaerno5
       0.2 (hires) to 15 (orego) times rtol, kvaerno3 at 1e-6 1.2 (vdp)
       to 34 (orego). */
    static const char *const names[] = { "rober", "vdp", "hires", "orego" };
    static const double rtols[] = { 1e-6, 1e-9 };
    size_t k, q, i;

    for (k = 0; k < 2; k++) {
        const struct stepper_method *m = k == 0 ? &dirk_kvaerno3 : &dirk_kvaerno5;
        for (q = 0; q < 4; q++)
            for (i = 0; i < 2; i++) {
                struct tb_problem *tp = tb_get(names[q], 1);
                struct run r = { 0 };
                double err;

                if (k == 0 && i == 1)
                    continue;
                ck_assert_int_eq(drive(m, &tp->prob, tp->y0, tp->t0, tp->t1, rtols[i],
                                       tp->eta * rtols[i], 0, 200000, &r), 0);
                err = tb_error(tp, r.y);
                ck_assert_msg(err <= (k == 0 ? 50 : 25) * rtols[i],
                              "%s %s rtol %g: error %.3g", m->name, tp->name,
                              rtols[i], err);
                ck_assert_int_lt(r.st.nlu, r.steps);
            }
    }
}
END_TEST

START_TEST(dirk_stiff_problems_take_a_bounded_number_of_steps)
{
    /* Robertson to t = 1e11 and Van der Pol at mu = 1e3 at rtol 1e-6:
       hundreds of steps, not the millions of an explicit method, fewer
       factorisations than steps, and a Jacobian for every few steps
       (CVODE on Robertson: 186 LU and 21 J for 1217 steps).  Measured:
       kvaerno5 202 and 492 steps (143 and 295 LU, 63 and 106 J),
       kvaerno3 2364 and 4023. */
    static const char *const names[] = { "rober", "vdp" };
    static const long max_steps[2][2] = { { 3000, 5000 }, { 300, 700 } };
    size_t k, q;

    for (k = 0; k < 2; k++) {
        const struct stepper_method *m = k == 0 ? &dirk_kvaerno3 : &dirk_kvaerno5;
        for (q = 0; q < 2; q++) {
            struct tb_problem *tp = tb_get(names[q], 1);
            struct run r = { 0 };

            ck_assert_int_eq(drive(m, &tp->prob, tp->y0, tp->t0, tp->t1, 1e-6,
                                   tp->eta * 1e-6, 0, 100000, &r), 0);
            ck_assert_msg(r.steps <= max_steps[k][q], "%s %s: %ld steps",
                          m->name, tp->name, r.steps);
            ck_assert_int_lt(r.st.nlu, r.steps);
            ck_assert_int_lt(3 * r.st.njev, r.steps);
            ck_assert_int_le(r.st.nsolve, r.st.nnewton);
        }
    }
}
END_TEST

START_TEST(dirk_finite_differences_match_the_exact_jacobian)
{
    struct tb_problem *tp = tb_get("hires", 0);
    struct run r = { 0 };

    ck_assert_int_eq(drive(&dirk_kvaerno5, &tp->prob, tp->y0, tp->t0, tp->t1, 1e-7,
                           tp->eta * 1e-7, 0, 100000, &r), 0);
    ck_assert_double_le(tb_error(tp, r.y), 30e-7);
    ck_assert_int_gt(r.st.nfev, r.st.nnewton);
}
END_TEST

START_TEST(dirk_teaching_methods_solve_a_stiff_problem)
{
    /* backeul and trapezoid, adaptive, on Van der Pol at mu = 1e3: they
       get there, and their error falls with the tolerance as their order
       says (error per step ~ rtol, steps ~ rtol^(-1/(p+1)), so the global
       error ~ rtol^(p/(p+1))): a decade of rtol buys about 10^(1/2) for
       implicit Euler and 10^(2/3) for the trapezoidal rule.  Measured:
       126 and 386 rtol for backeul at 1e-4 and 1e-5 (6392 and 20264
       steps), 5.7 and 20 rtol for trapezoid (945 and 1175 steps). */
    size_t k;

    for (k = 0; k < 2; k++) {
        struct tb_problem *tp = tb_get("vdp", 1);
        double e[2];
        int i;

        for (i = 0; i < 2; i++) {
            struct run r = { 0 };
            double tol = i == 0 ? 1e-4 : 1e-5;
            ck_assert_int_eq(drive(methods[k], &tp->prob, tp->y0, tp->t0, tp->t1, tol,
                                   tol, 0, 100000, &r), 0);
            e[i] = tb_error(tp, r.y);
            ck_assert_int_lt(r.st.nlu, r.steps);
        }
        ck_assert_msg(e[0] <= (k == 0 ? 0.03 : 1e-3) && e[1] < e[0] / 2,
                      "%s: errors %.3g %.3g", methods[k]->name, e[0], e[1]);
    }
}
END_TEST

static Suite *dirk_suite(void)
{
    Suite *s = suite_create("dirk");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dirk_tableaux_meet_their_order_conditions);
    tcase_add_test(tc, dirk_fixed_steps_show_each_order_on_a_linear_problem);
    tcase_add_test(tc, dirk_prothero_robinson_shows_the_stiff_order_reduction);
    tcase_add_test(tc, dirk_dense_output_keeps_the_order_of_kvaerno5);
    tcase_add_test(tc, dirk_dense_output_hits_the_step_ends);
    tcase_add_test(tc, dirk_kvaerno_meets_the_bench_references);
    tcase_add_test(tc, dirk_stiff_problems_take_a_bounded_number_of_steps);
    tcase_add_test(tc, dirk_finite_differences_match_the_exact_jacobian);
    tcase_add_test(tc, dirk_teaching_methods_solve_a_stiff_problem);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dirk_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

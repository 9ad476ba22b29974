/* check_ros.c - the Rosenbrock methods (rodas5, ros23) through their
 * stepper operations: observed orders on a linear problem with a known
 * solution and on Prothero-Robinson's stiff problem (with its order
 * reduction), the order of the continuous extensions, accuracy against
 * the IVP test set's references (Robertson, Van der Pol, HIRES, OREGO),
 * an exactly solvable stiff linear system, bounded step counts, and the
 * failures (singular iteration matrix, non-finite derivatives).  Orders
 * and failures are checked on the stepper's operations, through a small
 * fixed-step and adaptive driver below that calls them in the order
 * solve.c's loop does; accuracy and step counts through solve_run. */
#include "ros.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve.h"
#include "testbench.h"

/* ---- problems ---------------------------------------------------------- */

/* y0' = -y0 + sin t, y1' = y2, y2' = -y1; y(0) = (1, 1, 0):
   y0 = 3/2 e^-t + (sin t - cos t)/2, y1 = cos t, y2 = -sin t.  Linear and
   non-autonomous (so df/dt matters). */
static int lin_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -y[0] + sin(t);
    f[1] = y[2];
    f[2] = -y[1];
    return 0;
}

static int lin_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx;
    (void)t;
    (void)y;
    (void)p;
    v[0] = -1.0;   /* (0,0) */
    v[1] = -1.0;   /* (2,1) */
    v[2] = 1.0;    /* (1,2) */
    return 0;
}

static const size_t lin_cp[] = { 0, 1, 2, 3 };
static const size_t lin_ri[] = { 0, 2, 1 };

static void lin_exact(double t, double *y)
{
    y[0] = 1.5 * exp(-t) + 0.5 * (sin(t) - cos(t));
    y[1] = cos(t);
    y[2] = -sin(t);
}

/* Prothero & Robinson (1974): y' = -lambda (y - g(t)) + g'(t), g = sin,
   y(0) = 0, solution sin t for every lambda = p[0]. */
static int pr_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    f[0] = -p[0] * (y[0] - sin(t)) + cos(t);
    return 0;
}

static int pr_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx;
    (void)t;
    (void)y;
    v[0] = -p[0];
    return 0;
}

static const size_t one_cp[] = { 0, 1 };
static const size_t one_ri[] = { 0 };

/* y' = Q D Q^T y with Q = I - (2/3) ones (a Householder reflection, Q^-1
   = Q) and D = diag(-1, -1e3, -1e6): y(t) = Q exp(D t) Q^T y0.  J is
   given dense (no pattern). */
static const double stiff_d[3] = { -1.0, -1e3, -1e6 };

static double qmat(int i, int j)
{
    return (i == j ? 1.0 : 0.0) - 2.0 / 3.0;
}

static int stiff_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx;
    (void)t;
    (void)y;
    (void)p;
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++) {
            double a = 0.0;
            for (int k = 0; k < 3; k++)
                a += qmat(i, k) * stiff_d[k] * qmat(j, k);
            v[j * 3 + i] = a;   /* column-major */
        }
    return 0;
}

static int stiff_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    double a[9];

    stiff_jac(ctx, t, y, p, a);
    for (int i = 0; i < 3; i++)
        f[i] = a[i] * y[0] + a[3 + i] * y[1] + a[6 + i] * y[2];
    return 0;
}

static void stiff_exact(double t, const double *y0, double *y)
{
    double z[3];

    for (int k = 0; k < 3; k++) {
        z[k] = 0.0;
        for (int j = 0; j < 3; j++)
            z[k] += qmat(j, k) * y0[j];
        z[k] *= exp(stiff_d[k] * t);
    }
    for (int i = 0; i < 3; i++)
        y[i] = qmat(i, 0) * z[0] + qmat(i, 1) * z[1] + qmat(i, 2) * z[2];
}

/* Derivative 1 becomes NaN for t > 0.5. */
static int poisoned_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -y[0];
    f[1] = t > 0.5 ? NAN : -y[1];
    return 0;
}

static struct ode_problem problem(size_t n, ode_rhs_fn rhs, ode_jac_fn jacf,
                                  const size_t *cp, const size_t *ri)
{
    struct ode_problem prob;

    memset(&prob, 0, sizeof prob);
    prob.n_states = n;
    prob.rhs = rhs;
    prob.jac = jacf;
    prob.jac_pattern.colptr = cp;
    prob.jac_pattern.rowind = ri;
    prob.jac_pattern.nnz = cp ? cp[n] : 0;
    return prob;
}

/* ---- the tables ---------------------------------------------------- */

/* The standard form of a transformed table (Hairer & Wanner II, IV.7,
   (7.24)): Gamma^-1 = diag(1/gamma) - C, alpha = a Gamma, b = m Gamma,
   the embedded weights (m - e) Gamma. */
struct std_form {
    int s;
    double gamma;
    double al[ROS_MAX_STAGES][ROS_MAX_STAGES], be[ROS_MAX_STAGES][ROS_MAX_STAGES];
    double G[ROS_MAX_STAGES][ROS_MAX_STAGES];
    double b[ROS_MAX_STAGES], bh[ROS_MAX_STAGES];
};

static void standard_form(const struct ros_tableau *t, struct std_form *f)
{
    double gi[ROS_MAX_STAGES][ROS_MAX_STAGES];
    int s = t->stages;

    memset(f, 0, sizeof *f);
    f->s = s;
    f->gamma = t->gamma;
    for (int i = 0; i < s; i++)
        for (int j = 0; j < s; j++)
            gi[i][j] = (i == j ? 1.0 / t->gamma : 0.0) - (j < i ? t->c[i][j] : 0.0);
    /* Gamma = inverse of the lower triangular gi, column by column. */
    for (int j = 0; j < s; j++)
        for (int i = j; i < s; i++) {
            double v = i == j ? 1.0 : 0.0;
            for (int k = j; k < i; k++)
                v -= gi[i][k] * f->G[k][j];
            f->G[i][j] = v / gi[i][i];
        }
    for (int i = 0; i < s; i++)
        for (int j = 0; j < s; j++) {
            double v = 0.0;
            for (int k = 0; k < i; k++)
                v += t->a[i][k] * f->G[k][j];
            f->al[i][j] = v;
            f->be[i][j] = v + (j < i ? f->G[i][j] : 0.0);
        }
    for (int j = 0; j < s; j++)
        for (int k = 0; k < s; k++) {
            f->b[j] += t->m[k] * f->G[k][j];
            f->bh[j] += (t->m[k] - t->e[k]) * f->G[k][j];
        }
}

/* Residuals of the order conditions of order 1..4 (Hairer & Wanner II,
   Table IV.7.1) for weights w; beta'_i = sum_{j<i} beta_ij, alpha_i the
   row sums of alpha.  Returns the largest |residual| of order <= p. */
static double order_residual(const struct std_form *f, const double *w, int p)
{
    double ai[ROS_MAX_STAGES] = { 0 }, bp[ROS_MAX_STAGES] = { 0 };
    double g = f->gamma, r = 0.0;
    int s = f->s;

    for (int i = 0; i < s; i++)
        for (int j = 0; j < i; j++) {
            ai[i] += f->al[i][j];
            bp[i] += f->be[i][j];
        }
    double c1 = 0, c2 = 0, c3a = 0, c3b = 0, c4a = 0, c4b = 0, c4c = 0, c4d = 0;
    for (int i = 0; i < s; i++) {
        double sb = 0, sa = 0, sba = 0, sbb = 0;
        for (int k = 0; k < i; k++) {
            sb += f->be[i][k] * bp[k];
            sa += f->al[i][k] * bp[k];
            sba += f->be[i][k] * ai[k] * ai[k];
            double inner = 0;
            for (int l = 0; l < k; l++)
                inner += f->be[k][l] * bp[l];
            sbb += f->be[i][k] * inner;
        }
        c1 += w[i];
        c2 += w[i] * bp[i];
        c3a += w[i] * ai[i] * ai[i];
        c3b += w[i] * sb;
        c4a += w[i] * ai[i] * ai[i] * ai[i];
        c4b += w[i] * ai[i] * sa;
        c4c += w[i] * sba;
        c4d += w[i] * sbb;
    }
    r = fabs(c1 - 1.0);
    if (p >= 2)
        r = fmax(r, fabs(c2 - (0.5 - g)));
    if (p >= 3) {
        r = fmax(r, fabs(c3a - 1.0 / 3));
        r = fmax(r, fabs(c3b - (1.0 / 6 - g + g * g)));
    }
    if (p >= 4) {
        r = fmax(r, fabs(c4a - 0.25));
        r = fmax(r, fabs(c4b - (1.0 / 8 - g / 3)));
        r = fmax(r, fabs(c4c - (1.0 / 12 - g / 3)));
        r = fmax(r, fabs(c4d - (1.0 / 24 - g / 2 + 1.5 * g * g - g * g * g)));
    }
    return r;
}

START_TEST(ros_tables_satisfy_their_order_conditions)
{
    const struct stepper_method *ms[2] = { &ros_rodas5, &ros_ros23 };

    for (int k = 0; k < 2; k++) {
        const struct ros_tableau *t = ms[k]->data;
        struct std_form f;
        standard_form(t, &f);
        /* alpha_i and gamma_i are the row sums of the standard form. */
        for (int i = 0; i < t->stages; i++) {
            double sa = 0.0, sg = 0.0;
            for (int j = 0; j < t->stages; j++) {
                sa += f.al[i][j];
                sg += f.G[i][j];
            }
            ck_assert_msg(fabs(sa - t->alpha[i]) < 1e-13, "%s alpha_%d %.17g %.17g",
                          t->name, i, sa, t->alpha[i]);
            ck_assert_msg(fabs(sg - t->gam[i]) < 1e-13, "%s gamma_%d %.17g %.17g",
                          t->name, i, sg, t->gam[i]);
        }
        int p = t->order < 4 ? t->order : 4, pe = t->order_emb < 4 ? t->order_emb : 4;
        double r = order_residual(&f, f.b, p), re = order_residual(&f, f.bh, pe);
        ck_assert_msg(r < 1e-13, "%s: order conditions to %d off by %.2e", t->name, p, r);
        ck_assert_msg(re < 1e-13, "%s: embedded conditions to %d off by %.2e", t->name, pe, re);
        /* One order more does not hold (the orders are what they say). */
        if (t->order < 4)
            ck_assert(order_residual(&f, f.b, t->order + 1) > 1e-3);
        if (t->fsal) {
            ck_assert(t->alpha[t->stages - 1] == 1.0);
            for (int j = 0; j < t->stages; j++)
                ck_assert(t->a[t->stages - 1][j] == t->m[j]);
        }
    }
}
END_TEST

/* ---- a small driver ---------------------------------------------------- */

struct run {
    long steps, rejected;
    struct stepper_stats st;
    int rc;                      /* 0, or the failing operation's code */
    double t;                    /* time reached */
    char why[160];
};

static void cfg_init(struct stepper_cfg *cfg, const struct ode_problem *prob,
                     const double *p, bool adaptive, double rtol, double atol)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->prob = prob;
    cfg->p = p;
    cfg->adaptive = adaptive;
    cfg->rtol = rtol;
    cfg->atol = atol;
    cfg->norm = NORM_RMS;
    cfg->linsolve = LS_AUTO;
    cfg->jacobian = JAC_AUTO;
}

/* Optional check at dense points: called with the interpolated state. */
typedef void (*dense_fn)(void *ctx, double t, const double *y);

/* `nsteps` equal steps from t0 to t1 (nsteps > 0), or adaptive with an
   elementary controller (nsteps == 0).  y holds y0 and becomes y(t1).
   With `df`, every step is interpolated at theta = 0.2, 0.5, 0.8. */
static struct run drive(const struct stepper_method *m, const struct ode_problem *prob,
                        const double *p, double *y, double t0, double t1, long nsteps,
                        double rtol, double atol, enum jac_mode jm, dense_fn df,
                        void *dctx)
{
    struct stepper_cfg cfg;
    struct stepper s;
    struct run r;
    size_t n = prob->n_states;
    double ydense[16];
    static const double thetas[3] = { 0.2, 0.5, 0.8 };

    memset(&r, 0, sizeof r);
    cfg_init(&cfg, prob, p, nsteps == 0, rtol, atol);
    cfg.jacobian = jm;
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(m->create(&s, m, &cfg), 0);
    memcpy(s.y, y, n * sizeof *y);
    double t = t0, dir = t1 > t0 ? 1.0 : -1.0, h;
    int k = (m->order < m->order_emb ? m->order : m->order_emb) + 1;
    r.rc = s.ops->begin(&s, t, false, dir);
    if (r.rc != 0)
        goto out;
    if (nsteps > 0) {
        h = (t1 - t0) / (double)nsteps;
    } else {
        r.rc = s.ops->initial_step(&s, t, dir, fabs(t1 - t0), &h);
        ck_assert_int_eq(r.rc, 0);
        h *= dir;
    }
    bool last_rejected = false;
    while (dir * (t1 - t) > 0) {
        bool last = nsteps > 0 ? r.steps == nsteps - 1 : dir * (t + h - t1) >= 0;
        if (last)
            h = t1 - t;
        r.rc = s.ops->begin(&s, t, false, dir);
        if (r.rc != 0)
            break;
        r.rc = s.ops->step(&s, t, h, df != NULL);
        if (r.rc > 0 && nsteps == 0) {
            r.rejected++;
            h *= 0.25;
            last_rejected = true;
            continue;
        }
        if (r.rc != 0)
            break;
        double err = nsteps > 0 ? 0.0 : s.ops->error(&s);
        if (err <= 1.0) {
            if (df)
                for (int q = 0; q < 3; q++) {
                    ck_assert_int_eq(s.ops->dense(&s, t, h, thetas[q], ydense), 0);
                    df(dctx, t + thetas[q] * h, ydense);
                }
            s.ops->accept(&s, t, h);
            t = last ? t1 : t + h;
            r.steps++;
            if (r.steps > 1000000)
                break;
            if (nsteps == 0) {
                double fac = 0.9 * pow(fmax(err, 1e-10), -1.0 / k);
                fac = fmin(last_rejected ? 1.0 : 5.0, fmax(0.2, fac));
                h *= fac;
                last_rejected = false;
            }
        } else {
            r.rejected++;
            h *= fmax(0.2, 0.9 * pow(err, -1.0 / k));
            last_rejected = true;
        }
        if (fabs(h) < 1e-14 * fabs(t)) {
            r.rc = ODE_EDTMIN;
            break;
        }
    }
out:
    r.t = t;
    memcpy(y, s.y, n * sizeof *y);
    r.st = s.st;
    memcpy(r.why, s.why, sizeof r.why);
    s.ops->destroy(&s);
    return r;
}

/* The method's error at t1 for nsteps equal steps on lin (max norm). */
static double lin_error(const struct stepper_method *m, long nsteps)
{
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    double y[3] = { 1.0, 1.0, 0.0 }, ex[3], e = 0.0;
    struct run r = drive(m, &prob, NULL, y, 0.0, 2.0, nsteps, 0, 0, JAC_AUTO, NULL, NULL);

    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(r.steps, nsteps);
    lin_exact(2.0, ex);
    for (int i = 0; i < 3; i++)
        e = fmax(e, fabs(y[i] - ex[i]));
    return e;
}

static double observed_order(double e1, double e2)
{
    return log2(e1 / e2);
}

START_TEST(ros_orders_on_a_linear_problem)
{
    /* Steps 2/16 .. 2/64 (rodas5: 2/8 .. 2/32, errors reach 1e-11 there). */
    double e8 = lin_error(&ros_rodas5, 8), e16 = lin_error(&ros_rodas5, 16),
           e32 = lin_error(&ros_rodas5, 32);
    double q1 = observed_order(e8, e16), q2 = observed_order(e16, e32);
    ck_assert_msg(fabs(q2 - 5.0) < 0.3 && fabs(q1 - 5.0) < 0.5,
                  "rodas5 orders %.2f %.2f (errors %.2e %.2e %.2e)", q1, q2, e8, e16, e32);

    e16 = lin_error(&ros_ros23, 16);
    e32 = lin_error(&ros_ros23, 32);
    double e64 = lin_error(&ros_ros23, 64);
    q1 = observed_order(e16, e32);
    q2 = observed_order(e32, e64);
    ck_assert_msg(fabs(q2 - 2.0) < 0.15 && fabs(q1 - 2.0) < 0.2,
                  "ros23 orders %.2f %.2f (errors %.2e %.2e %.2e)", q1, q2, e16, e32, e64);
}
END_TEST

/* Prothero-Robinson over [0, 10] with n equal steps, error at t = 10. */
static double pr_error(const struct stepper_method *m, double lambda, long nsteps)
{
    struct ode_problem prob = problem(1, pr_rhs, pr_jac, one_cp, one_ri);
    double p[1] = { lambda }, y[1] = { 0.0 };
    struct run r = drive(m, &prob, p, y, 0.0, 10.0, nsteps, 0, 0, JAC_AUTO, NULL, NULL);

    ck_assert_int_eq(r.rc, 0);
    return fabs(y[0] - sin(10.0));
}

START_TEST(ros_prothero_robinson_stiff_order)
{
    /* Non-stiff (lambda = 1): the classical orders.  Stiff (lambda = 1e6,
       h lambda from 2e6 down to 2.5e5): rodas5's order drops from 5 to
       about 3 (Rosenbrock methods have stage order 1; Hairer & Wanner II,
       IV.15 and VI.7 on Prothero-Robinson), with a small error constant
       since every stage is pulled onto g.  Measured: errors 1.5e-7,
       1.4e-8, 1.9e-9, 2.2e-10 at 5, 10, 20, 40 steps (orders 3.3, 2.9,
       3.1); below ~5e-11 the forward difference for df/dt (a relative
       error of order sqrt(eps) in lambda g') sets a floor.  ros23 keeps
       its order 2 (errors 2.8e-3 .. 1.6e-4 at 40 .. 160 steps). */
    double e[4];

    for (int k = 0; k < 3; k++)
        e[k] = pr_error(&ros_rodas5, 1.0, 10L << k);
    for (int k = 0; k < 2; k++)
        ck_assert_msg(fabs(observed_order(e[k], e[k + 1]) - 5.0) < 0.3,
                      "rodas5 lambda 1: %.2e %.2e %.2e", e[0], e[1], e[2]);
    for (int k = 0; k < 4; k++)
        e[k] = pr_error(&ros_rodas5, 1e6, 5L << k);
    for (int k = 0; k < 3; k++) {
        double q = observed_order(e[k], e[k + 1]);
        ck_assert_msg(q > 2.5 && q < 3.6, "rodas5 lambda 1e6: %.2e %.2e %.2e %.2e",
                      e[0], e[1], e[2], e[3]);
    }

    for (int k = 0; k < 3; k++)
        e[k] = pr_error(&ros_ros23, 1.0, 20L << k);
    for (int k = 0; k < 2; k++)
        ck_assert_msg(fabs(observed_order(e[k], e[k + 1]) - 2.0) < 0.15,
                      "ros23 lambda 1: %.2e %.2e %.2e", e[0], e[1], e[2]);
    for (int k = 0; k < 3; k++)
        e[k] = pr_error(&ros_ros23, 1e6, 40L << k);
    for (int k = 0; k < 2; k++)
        ck_assert_msg(fabs(observed_order(e[k], e[k + 1]) - 2.0) < 0.25,
                      "ros23 lambda 1e6: %.2e %.2e %.2e", e[0], e[1], e[2]);
}
END_TEST

/* The largest error of the continuous extension at theta = 0.2, 0.5, 0.8
   inside one step of size h from the exact solution of lin at t = 0.3:
   a local error, O(h^(dense_order + 1)). */
static double dense_local_error(const struct stepper_method *m, double h)
{
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    struct stepper_cfg cfg;
    struct stepper s;
    double t = 0.3, yd[3], ex[3], e = 0.0;

    cfg_init(&cfg, &prob, NULL, true, 1e-6, 1e-6);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(m->create(&s, m, &cfg), 0);
    lin_exact(t, s.y);
    ck_assert_int_eq(s.ops->begin(&s, t, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, t, h, true), 0);
    for (int q = 1; q <= 3; q++) {
        double theta = q == 1 ? 0.2 : q == 2 ? 0.5 : 0.8;
        ck_assert_int_eq(s.ops->dense(&s, t, h, theta, yd), 0);
        lin_exact(t + theta * h, ex);
        for (int i = 0; i < 3; i++)
            e = fmax(e, fabs(yd[i] - ex[i]));
    }
    /* The ends are the step's own values. */
    ck_assert_int_eq(s.ops->dense(&s, t, h, 1.0, yd), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq(yd[i], s.y1[i]);
    s.ops->destroy(&s);
    return e;
}

START_TEST(ros_dense_output_order)
{
    /* rodas5's extension is of order 4 (local error h^5), ros23's of
       order 2 (h^3). */
    double a = dense_local_error(&ros_rodas5, 0.4), b = dense_local_error(&ros_rodas5, 0.2),
           c = dense_local_error(&ros_rodas5, 0.1);
    ck_assert_msg(fabs(observed_order(b, c) - 5.0) < 0.4 && fabs(observed_order(a, b) - 5.0) < 0.6,
                  "rodas5 dense: %.2e %.2e %.2e", a, b, c);
    a = dense_local_error(&ros_ros23, 0.2);
    b = dense_local_error(&ros_ros23, 0.1);
    c = dense_local_error(&ros_ros23, 0.05);
    ck_assert_msg(fabs(observed_order(b, c) - 3.0) < 0.3 && fabs(observed_order(a, b) - 3.0) < 0.4,
                  "ros23 dense: %.2e %.2e %.2e", a, b, c);
}
END_TEST

START_TEST(ros_exact_on_stiff_linear_system)
{
    /* Eigenvalues -1, -1e3, -1e6 over [0, 10]: the fast modes die within the
       first steps; both methods are L-stable, so they damp them and follow
       the slow mode to the tolerance, in few steps. */
    struct ode_problem prob = problem(3, stiff_rhs, stiff_jac, NULL, NULL);
    const struct stepper_method *ms[2] = { &ros_rodas5, &ros_ros23 };
    static const double y0[3] = { 1.0, 2.0, -3.0 };

    for (int k = 0; k < 2; k++) {
        double y[3], ex[3], e = 0.0;
        memcpy(y, y0, sizeof y);
        struct run r = drive(ms[k], &prob, NULL, y, 0.0, 10.0, 0, 1e-6, 1e-9, JAC_AUTO,
                             NULL, NULL);
        ck_assert_int_eq(r.rc, 0);
        stiff_exact(10.0, y0, ex);
        for (int i = 0; i < 3; i++)
            e = fmax(e, fabs(y[i] - ex[i]) / (1e-3 + fabs(ex[i])));
        ck_assert_msg(e < (k == 0 ? 1e-5 : 1e-4), "%s: error %.2e", ms[k]->name, e);
        ck_assert_msg(r.steps < (k == 0 ? 150 : 1500), "%s: %ld steps", ms[k]->name, r.steps);
        ck_assert_int_eq(r.st.njev, r.steps);
        ck_assert_int_eq(r.st.nlu, r.steps + r.rejected);
    }
}
END_TEST

/* A solve through solve_run (the loop every method runs under): the
   final state into y, the statistics into *st. */
struct last_row {
    size_t n;
    double t, y[8];
};

static int keep_row(void *ctx, double t, const double *y)
{
    struct last_row *lr = ctx;

    lr->t = t;
    memcpy(lr->y, y, lr->n * sizeof *y);
    return 0;
}

static int solve_bench(const struct tb_problem *b, const char *method, double rtol,
                       enum jac_mode jm, double *y, struct solve_stats *st)
{
    struct solve_opts o;
    struct solve_failure fail;
    struct last_row lr;
    struct solve_sink sink = { keep_row, &lr, NULL };

    solve_opts_default(&o);
    o.method = method;
    o.t0 = 0.0;
    o.t1 = b->t1;
    o.rtol = rtol;
    o.atol = b->eta * rtol;
    o.save = SAVE_FINAL;
    o.jacobian = jm;
    memset(&lr, 0, sizeof lr);
    lr.n = (size_t)b->n;
    int rc = solve_run(&b->prob, NULL, b->y0, &o, &sink, NULL, st, &fail);
    ck_assert_msg(rc == 0, "%s %s rtol %g: %s at t = %g", method, b->name, rtol, fail.why,
                  fail.t);
    ck_assert(lr.t == b->t1);
    memcpy(y, lr.y, (size_t)b->n * sizeof *y);
    return rc;
}

/* Accuracy against the test set (atol = eta rtol, as the bench runs
   them): the error stays within `factor` of rtol, in at most max_steps
   steps. */
static void bench_accuracy(const char *name, const char *method, double rtol,
                           double factor, long max_steps)
{
    const struct tb_problem *b = tb_get(name, 1);
    struct solve_stats st;
    double y[8];

    solve_bench(b, method, rtol, JAC_AUTO, y, &st);
    double e = tb_error(b, y);
    ck_assert_msg(e < factor * rtol, "%s %s rtol %g: error %.2e (%ld steps)", method, name,
                  rtol, e, st.steps);
    ck_assert_msg(st.steps <= max_steps, "%s %s rtol %g: %ld steps", method, name, rtol,
                  st.steps);
    /* One Jacobian per accepted step, one LU per attempt. */
    ck_assert_int_eq(st.njev, st.steps);
    ck_assert_int_eq(st.nlu, st.steps + st.rejected);
}

START_TEST(ros_rodas5_against_test_set)
{
    /* Measured (errors and steps at rtol 1e-6 / 1e-8): rober 3.7e-7 /
       7.3e-9 in 295 / 740 steps, vdp 2.2e-8 / 4.1e-9 in 476 / 1689,
       hires 7.2e-8 / 6.1e-10 in 167 / 851, orego 2.6e-7 / 1.6e-9 in
       625 / 2238. */
    bench_accuracy("rober", "rodas5", 1e-6, 10, 450);
    bench_accuracy("vdp", "rodas5", 1e-6, 10, 750);
    bench_accuracy("hires", "rodas5", 1e-6, 10, 250);
    bench_accuracy("orego", "rodas5", 1e-6, 10, 950);
    bench_accuracy("rober", "rodas5", 1e-8, 10, 1100);
    bench_accuracy("vdp", "rodas5", 1e-8, 10, 2600);
    bench_accuracy("hires", "rodas5", 1e-8, 10, 1300);
    bench_accuracy("orego", "rodas5", 1e-8, 10, 3400);
}
END_TEST

START_TEST(ros_ros23_against_test_set)
{
    /* Measured (errors at rtol 1e-4 / 1e-6): rober 6.6e-4 / 3.5e-5,
       vdp 3.0e-4 / 1.3e-5, hires 1.7e-4 / 5.6e-6; OREGO amplifies local
       errors (CVODE BDF: 7.6e-3 at rtol 1e-4) and the second-order ros23
       ends 1.3e-2 / 3.3e-4 there. */
    bench_accuracy("rober", "ros23", 1e-4, 30, 900);
    bench_accuracy("vdp", "ros23", 1e-4, 30, 1700);
    bench_accuracy("hires", "ros23", 1e-4, 30, 600);
    bench_accuracy("orego", "ros23", 1e-4, 300, 1700);
    bench_accuracy("rober", "ros23", 1e-6, 100, 6000);
    bench_accuracy("vdp", "ros23", 1e-6, 100, 11000);
    bench_accuracy("hires", "ros23", 1e-6, 100, 3500);
    bench_accuracy("orego", "ros23", 1e-6, 1000, 9500);
}
END_TEST

START_TEST(ros_bounded_steps_on_robertson_and_vdp)
{
    /* Robertson to t = 1e11 and Van der Pol mu = 1e3 (scaled) at rtol
       1e-6, atol 1e-16 and 1e-6: an explicit method needs millions of
       steps on either.  Measured: rodas5 295 and 476 (+60 rejected),
       ros23 3993 and 7278. */
    static const char *const ms[2] = { "rodas5", "ros23" };
    static const long bound_rober[2] = { 450, 6000 }, bound_vdp[2] = { 900, 11000 };

    for (int k = 0; k < 2; k++) {
        const struct tb_problem *b = tb_get("rober", 1);
        struct solve_stats st;
        double y[8];
        solve_bench(b, ms[k], 1e-6, JAC_AUTO, y, &st);
        ck_assert_msg(st.steps + st.rejected < bound_rober[k], "%s rober: %ld + %ld steps",
                      ms[k], st.steps, st.rejected);
        b = tb_get("vdp", 1);
        solve_bench(b, ms[k], 1e-6, JAC_AUTO, y, &st);
        ck_assert_msg(st.steps + st.rejected < bound_vdp[k], "%s vdp: %ld + %ld steps",
                      ms[k], st.steps, st.rejected);
    }
}
END_TEST

START_TEST(ros_finite_difference_jacobian_agrees)
{
    /* --jacobian fd: the same solution to the tolerance, n more f calls
       per Jacobian (HIRES' pattern needs all 8 columns apart). */
    const struct tb_problem *b = tb_get("hires", 1);
    struct solve_stats s1, s2;
    double y1[8], y2[8];

    solve_bench(b, "rodas5", 1e-6, JAC_AUTO, y1, &s1);
    solve_bench(b, "rodas5", 1e-6, JAC_FD, y2, &s2);
    ck_assert(s1.jac_exact && !s2.jac_exact);
    ck_assert_msg(tb_error(b, y1) < 1e-5 && tb_error(b, y2) < 1e-5, "%.2e %.2e",
                  tb_error(b, y1), tb_error(b, y2));
    ck_assert(s2.nfev > s1.nfev);
}
END_TEST

START_TEST(ros_counts_evaluations)
{
    /* Per step: rodas5 7 stage calls, f(t1) for the next step and one for
       df/dt; ros23 2 stage calls (FSAL) and one for df/dt; one Jacobian,
       one LU, a solve per stage. */
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    double y[3] = { 1.0, 1.0, 0.0 };
    struct run r = drive(&ros_rodas5, &prob, NULL, y, 0.0, 1.0, 10, 0, 0, JAC_AUTO, NULL, NULL);

    ck_assert_int_eq(r.st.nfev, 10 * 9);
    ck_assert_int_eq(r.st.njev, 10);
    ck_assert_int_eq(r.st.nlu, 10);
    ck_assert_int_eq(r.st.nsolve, 10 * 8);
    y[0] = 1.0, y[1] = 1.0, y[2] = 0.0;
    r = drive(&ros_ros23, &prob, NULL, y, 0.0, 1.0, 10, 0, 0, JAC_AUTO, NULL, NULL);
    ck_assert_int_eq(r.st.nfev, 1 + 10 * 3);
    ck_assert_int_eq(r.st.nlu, 10);
    ck_assert_int_eq(r.st.nsolve, 10 * 3);
}
END_TEST

START_TEST(ros_singular_iteration_matrix)
{
    /* y' = lambda y with lambda = 1/(gamma h): A = 0 for that h. */
    struct ode_problem prob = problem(1, pr_rhs, pr_jac, one_cp, one_ri);
    struct stepper_cfg cfg;
    struct stepper s;
    double p[1] = { -1.0 / (0.19 * 1.0) };

    cfg_init(&cfg, &prob, p, true, 1e-6, 1e-6);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(ros_rodas5.create(&s, &ros_rodas5, &cfg), 0);
    s.y[0] = 1.0;
    ck_assert_int_eq(s.ops->begin(&s, 0.0, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 1.0, false), STEP_SINGULAR);
    ck_assert_msg(strstr(s.why, "eigenvalue") != NULL, "%s", s.why);
    ck_assert_int_eq(s.ops->worst_var(&s), 0);
    /* A smaller step cures it. */
    ck_assert_int_eq(s.ops->step(&s, 0.0, 0.5, false), 0);
    ck_assert(isfinite(s.ops->error(&s)));
    s.ops->destroy(&s);
}
END_TEST

START_TEST(ros_nonfinite_derivative_names_the_variable)
{
    struct ode_problem prob = problem(2, poisoned_rhs, NULL, NULL, NULL);
    struct stepper_cfg cfg;
    struct stepper s;
    bool in_state = true;

    cfg_init(&cfg, &prob, NULL, true, 1e-6, 1e-6);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(ros_ros23.create(&s, &ros_ros23, &cfg), 0);
    ck_assert(!s.jac_exact);
    s.y[0] = s.y[1] = 1.0;
    ck_assert_int_eq(s.ops->begin(&s, 0.0, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 1.0, false), STEP_RHS);
    ck_assert_int_eq(s.ops->bad_var(&s, &in_state), 1);
    ck_assert(!in_state);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 0.4, false), 0);
    ck_assert_int_eq(s.ops->bad_var(&s, &in_state), -1);
    s.ops->destroy(&s);
}
END_TEST

START_TEST(ros_fsal_value_is_reused_and_reset_forgets_it)
{
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    struct stepper_cfg cfg;
    struct stepper s;

    cfg_init(&cfg, &prob, NULL, true, 1e-6, 1e-6);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(ros_ros23.create(&s, &ros_ros23, &cfg), 0);
    s.y[0] = 1.0, s.y[1] = 1.0, s.y[2] = 0.0;
    ck_assert_int_eq(s.ops->begin(&s, 0.0, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 0.1, false), 0);
    s.ops->accept(&s, 0.0, 0.1);
    long nf = s.st.nfev;
    ck_assert_int_eq(s.ops->begin(&s, 0.1, false, 1.0), 0);
    ck_assert_int_eq(s.st.nfev, nf);
    s.ops->reset(&s);
    ck_assert_int_eq(s.ops->begin(&s, 0.1, true, 1.0), 0);
    ck_assert_int_eq(s.st.nfev, nf + 1);
    s.ops->destroy(&s);
}
END_TEST

static Suite *ros_suite(void)
{
    Suite *s = suite_create("ros");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ros_tables_satisfy_their_order_conditions);
    tcase_add_test(tc, ros_orders_on_a_linear_problem);
    tcase_add_test(tc, ros_prothero_robinson_stiff_order);
    tcase_add_test(tc, ros_dense_output_order);
    tcase_add_test(tc, ros_exact_on_stiff_linear_system);
    tcase_add_test(tc, ros_rodas5_against_test_set);
    tcase_add_test(tc, ros_ros23_against_test_set);
    tcase_add_test(tc, ros_bounded_steps_on_robertson_and_vdp);
    tcase_add_test(tc, ros_finite_difference_jacobian_agrees);
    tcase_add_test(tc, ros_counts_evaluations);
    tcase_add_test(tc, ros_singular_iteration_matrix);
    tcase_add_test(tc, ros_nonfinite_derivative_names_the_variable);
    tcase_add_test(tc, ros_fsal_value_is_reused_and_reset_forgets_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ros_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ros.c - the Rosenbrock engine and its tables (see ros.h for the form).
 *
 * A step costs one Jacobian and one df/dt per accepted point (a rejected
 * attempt keeps both: they depend on (t, y) only), one factorisation of
 * A = (1/(gamma h)) I - J per attempt, and per stage one right-hand side
 * call and one solve with the factors.  df/dt is a forward difference in
 * t in the direction of the step, one right-hand side call (as Hairer's
 * RODAS and MATLAB's ode23s do): the seam does not say whether f depends
 * on t.  For an autonomous f the difference is exactly 0; otherwise its
 * relative error of about sqrt(eps) sets a floor near 1e-11 under the
 * global error (Prothero-Robinson in check_ros). */
#include "ros.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RODAS5, Di Marzo's 5(4) stiffly accurate method with 8 stages
   (G. A. Di Marzo, "RODAS5(4) - Methodes de Rosenbrock d'ordre 5(4)
   adaptees aux problemes differentiels-algebriques", Memoire de diplome,
   Universite de Geneve, 1993), in Hairer & Wanner's transformed form.  The
   numbers (gamma, a_ij, C_ij, alpha_i = c_i, gamma_i = d_i) and the
   coefficients h_2j, h_3j, h_4j of its continuous extension are those of
   OrdinaryDiffEq.jl's Rodas5Tableau (src/tableaus/rosenbrock_tableaus.jl,
   SciML), which transcribes Di Marzo's values.  Stages 6-8 evaluate f at
   t + h; stages 7 and 8 add the previous stage's u to the argument
   (a_7j = a_6j + [j = 6], a_8j = a_7j + [j = 7]), y1 adds u_8 and u_8 is
   the error estimate (stiffly accurate: y1 is the last stage's argument
   plus its increment).  gamma_6..8 = 0: those rows of the standard form
   sum to alpha = 1. */
#define R5_A61 (-14.09640773051259)
#define R5_A62 6.925207756232704
#define R5_A63 (-41.47510893210728)
#define R5_A64 2.343771018586405
#define R5_A65 24.13215229196062
static const struct ros_tableau tab_rodas5 = {
    .name = "rodas5", .stages = 8, .order = 5, .order_emb = 4, .dense_order = 4,
    .gamma = 0.19, .fsal = false,
    .alpha = { 0, 0.38, 0.3878509998321533, 0.4839718937873840, 0.4570477008819580,
               1, 1, 1 },
    .gam = { 0.19, -0.1823079225333714636, -0.319231832186874912,
             0.3449828624725343, -0.377417564392089818, 0, 0, 0 },
    .a = { { 0 },
           { 2.0 },
           { 3.040894194418781, 1.041747909077569 },
           { 2.576417536461461, 1.622083060776640, -0.9089668560264532 },
           { 2.760842080225597, 1.446624659844071, -0.3036980084553738,
             0.2877498600325443 },
           { R5_A61, R5_A62, R5_A63, R5_A64, R5_A65 },
           { R5_A61, R5_A62, R5_A63, R5_A64, R5_A65, 1 },
           { R5_A61, R5_A62, R5_A63, R5_A64, R5_A65, 1, 1 } },
    .c = { { 0 },
           { -10.31323885133993 },
           { -21.04823117650003, -7.234992135176716 },
           { 32.22751541853323, -4.943732386540191, 19.44922031041879 },
           { -20.69865579590063, -8.816374604402768, 1.260436877740897,
             -0.7495647613787146 },
           { -46.22004352711257, -17.49534862857472, -289.6389582892057,
             93.60855400400906, 318.3822534212147 },
           { 34.20013733472935, -14.15535402717690, 57.82335640988400,
             25.83362985412365, 1.408950972071624, -6.551835421242162 },
           { 42.57076742291101, -13.80770672017997, 93.98938432427124,
             18.77919633714503, -31.58359187223370, -6.685968952921985,
             -5.810979938412932 } },
    .m = { R5_A61, R5_A62, R5_A63, R5_A64, R5_A65, 1, 1, 1 },
    .e = { 0, 0, 0, 0, 0, 0, 0, 1 },
    .dense_rows = 3,
    .h = { { 27.354592673333357, -6.925207756232857, 26.40037733258859,
             0.5635230501052979, -4.699151156849391, -1.6008677469422725,
             -1.5306074446748028, -1.3929872940716344 },
           { 44.19024239501722, 1.3677947663381929e-13, 202.93261852171622,
             -35.5669339789154, -181.91095152160645, 3.4116351403665033,
             2.5793540257308067, 2.2435122582734066 },
           { -44.0988150021747, -5.755396159656812e-13, -181.26175034586677,
             56.99302194811676, 183.21182741427398, -7.480257918273637,
             -5.792426076169686, -5.32503859794143 } },
};

/* ROS23: Shampine & Reichelt's Rosenbrock 2(3) pair of MATLAB's ode23s
   (L. F. Shampine and M. W. Reichelt, "The MATLAB ODE suite", SIAM J.
   Sci. Comput. 18 (1997) 1-22, section 3.1), with d = 1/(2 + sqrt 2),
   e32 = 6 + sqrt 2 and W = I - h d J:
     W k1 = f(t, y) + h d f_t,          F1 = f(t + h/2, y + h k1 / 2),
     W k2 = F1 - k1 + W k1,             y1 = y + h k2,
     W k3 = f(t + h, y1) - e32 (k2 - F1) - 2 (k1 - F0) + h d f_t,
     err  = -h (k1 - 2 k2 + k3) / 6   (y1 minus the 3rd-order solution),
   and its continuous extension y + h (theta (1 - theta) k1 +
   theta (theta - 2d) k2) / (1 - 2d) (order 2).  Written with
   F1 = W (k2 - k1) + k1 and F0 = W k1 - h d f_t, it is the standard form
   with gamma = d, alpha_21 = 1/2, alpha_32 = 1, gamma_21 = -d,
   gamma_31 = (e32 - 2) d, gamma_32 = -e32 d, b = (0, 1, 0), whose
   transformation (Gamma = d G, G^-1 = [1 0 0; 1 1 0; 2 e32 1]) gives
     a_21 = 1/(2d), a_31 = a_32 = 1/d, c_21 = -1/d, c_31 = -2/d,
     c_32 = -e32/d, m = (1/d, 1/d, 0), e = -(1, e32 - 2, 1)/(6d),
     gamma_i = (d, 0, -d), h_11 = -1/(d (1 - 2d)) = -(4 + 3 sqrt 2),
   1/d = 2 + sqrt 2 (values to 20 digits).  The third stage's argument is
   y1, so its f is the next step's first (FSAL), and the step proper costs
   two right-hand side calls. */
#define R23_D 0.29289321881345247560
#define R23_ID 3.4142135623730950488
static const struct ros_tableau tab_ros23 = {
    .name = "ros23", .stages = 3, .order = 2, .order_emb = 3, .dense_order = 2,
    .gamma = R23_D, .fsal = true,
    .alpha = { 0, 0.5, 1 },
    .gam = { R23_D, 0, -R23_D },
    .a = { { 0 },
           { 1.7071067811865475244 },
           { R23_ID, R23_ID } },
    .c = { { 0 },
           { -R23_ID },
           { -6.8284271247461900976, -25.313708498984760390 } },
    .m = { R23_ID, R23_ID, 0 },
    .e = { -0.56903559372884917480, -3.0808802290397617155, -0.56903559372884917480 },
    .dense_rows = 1,
    .h = { { 0, -8.2426406871192851464, 0 } },
};

struct ros {
    const struct ros_tableau *tab;
    jac *jc;
    linsolve *ls;
    double *jval;              /* J at the accepted point */
    double *u;                 /* stages, stages * n */
    double *f0;                /* f at the accepted point */
    double *fnew;              /* FSAL: f(t + h, y1) of the last attempt */
    double *ft;                /* df/dt at the accepted point */
    double *ytmp, *rhs, *err;
    double *hd;                /* H_k of the continuous extension, dense_rows * n */
    bool have_f0, have_fnew, have_jac, have_dense;
    bool after_stop;           /* f0 and J are the limits from the step's side */
    double dir;
    long bad;                  /* first non-finite derivative of the attempt, -1 none */
    long sing;                 /* column of the zero pivot after STEP_SINGULAR, -1 none */
};

/* rhs code -> stepper code: > 0 may be cured by a smaller step, < 0 stops. */
static int rhs_code(int rc)
{
    return rc > 0 ? STEP_RHS : rc < 0 ? ODE_ERHS : 0;
}

static long first_nonfinite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return (long)i;
    return -1;
}

/* f(t, y) into out, checked: STEP_RHS with r->bad set when a value is
   not finite. */
static int eval_f(struct stepper *s, struct ros *r, double t, const double *y, double *out)
{
    const struct ode_problem *prob = s->cfg->prob;
    int rc;

    s->st.nfev++;
    rc = prob->rhs(prob->ctx, t, y, s->cfg->p, out);
    if (rc != 0) {
        r->bad = first_nonfinite(out, s->n);
        return rhs_code(rc);
    }
    r->bad = first_nonfinite(out, s->n);
    return r->bad >= 0 ? STEP_RHS : 0;
}

/* The point f0, J and df/dt belong to: t, or t's neighbour on the step's
   side right after a stop. */
static double eval_time(const struct ros *r, double t)
{
    return r->after_stop ? nextafter(t, r->dir * INFINITY) : t;
}

static int ros_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct ros *r = s->impl;

    if (r->have_f0 && r->after_stop == after_stop)
        return 0;
    r->after_stop = after_stop;
    r->dir = dir;
    r->have_jac = false;
    r->have_f0 = false;
    int rc = eval_f(s, r, eval_time(r, t), s->y, r->f0);
    if (rc != 0)
        return rc;
    r->have_f0 = true;
    return 0;
}

static int ros_initial_step(struct stepper *s, double t0, double dir, double hmax, double *h)
{
    struct ros *r = s->impl;
    int order = r->tab->order < r->tab->order_emb ? r->tab->order : r->tab->order_emb;

    return stepper_initial_step(s->cfg, &s->st, t0, s->y, r->f0, dir, hmax, order,
                                r->ytmp, r->rhs, h);
}

/* J and df/dt at the accepted point (te, y), once per point. */
static int jac_and_ft(struct stepper *s, struct ros *r, double te, double h)
{
    const struct stepper_cfg *cfg = s->cfg;
    size_t n = s->n;
    int rc;

    s->st.njev++;
    rc = jac_eval(r->jc, te, s->y, r->f0, cfg->atol, cfg->atol_vec, r->jval, &s->st.nfev);
    if (rc != 0) {
        snprintf(s->why, sizeof s->why, "the Jacobian could not be evaluated");
        r->bad = -1;
        return rhs_code(rc);
    }
    /* Forward difference in t towards the step, with MATLAB ode23s'
       increment (Shampine & Reichelt 1997, section 3.1): sqrt(eps)
       max(|t|, |t + h|), at most |h|, so a late start does not difference
       over many steps; made exact in floating point so the quotient
       divides by what was added. */
    double del = fmin(sqrt(DBL_EPSILON) * fmax(fabs(te), fabs(te + h)), fabs(h));
    double t2 = te + (h < 0 ? -del : del);
    del = t2 - te;
    rc = eval_f(s, r, t2, s->y, r->ft);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        r->ft[i] = (r->ft[i] - r->f0[i]) / del;
    r->have_jac = true;
    return 0;
}

static int ros_step(struct stepper *s, double t, double h, bool dense)
{
    struct ros *r = s->impl;
    const struct ros_tableau *tab = r->tab;
    size_t n = s->n;
    int S = tab->stages;
    double te = eval_time(r, t);
    int rc;

    (void)dense;
    r->have_dense = false;
    r->have_fnew = false;
    r->bad = -1;
    r->sing = -1;
    s->why[0] = '\0';
    if (!r->have_f0)
        return ODE_EINVAL;
    if (!r->have_jac) {
        rc = jac_and_ft(s, r, te, h);
        if (rc != 0)
            return rc;
    }
    s->st.nlu++;
    rc = ls_factor(r->ls, 1.0 / (tab->gamma * h), r->jval);
    if (rc > 0) {
        /* 1/(gamma h) is an eigenvalue of J: a mode growing that fast (the
           solution blows up) or a wrong Jacobian.  A shorter step moves
           1/(gamma h) away from it. */
        r->sing = rc - 1;
        snprintf(s->why, sizeof s->why,
                 "J has an eigenvalue near 1/(gamma h) = %.3g (a fast-growing mode, "
                 "or a wrong Jacobian: try --jacobian fd)", 1.0 / (tab->gamma * h));
        return STEP_SINGULAR;
    }
    if (rc < 0)
        return rc;

    for (int i = 0; i < S; i++) {
        double *ui = r->u + (size_t)i * n;
        const double *fi;

        if (i == 0) {
            fi = r->f0;
        } else {
            /* ytmp = y + sum_{j<i} a_ij u_j, in stage order. */
            memcpy(r->ytmp, s->y, n * sizeof *r->ytmp);
            for (int j = 0; j < i; j++) {
                double aij = tab->a[i][j];
                const double *uj = r->u + (size_t)j * n;
                if (aij != 0.0)
                    for (size_t k = 0; k < n; k++)
                        r->ytmp[k] += aij * uj[k];
            }
            double *fout = (tab->fsal && i == S - 1) ? r->fnew : r->rhs;
            rc = eval_f(s, r, t + tab->alpha[i] * h, r->ytmp, fout);
            if (rc != 0)
                return rc;
            fi = fout;
        }
        /* rhs = f_i + sum_{j<i} (c_ij / h) u_j + gamma_i h f_t. */
        double gh = tab->gam[i] * h;
        for (size_t k = 0; k < n; k++)
            ui[k] = fi[k] + gh * r->ft[k];
        for (int j = 0; j < i; j++) {
            double cij = tab->c[i][j] / h;
            const double *uj = r->u + (size_t)j * n;
            if (cij != 0.0)
                for (size_t k = 0; k < n; k++)
                    ui[k] += cij * uj[k];
        }
        s->st.nsolve++;
        rc = ls_solve(r->ls, ui);
        if (rc != 0)
            return rc;
    }

    /* y1 = y + sum m_j u_j (with FSAL this is the last stage's argument,
       bit for bit: same coefficients, same order); err = sum e_j u_j. */
    if (tab->fsal) {
        memcpy(s->y1, r->ytmp, n * sizeof *s->y1);
        r->have_fnew = true;
    } else {
        memcpy(s->y1, s->y, n * sizeof *s->y1);
        for (int j = 0; j < S; j++) {
            const double *uj = r->u + (size_t)j * n;
            double mj = tab->m[j];
            if (mj != 0.0)
                for (size_t k = 0; k < n; k++)
                    s->y1[k] += mj * uj[k];
        }
    }
    memset(r->err, 0, n * sizeof *r->err);
    for (int j = 0; j < S; j++) {
        const double *uj = r->u + (size_t)j * n;
        double ej = tab->e[j];
        if (ej != 0.0)
            for (size_t k = 0; k < n; k++)
                r->err[k] += ej * uj[k];
    }
    return 0;
}

static double ros_error(struct stepper *s)
{
    struct ros *r = s->impl;

    return stepper_err_norm(s->cfg, r->err, s->y, s->y1, s->n);
}

static long ros_worst_var(struct stepper *s)
{
    struct ros *r = s->impl;
    const struct stepper_cfg *cfg = s->cfg;
    long worst = -1;
    double wmax = -1.0;

    if (r->sing >= 0)
        return r->sing;

    for (size_t i = 0; i < s->n; i++) {
        double atol = cfg->atol_vec ? cfg->atol_vec[i] : cfg->atol;
        double sc = atol + cfg->rtol * fmax(fabs(s->y[i]), fabs(s->y1[i]));
        double q = fabs(r->err[i]) / sc;
        if (!(q <= wmax)) {
            wmax = q;
            worst = (long)i;
            if (isnan(q))
                break;
        }
    }
    return worst;
}

static long ros_bad_var(struct stepper *s, bool *in_state)
{
    struct ros *r = s->impl;

    if (r->bad >= 0) {
        *in_state = false;
        return r->bad;
    }
    *in_state = true;
    return first_nonfinite(s->y1, s->n);
}

static int ros_dense(struct stepper *s, double t, double h, double theta, double *out)
{
    struct ros *r = s->impl;
    const struct ros_tableau *tab = r->tab;
    size_t n = s->n;
    int R = tab->dense_rows;

    (void)t;
    (void)h;
    if (!r->have_dense) {
        for (int q = 0; q < R; q++) {
            double *hq = r->hd + (size_t)q * n;
            memset(hq, 0, n * sizeof *hq);
            for (int j = 0; j < tab->stages; j++) {
                double w = tab->h[q][j];
                const double *uj = r->u + (size_t)j * n;
                if (w != 0.0)
                    for (size_t k = 0; k < n; k++)
                        hq[k] += w * uj[k];
            }
        }
        r->have_dense = true;
    }
    /* Horner from the innermost H: (1-th) y + th (y1 + (1-th) (H1 + th (H2 + th H3))). */
    double th1 = 1.0 - theta;
    for (size_t k = 0; k < n; k++) {
        double v = r->hd[(size_t)(R - 1) * n + k];
        for (int q = R - 2; q >= 0; q--)
            v = r->hd[(size_t)q * n + k] + theta * v;
        out[k] = th1 * s->y[k] + theta * (s->y1[k] + th1 * v);
    }
    return 0;
}

static void ros_accept(struct stepper *s, double t, double h)
{
    struct ros *r = s->impl;

    (void)t;
    (void)h;
    memcpy(s->y, s->y1, s->n * sizeof *s->y);
    if (r->have_fnew) {
        double *tmp = r->f0;
        r->f0 = r->fnew;
        r->fnew = tmp;
        r->have_f0 = true;
    } else {
        r->have_f0 = false;
    }
    r->have_fnew = false;
    r->have_jac = false;
    r->have_dense = false;
    r->after_stop = false;
}

static void ros_reset(struct stepper *s)
{
    struct ros *r = s->impl;

    r->have_f0 = false;
    r->have_fnew = false;
    r->have_jac = false;
}

static void ros_destroy(struct stepper *s)
{
    struct ros *r = s->impl;

    if (r) {
        free(r->hd);
        free(r->err);
        free(r->rhs);
        free(r->ytmp);
        free(r->ft);
        free(r->fnew);
        free(r->f0);
        free(r->u);
        free(r->jval);
        ls_free(r->ls);
        jac_free(r->jc);
        free(r);
    }
    free(s->y1);
    free(s->y);
    s->impl = NULL;
    s->y = s->y1 = NULL;
}

static const struct stepper_ops ros_ops = {
    .destroy = ros_destroy,
    .begin = ros_begin,
    .initial_step = ros_initial_step,
    .step = ros_step,
    .error = ros_error,
    .worst_var = ros_worst_var,
    .bad_var = ros_bad_var,
    .dense = ros_dense,
    .accept = ros_accept,
    .reset = ros_reset,
    .next_step = NULL,
};

static int ros_create(struct stepper *s, const struct stepper_method *m,
                      const struct stepper_cfg *cfg)
{
    const struct ros_tableau *tab = m->data;
    size_t n = cfg->prob->n_states;
    struct ros *r;
    int rc = ODE_ENOMEM;

    s->method = m;
    s->ops = &ros_ops;
    s->cfg = cfg;
    s->n = n;
    s->y = calloc(n ? n : 1, sizeof *s->y);
    s->y1 = calloc(n ? n : 1, sizeof *s->y1);
    s->impl = r = calloc(1, sizeof *r);
    if (!s->y || !s->y1 || !r)
        goto fail;
    r->tab = tab;
    r->bad = -1;
    r->sing = -1;
    r->dir = 1.0;
    rc = jac_new(cfg->prob, cfg->p, cfg->jacobian, &r->jc);
    if (rc != 0)
        goto fail;
    const struct ode_pattern *pat = jac_pattern(r->jc);
    rc = ls_new(n, pat, cfg->linsolve, false, &r->ls);
    if (rc == ODE_EINVAL) {
        snprintf(s->why, sizeof s->why, "the Jacobian's sparsity pattern is not valid CSC");
        goto fail;
    }
    if (rc != 0)
        goto fail;
    rc = ODE_ENOMEM;
    size_t nn = n ? n : 1;
    size_t nnz = pat->colptr ? pat->nnz : n * n;
    r->jval = calloc(nnz ? nnz : 1, sizeof *r->jval);
    r->u = calloc((size_t)tab->stages * nn, sizeof *r->u);
    r->f0 = calloc(nn, sizeof *r->f0);
    r->fnew = calloc(nn, sizeof *r->fnew);
    r->ft = calloc(nn, sizeof *r->ft);
    r->ytmp = calloc(nn, sizeof *r->ytmp);
    r->rhs = calloc(nn, sizeof *r->rhs);
    r->err = calloc(nn, sizeof *r->err);
    r->hd = calloc((size_t)tab->dense_rows * nn, sizeof *r->hd);
    if (!r->jval || !r->u || !r->f0 || !r->fnew || !r->ft || !r->ytmp || !r->rhs
        || !r->err || !r->hd)
        goto fail;
    s->linsolve_name = ls_kind_name(ls_kind_of(r->ls));
    s->jac_exact = jac_is_exact(r->jc);
    return 0;
fail:
    ros_destroy(s);
    return rc;
}

const struct stepper_method ros_rodas5 = {
    .name = "rodas5",
    .desc = "Rosenbrock 5(4), Di Marzo's RODAS5, stiffly accurate, 4th-order dense output",
    .family = FAM_ROSENBROCK, .order = 5, .order_emb = 4, .needs_jac = true,
    .err_target = 0, .create = ros_create, .data = &tab_rodas5,
};

const struct stepper_method ros_ros23 = {
    .name = "ros23",
    .desc = "Rosenbrock 2(3), Shampine & Reichelt's ode23s pair (XPPAUT 2rb), FSAL",
    .family = FAM_ROSENBROCK, .order = 2, .order_emb = 3, .needs_jac = true,
    /* The estimate is the local error of the 2nd-order y1: h^3, not h^4. */
    .err_order = 3, .err_target = 0, .create = ros_create, .data = &tab_ros23,
};

/* testbench.h - the stiff problems of ../shared/bench (ROBER, VDPOL, HIRES,
 * OREGO of the IVP test set, Mazzia & Magherini, Univ. Bari) as struct
 * ode_problem with their analytic Jacobians and CSC patterns, and their
 * reference solutions at t1 (../shared/bench/problems/NAME/reference.txt,
 * RADAU5 in extended precision), for the solver tests.
 *
 * Header only (static inline).  Each problem writes its Jacobian through
 * a set(i, j, v) callback, as the bench files do; the pattern is the set
 * of (i, j) it names (structural: it names the same entries at every y),
 * collected once by tb_init. */
#ifndef ODESOLVE_TESTBENCH_H
#define ODESOLVE_TESTBENCH_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

#define TB_MAXN 8

typedef void (*tb_set_fn)(void *c, int i, int j, double v);

struct tb_problem {
    const char *name;
    int n;
    double t0, t1, eta;
    double y0[TB_MAXN];
    double ref[TB_MAXN];
    void (*f)(const double *y, double *dy);
    void (*jac)(const double *y, tb_set_fn set, void *c);
    /* Filled by tb_init. */
    size_t colptr[TB_MAXN + 1];
    size_t rowind[TB_MAXN * TB_MAXN];
    int pos[TB_MAXN][TB_MAXN];          /* index in the CSC values, -1 */
    struct ode_problem prob;
};

static inline void tb_rober_f(const double *y, double *f)
{
    double a = 0.04 * y[0], b = 1e4 * y[1] * y[2], c = 3e7 * y[1] * y[1];
    f[0] = -a + b;
    f[1] = a - b - c;
    f[2] = c;
}

static inline void tb_rober_jac(const double *y, tb_set_fn set, void *c)
{
    set(c, 0, 0, -0.04); set(c, 0, 1, 1e4 * y[2]); set(c, 0, 2, 1e4 * y[1]);
    set(c, 1, 0, 0.04); set(c, 1, 1, -1e4 * y[2] - 6e7 * y[1]); set(c, 1, 2, -1e4 * y[1]);
    set(c, 2, 1, 6e7 * y[1]);
}

/* Hairer's scaled Van der Pol, eps = 1e-6 (mu = 1e3). */
static inline void tb_vdp_f(const double *y, double *f)
{
    f[0] = y[1];
    f[1] = ((1.0 - y[0] * y[0]) * y[1] - y[0]) / 1e-6;
}

static inline void tb_vdp_jac(const double *y, tb_set_fn set, void *c)
{
    set(c, 0, 1, 1.0);
    set(c, 1, 0, (-2.0 * y[0] * y[1] - 1.0) / 1e-6);
    set(c, 1, 1, (1.0 - y[0] * y[0]) / 1e-6);
}

static inline void tb_hires_f(const double *y, double *f)
{
    double r = 280.0 * y[5] * y[7];
    f[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
    f[1] = 1.71 * y[0] - 8.75 * y[1];
    f[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
    f[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
    f[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
    f[5] = -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
    f[6] = r - 1.81 * y[6];
    f[7] = -r + 1.81 * y[6];
}

static inline void tb_hires_jac(const double *y, tb_set_fn set, void *c)
{
    set(c, 0, 0, -1.71); set(c, 0, 1, 0.43); set(c, 0, 2, 8.32);
    set(c, 1, 0, 1.71); set(c, 1, 1, -8.75);
    set(c, 2, 2, -10.03); set(c, 2, 3, 0.43); set(c, 2, 4, 0.035);
    set(c, 3, 1, 8.32); set(c, 3, 2, 1.71); set(c, 3, 3, -1.12);
    set(c, 4, 4, -1.745); set(c, 4, 5, 0.43); set(c, 4, 6, 0.43);
    set(c, 5, 3, 0.69); set(c, 5, 4, 1.71); set(c, 5, 5, -280.0 * y[7] - 0.43);
    set(c, 5, 6, 0.69); set(c, 5, 7, -280.0 * y[5]);
    set(c, 6, 5, 280.0 * y[7]); set(c, 6, 6, -1.81); set(c, 6, 7, 280.0 * y[5]);
    set(c, 7, 5, -280.0 * y[7]); set(c, 7, 6, 1.81); set(c, 7, 7, -280.0 * y[5]);
}

static inline void tb_orego_f(const double *y, double *f)
{
    f[0] = 77.27 * (y[1] + y[0] * (1.0 - 8.375e-6 * y[0] - y[1]));
    f[1] = (y[2] - (1.0 + y[0]) * y[1]) / 77.27;
    f[2] = 0.161 * (y[0] - y[2]);
}

static inline void tb_orego_jac(const double *y, tb_set_fn set, void *c)
{
    set(c, 0, 0, 77.27 * (1.0 - 2.0 * 8.375e-6 * y[0] - y[1]));
    set(c, 0, 1, 77.27 * (1.0 - y[0]));
    set(c, 1, 0, -y[1] / 77.27);
    set(c, 1, 1, -(1.0 + y[0]) / 77.27);
    set(c, 1, 2, 1.0 / 77.27);
    set(c, 2, 0, 0.161);
    set(c, 2, 2, -0.161);
}

/* The problems, with y0, t1, eta and the references of the bench. */
static struct tb_problem tb_problems[] = {
    { "rober", 3, 0, 1e11, 1e-10, { 1, 0, 0 },
      { 2.083340149701255e-08, 8.3333607703347131e-14, 0.99999997916650496 },
      tb_rober_f, tb_rober_jac, { 0 }, { 0 }, { { 0 } }, { 0 } },
    { "vdp", 2, 0, 2, 1, { 2, 0 },
      { 1.7061677321704829, -0.89280970102479751 },
      tb_vdp_f, tb_vdp_jac, { 0 }, { 0 }, { { 0 } }, { 0 } },
    { "hires", 8, 0, 321.8122, 1e-4, { 1, 0, 0, 0, 0, 0, 0, 0.0057 },
      { 0.00073713125733256685, 0.00014424857263161851, 5.8887297409675752e-05,
        0.0011756513432831491, 0.0023863561988313308, 0.0062389682527427964,
        0.0028499983951857689, 0.0028500016048142308 },
      tb_hires_f, tb_hires_jac, { 0 }, { 0 }, { { 0 } }, { 0 } },
    { "orego", 3, 0, 360, 1, { 1, 2, 3 },
      { 1.0008148703185229, 1228.1785215499169, 132.0554942846706 },
      tb_orego_f, tb_orego_jac, { 0 }, { 0 }, { { 0 } }, { 0 } },
};

static inline void tb_mark(void *c, int i, int j, double v)
{
    (void)v;
    ((struct tb_problem *)c)->pos[i][j] = 1;
}

struct tb_vals {
    const struct tb_problem *tp;
    double *val;
};

static inline void tb_put(void *c, int i, int j, double v)
{
    struct tb_vals *w = c;
    w->val[w->tp->pos[i][j]] = v;
}

/* ctx is the tb_problem. */
static inline int tb_rhs(void *ctx, double t, const double *y, const double *p,
                         double *dy)
{
    (void)t; (void)p;
    ((const struct tb_problem *)ctx)->f(y, dy);
    return 0;
}

static inline int tb_jac(void *ctx, double t, const double *y, const double *p,
                         double *val)
{
    struct tb_vals w = { ctx, val };
    (void)t; (void)p;
    w.tp->jac(y, tb_put, &w);
    return 0;
}

/* The problem named `name` with its pattern and seam filled in, or NULL.
   With `exact` false the seam has no Jacobian (finite differences). */
static inline struct tb_problem *tb_get(const char *name, int exact)
{
    size_t k, nz = 0;
    int i, j;

    for (k = 0; k < sizeof tb_problems / sizeof tb_problems[0]; k++) {
        struct tb_problem *tp = &tb_problems[k];
        double y[TB_MAXN];

        if (strcmp(tp->name, name) != 0)
            continue;
        memset(tp->pos, 0, sizeof tp->pos);
        for (i = 0; i < tp->n; i++)
            y[i] = 1.0 + i;
        tp->jac(y, tb_mark, tp);
        for (j = 0; j < tp->n; j++) {
            tp->colptr[j] = nz;
            for (i = 0; i < tp->n; i++)
                if (tp->pos[i][j]) {
                    tp->rowind[nz] = (size_t)i;
                    tp->pos[i][j] = (int)nz++;
                } else {
                    tp->pos[i][j] = -1;
                }
        }
        tp->colptr[tp->n] = nz;
        memset(&tp->prob, 0, sizeof tp->prob);
        tp->prob.n_states = (size_t)tp->n;
        tp->prob.rhs = tb_rhs;
        tp->prob.ctx = tp;
        tp->prob.jac = exact ? tb_jac : NULL;
        tp->prob.jac_pattern.nnz = nz;
        tp->prob.jac_pattern.colptr = tp->colptr;
        tp->prob.jac_pattern.rowind = tp->rowind;
        return tp;
    }
    return NULL;
}

/* The bench's error: max_i |y_i - ref_i| / (eta + |ref_i|). */
static inline double tb_error(const struct tb_problem *tp, const double *y)
{
    double e = 0;
    int i;

    for (i = 0; i < tp->n; i++) {
        double q = fabs(y[i] - tp->ref[i]) / (tp->eta + fabs(tp->ref[i]));
        e = q > e ? q : e;
    }
    return e;
}

#endif

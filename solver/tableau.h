/* tableau.h - Butcher tableaux of explicit Runge-Kutta methods, as data.
 *
 * Every method the explicit engine (erk.c) can run is one constant
 * struct rk_tableau in tableau.c, registered in one array: tab_find() and
 * --list-solvers both read it.  Coefficients are the exact fractions of the
 * cited papers. */
#ifndef ODESOLVE_TABLEAU_H
#define ODESOLVE_TABLEAU_H

#include <stdbool.h>
#include <stddef.h>

/* Stage vectors a tableau may use: its stages plus the extra stages of its
   continuous extension (DOP853: 13 + 3, Verner 7(6): 10 + 6, Verner 9(8):
   16 + 10). */
#define TAB_MAX_STAGES 26
/* Highest degree in theta of a continuous extension (DOP853, Verner 7: 7;
   Verner 9: 9). */
#define TAB_MAX_DEG 9

/* How the coefficients `dense` of a continuous extension are written. */
enum tab_dense {
    /* No coefficients: the cubic Hermite interpolant of y_n, y_{n+1}, f_n,
       f_{n+1}, of order min(order, 3). */
    TAB_DENSE_HERMITE,
    /* The form of Hairer, Norsett & Wanner, "Solving ODEs I", 2nd ed.,
       II.6, and their codes DOPRI5 and DOP853: with r1 = y_{n+1} - y_n,
       r2 = h f_n - r1, r3 = r1 - h f_{n+1} - r2 and
       r_{3+m} = h sum_j dense[m-1][j] K_j (m = 1 .. dense_rows),
         y(t + theta h) = y_n + theta (r1 + (1-theta) (r2 + theta (r3 +
                          (1-theta) (r4 + theta (r5 + (1-theta) (...)))))),
       each r multiplied by one more factor, theta and (1-theta) in turn. */
    TAB_DENSE_NESTED,
    /* Polynomial weights: y(t + theta h) = y_n + h sum_j b_j(theta) K_j with
       b_j(theta) = sum_{m=1}^{dense_rows} dense[m-1][j] theta^m. */
    TAB_DENSE_POLY,
};

/* Stage s computes k_s = f(t + c_s h, y + h sum_{j<s} a_sj k_j); the step
   is y + h sum b_j k_j and the embedded solution y + h sum bemb_j k_j.
   Invariants (checked by tests/unit/check_tableau.c): a is strictly lower
   triangular, row sums of a equal c, b has order `order`, bemb has order
   `order_emb`, bemb2 order `order_emb2`.  With `fsal` the last row of a
   equals b and c_last = 1, so the last stage is f at the new solution and
   serves as the next step's first stage.

   The continuous extension combines the stage vectors K_j: the stages
   k_0 .. k_{stages-1}; then, without FSAL, K_stages = f(t + h, y_{n+1});
   then the `extra` stages of the extension, rows stages .. stages+extra-1
   of a and c (without FSAL the first of them is f(t + h, y_{n+1}) itself:
   row b, c = 1).  They are computed only for steps with a save point. */
struct rk_tableau {
    const char *name;         /* --solver NAME */
    const char *desc;         /* one line for --list-solvers */
    int stages;
    int order;                /* order of b */
    int order_emb;            /* order of bemb; 0: no error estimate, fixed step only */
    /* Order of a second embedded solution bemb2, 0 for none.  With one the
       error is DOP853's combination of the two estimates (tab_err_order). */
    int order_emb2;
    bool fsal;
    /* The error the step-size controller aims at (control.h: theta); 0
       for the default, CTL_TARGET. */
    double err_target;
    /* Just inside where the stability domain meets the negative real
       axis, |h lambda|, for the stiffness test (erk.c; 0: no test).  Only
       tableaux whose last two stages both sit at c = 1 carry it: the
       difference of those two stages estimates |h lambda|. */
    double stiff_bound;
    double c[TAB_MAX_STAGES];
    double a[TAB_MAX_STAGES][TAB_MAX_STAGES];
    double b[TAB_MAX_STAGES];
    double bemb[TAB_MAX_STAGES];
    double bemb2[TAB_MAX_STAGES];
    int extra;                /* extra stages of the continuous extension */
    enum tab_dense dense_form;
    int dense_order;          /* order of the continuous extension (not Hermite) */
    int dense_rows;           /* rows of `dense` in use */
    double dense[TAB_MAX_DEG][TAB_MAX_STAGES];
};

/* The registered tableau called `name` (ASCII case ignored), or NULL. */
const struct rk_tableau *tab_find(const char *name);

/* Number of registered tableaux, and the i-th (0 <= i < tab_count()), in
   the order --list-solvers prints them. */
size_t tab_count(void);
const struct rk_tableau *tab_at(size_t i);

/* True when the method has an error estimate, so it can adapt its step. */
bool tab_adaptive(const struct rk_tableau *t);

/* The power of h that the error estimate behaves like, for the step-size
   controller and the initial step: order_emb + 1 for one estimate.  With
   DOP853's two, err = e5^2 / sqrt(e5^2 + 0.01 e3^2) ~ h^(2(q+1) - (q2+1))
   where e3 dominates, i.e. 8 (HNW, "Solving ODEs I", 2nd ed., II.10, and
   DOP853's exponent 1/8). */
int tab_err_order(const struct rk_tableau *t);

/* Order of the method's continuous extension: dense_order, or for the
   Hermite interpolant min(order, 3). */
int tab_dense_order(const struct rk_tableau *t);

/* Number of stage vectors K_j the continuous extension combines (see
   struct rk_tableau): stages + extra, plus one for f(t + h, y_{n+1})
   without FSAL. */
int tab_dense_stages(const struct rk_tableau *t);

/* The continuous extension as polynomial weights, whatever form the
   tableau gives it in: y(t + theta h) = y_n + h sum_j b_j(theta) K_j with
   b_j(theta) = sum_{m=1}^{deg} w[m-1][j] theta^m, j < tab_dense_stages(t).
   Returns deg (<= TAB_MAX_DEG); unused entries of w are zero. */
int tab_dense_poly(const struct rk_tableau *t, double w[TAB_MAX_DEG][TAB_MAX_STAGES]);

#endif

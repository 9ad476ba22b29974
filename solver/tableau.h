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

/* Enough for every explicit pair in common use (Verner 9(8) has 16). */
#define TAB_MAX_STAGES 16

/* Stage s computes k_s = f(t + c_s h, y + h sum_{j<s} a_sj k_j); the step
   is y + h sum b_j k_j and the embedded solution y + h sum bemb_j k_j.
   Invariants (checked by tests/unit/check_tableau.c): a is strictly lower
   triangular, row sums of a equal c, b has order `order`, bemb has order
   `order_emb`.  With `fsal` the last row of a equals b and c_last = 1, so
   the last stage is f at the new solution and serves as the next step's
   first stage. */
struct rk_tableau {
    const char *name;         /* --solver NAME */
    const char *desc;         /* one line for --list-solvers */
    int stages;
    int order;                /* order of b */
    int order_emb;            /* order of bemb; 0: no error estimate, fixed step only */
    bool fsal;
    double c[TAB_MAX_STAGES];
    double a[TAB_MAX_STAGES][TAB_MAX_STAGES];
    double b[TAB_MAX_STAGES];
    double bemb[TAB_MAX_STAGES];
    /* Continuous extension.  0: cubic Hermite interpolation from y_n,
       y_{n+1}, f_n, f_{n+1}.  Otherwise the order of the quartic extension
       of Shampine (1986), in the form of Hairer, Norsett & Wanner, "Solving
       ODEs I", 2nd ed., II.6 (see dense.h): the Hermite cubic plus
       theta^2 (1-theta)^2 h sum dense_j k_j. */
    int dense_order;
    double dense[TAB_MAX_STAGES];
};

/* The registered tableau called `name` (ASCII case ignored), or NULL. */
const struct rk_tableau *tab_find(const char *name);

/* Number of registered tableaux, and the i-th (0 <= i < tab_count()), in
   the order --list-solvers prints them. */
size_t tab_count(void);
const struct rk_tableau *tab_at(size_t i);

/* True when the method has an error estimate, so it can adapt its step. */
bool tab_adaptive(const struct rk_tableau *t);

/* The registered name nearest to `name` by edit distance (for "did you
   mean" messages).  Never NULL. */
const char *tab_closest(const char *name);

/* Maps an XPPAUT `meth=` value to a registered name.  Accepts our own
   names, XPPAUT's names (euler, modeuler, rungekutta, 5dp, ...), unique
   prefixes of either ("runge", "dopri") and, like XPPAUT, a single key
   letter ("r").  ASCII case is ignored.  Returns NULL when the method is not
   available here, and then sets *closest (if closest is not NULL; never to
   NULL) to the registered method to suggest: for XPPAUT methods we lack
   (adams, gear, stiff, cvode, 83dp, 2rb, ...) the best replacement (dopri5
   until stiff and multistep solvers exist; euler for discrete, rk4 for ymp),
   for unknown names the nearest name by edit distance.  XPPAUT reads any
   name by its first letter; we suggest instead of guessing, so "dopr5"
   gives NULL and "dopri5" rather than XPPAUT's "discrete". */
const char *tab_from_xpp(const char *meth, const char **closest);

#endif

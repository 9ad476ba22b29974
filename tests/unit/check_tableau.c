/* check_tableau.c - every registered tableau satisfies the order
 * conditions of all rooted trees up to its order (and fails one of the next
 * order), for b, the embedded weights and the continuous extension (names
 * and XPPAUT's method names: check_stepper.c). */
#include "tableau.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- rooted trees ----

   A rooted tree with n nodes is stored as a level sequence: node 0 is the
   root at level 0, and the nodes follow in depth-first order, each node's
   children being the following nodes one level deeper, up to the next node
   at its own level or above.  Every sequence with l_0 = 0 and
   1 <= l_i <= l_{i-1} + 1 is a (plane) tree; plane trees that differ only
   in the order of children are the same rooted tree, so each is reduced to
   a canonical key (children's keys sorted) and kept once.  Butcher's
   theory (Hairer, Norsett & Wanner, "Solving ODEs I", 2nd ed., II.2): a
   method with weights w has order p iff sum_j w_j Phi_j(t) = 1/gamma(t)
   for every tree t with at most p nodes, Phi_j(t) the elementary weight
   (product over the root's children u of sum_k a_jk Phi_k(u)) and gamma(t)
   the density (the product of all subtree sizes).  A continuous extension
   of order q satisfies sum_j w_j(theta) Phi_j(t) = theta^|t| / gamma(t). */
#define MAX_ORDER 10
#define MAX_TREES 1300      /* 1205 trees with at most 10 nodes */

struct rtree {
    int n;
    int level[MAX_ORDER];
    double gamma;
};

static struct rtree trees[MAX_TREES];
static int ntrees;

/* Number of rooted trees with n nodes, OEIS A000081. */
static const int tree_count[MAX_ORDER + 1] = { 0, 1, 1, 2, 4, 9, 20, 48, 115, 286, 719 };

static int key_cmp(const void *x, const void *y)
{
    return strcmp(x, y);
}

/* Canonical key of the subtree at node i of level sequence l (n nodes):
   "(" + sorted children's keys + ")". */
static void tree_key(const int *l, int n, int i, char *out)
{
    char kids[MAX_ORDER][2 * MAX_ORDER + 1];
    int nk = 0, j;

    for (j = i + 1; j < n && l[j] > l[i]; j++)
        if (l[j] == l[i] + 1)
            tree_key(l, n, j, kids[nk++]);
    qsort(kids, (size_t)nk, sizeof kids[0], key_cmp);
    strcpy(out, "(");
    for (j = 0; j < nk; j++)
        strcat(out, kids[j]);
    strcat(out, ")");
}

/* Size of the subtree at node i. */
static int subtree_size(const int *l, int n, int i)
{
    int j = i + 1;

    while (j < n && l[j] > l[i])
        j++;
    return j - i;
}

static char keys[MAX_TREES][2 * MAX_ORDER + 1];

/* Extends the plane tree l[0 .. len-1] in every way to n nodes. */
static void grow(int *l, int len, int n)
{
    char key[2 * MAX_ORDER + 1];
    int v, i;

    if (len == n) {
        tree_key(l, n, 0, key);
        for (i = 0; i < ntrees; i++)
            if (!strcmp(keys[i], key))
                return;
        ck_assert_int_lt(ntrees, MAX_TREES);
        strcpy(keys[ntrees], key);
        trees[ntrees].n = n;
        memcpy(trees[ntrees].level, l, (size_t)n * sizeof *l);
        trees[ntrees].gamma = 1.0;
        for (i = 0; i < n; i++)
            trees[ntrees].gamma *= subtree_size(l, n, i);
        ntrees++;
        return;
    }
    for (v = 1; v <= l[len - 1] + 1; v++) {
        l[len] = v;
        grow(l, len + 1, n);
    }
}

static void make_trees(void)
{
    int l[MAX_ORDER] = { 0 };

    if (ntrees)
        return;
    for (int n = 1; n <= MAX_ORDER; n++)
        grow(l, 1, n);
}

/* Row j of the matrix the stage vectors K_j are computed with (tableau.h):
   a's rows, and for f(t+h, y_{n+1}) of a tableau without FSAL (and
   without an explicit row for it) the weights b. */
static const double *stage_row(const struct rk_tableau *t, int j)
{
    if (!t->fsal && j == t->stages && t->extra == 0)
        return t->b;
    return t->a[j];
}

/* Elementary weights Phi_j (j < ns) of tree k, and with `mag` the same sum
   of absolute values (the scale of its rounding error). */
static void phi(const struct rk_tableau *t, int ns, int k, bool mag, double *out)
{
    const struct rtree *tr = &trees[k];
    double v[MAX_ORDER][TAB_MAX_STAGES];
    int i, j, m;

    /* Children come after their parent: fill the nodes from the last. */
    for (i = tr->n - 1; i >= 0; i--) {
        for (j = 0; j < ns; j++)
            v[i][j] = 1.0;
        for (int u = i + 1; u < tr->n && tr->level[u] > tr->level[i]; u++) {
            if (tr->level[u] != tr->level[i] + 1)
                continue;
            for (j = 0; j < ns; j++) {
                const double *row = stage_row(t, j);
                double sum = 0.0;
                for (m = 0; m < j; m++)
                    sum += (mag ? fabs(row[m]) : row[m]) * v[u][m];
                v[i][j] *= sum;
            }
        }
    }
    memcpy(out, v[0], (size_t)ns * sizeof *out);
}

/* Residual sum_j w_j Phi_j - theta^|t| / gamma of tree k, and in *tol a
   bound for its rounding error; wabs (NULL: |w|) are the magnitudes the
   weights were computed from. */
static double residual(const struct rk_tableau *t, int ns, const double *w,
                       const double *wabs, int k, double theta, double *tol)
{
    double ph[TAB_MAX_STAGES], pa[TAB_MAX_STAGES], sum = 0.0, mag = 0.0;

    phi(t, ns, k, false, ph);
    phi(t, ns, k, true, pa);
    for (int j = 0; j < ns; j++) {
        sum += w[j] * ph[j];
        mag += (wabs ? wabs[j] : fabs(w[j])) * pa[j];
    }
    *tol = 64 * DBL_EPSILON * (mag + 1.0);
    return sum - pow(theta, trees[k].n) / trees[k].gamma;
}

/* A tree of the next order "fails clearly" when its residual exceeds this
   many times its rounding bound. */
#define FAIL_MIN 1e3

/* Checks the order conditions of weights w (at theta) for all trees up to
   order p, and that some tree of order p + 1 fails clearly (when p + 1 <=
   MAX_ORDER).  Residuals of order-p trees up to `slack` pass as well.
   With `fail_out` the largest ratio |residual| / bound over the trees of
   order p + 1 goes there instead, for the caller to judge. */
static void check_order(const struct rk_tableau *t, int ns, const double *w,
                        const double *wabs, double theta, int p, double slack,
                        const char *what, double *fail_out)
{
    double fail = 0.0;

    for (int k = 0; k < ntrees; k++) {
        double tol, r = residual(t, ns, w, wabs, k, theta, &tol);
        if (trees[k].n == p)
            tol = fmax(tol, slack);
        if (trees[k].n <= p)
            ck_assert_msg(fabs(r) <= tol, "%s %s theta %g: tree %s (order %d) residual %g > %g",
                          t->name, what, theta, keys[k], trees[k].n, r, tol);
        else if (trees[k].n == p + 1)
            fail = fmax(fail, fabs(r) / tol);
    }
    if (fail_out)
        *fail_out = fail;
    else if (p < MAX_ORDER)
        ck_assert_msg(fail > FAIL_MIN, "%s %s theta %g: no condition of order %d fails (%g)",
                      t->name, what, theta, p + 1, fail);
}

START_TEST(tab_tree_enumeration_counts_a000081)
{
    int per[MAX_ORDER + 1] = { 0 };

    make_trees();
    for (int k = 0; k < ntrees; k++)
        per[trees[k].n]++;
    for (int n = 1; n <= MAX_ORDER; n++)
        ck_assert_int_eq(per[n], tree_count[n]);
    /* Densities of known trees (HNW Table II.2.1): the tall tree of order
       5 has gamma 120, the bushy one 5, [[t], t] of order 4 has 8. */
    for (int k = 0; k < ntrees; k++) {
        if (!strcmp(keys[k], "((((()))))") )
            ck_assert(trees[k].gamma == 120.0);
        if (!strcmp(keys[k], "(()()()())"))
            ck_assert(trees[k].gamma == 5.0);
        if (!strcmp(keys[k], "((())())"))
            ck_assert(trees[k].gamma == 8.0);
    }
}
END_TEST

START_TEST(tab_registry_names_resolve)
{
    ck_assert_uint_ge(tab_count(), 10);
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        ck_assert_ptr_nonnull(t);
        ck_assert_ptr_eq(tab_find(t->name), t);
        ck_assert_ptr_nonnull(t->desc);
        ck_assert_int_ge(t->stages, 1);
        ck_assert_int_le(tab_dense_stages(t), TAB_MAX_STAGES + 1);
        ck_assert(tab_adaptive(t) == (t->order_emb > 0));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(tab_at(j)->name, t->name);
    }
    ck_assert_ptr_null(tab_at(tab_count()));
    ck_assert_ptr_eq(tab_find("DoPri5"), tab_find("dopri5"));
    ck_assert_ptr_null(tab_find("dopri"));
    ck_assert_ptr_null(tab_find(NULL));
    const char *want[] = { "euler", "midpoint", "heun", "ralston", "rk4", "bosh3", "dopri5",
                           "cashkarp", "tsit5", "dop853", "vern7", "vern9" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_ptr_nonnull(tab_find(want[i]));
    ck_assert(!tab_adaptive(tab_find("rk4")));
    ck_assert(tab_adaptive(tab_find("dopri5")));
    ck_assert(tab_adaptive(tab_find("bosh3")));
    ck_assert_int_eq(tab_find("dop853")->order, 8);
    ck_assert_int_eq(tab_find("vern7")->order, 7);
    ck_assert_int_eq(tab_find("vern9")->order, 9);
    ck_assert_int_eq(tab_find("vern9")->stages, 16);
    ck_assert_int_eq(tab_dense_stages(tab_find("vern9")), 26);
    ck_assert_int_eq(tab_find("tsit5")->order, 5);
    /* Verner's two pairs side by side in --list-solvers. */
    for (size_t i = 0; i + 1 < tab_count(); i++)
        if (!strcmp(tab_at(i)->name, "vern7"))
            ck_assert_str_eq(tab_at(i + 1)->name, "vern9");
}
END_TEST

START_TEST(tab_error_orders_follow_the_estimates)
{
    ck_assert_int_eq(tab_err_order(tab_find("dopri5")), 5);
    ck_assert_int_eq(tab_err_order(tab_find("bosh3")), 3);
    ck_assert_int_eq(tab_err_order(tab_find("tsit5")), 5);
    ck_assert_int_eq(tab_err_order(tab_find("vern7")), 7);
    ck_assert_int_eq(tab_err_order(tab_find("vern9")), 9);
    /* DOP853: e5^2 / (0.1 e3) ~ h^12 / h^4. */
    ck_assert_int_eq(tab_err_order(tab_find("dop853")), 8);
    ck_assert_int_eq(tab_dense_order(tab_find("euler")), 1);
    ck_assert_int_eq(tab_dense_order(tab_find("rk4")), 3);
    ck_assert_int_eq(tab_dense_order(tab_find("dopri5")), 4);
    ck_assert_int_eq(tab_dense_order(tab_find("tsit5")), 4);
    ck_assert_int_eq(tab_dense_order(tab_find("vern7")), 7);
    ck_assert_int_eq(tab_dense_order(tab_find("vern9")), 9);
    ck_assert_int_eq(tab_dense_order(tab_find("dop853")), 7);
}
END_TEST

START_TEST(tab_rows_sum_to_c_and_a_is_explicit)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        int rows = t->stages + t->extra;
        for (int s = 0; s < TAB_MAX_STAGES; s++) {
            double sum = 0.0, mag = 0.0;
            for (int j = 0; j < TAB_MAX_STAGES; j++) {
                if (j >= s || s >= rows)
                    ck_assert_msg(t->a[s][j] == 0.0, "%s a[%d][%d] not explicit", t->name, s, j);
                sum += t->a[s][j];
                mag += fabs(t->a[s][j]);
            }
            if (s >= rows) {
                ck_assert(t->c[s] == 0.0);
                continue;
            }
            /* A few ulps per unit of coefficient magnitude: rows like
               dopri5's sum terms of size 10 to get 8/9, and the 30-digit
               decimals of DOP853 round once more. */
            ck_assert_msg(fabs(sum - t->c[s]) <= 4 * DBL_EPSILON * fmax(1.0, mag),
                          "%s row %d sums to %.17g, c = %.17g", t->name, s, sum, t->c[s]);
        }
        for (int j = t->stages; j < TAB_MAX_STAGES; j++)
            ck_assert(t->b[j] == 0.0 && t->bemb[j] == 0.0 && t->bemb2[j] == 0.0);
        /* Without FSAL, an extension's first extra stage is f(t+h, y1). */
        if (!t->fsal && t->extra > 0) {
            ck_assert(t->c[t->stages] == 1.0);
            for (int j = 0; j < TAB_MAX_STAGES; j++)
                ck_assert(t->a[t->stages][j] == t->b[j]);
        }
    }
}
END_TEST

START_TEST(tab_b_meets_order_conditions_of_all_trees)
{
    make_trees();
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        ck_assert_int_lt(t->order, MAX_ORDER);
        check_order(t, t->stages, t->b, NULL, 1.0, t->order, 0.0, "b", NULL);
    }
}
END_TEST

START_TEST(tab_embedded_weights_meet_their_order)
{
    make_trees();
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        if (!tab_adaptive(t)) {
            ck_assert_int_eq(t->order_emb2, 0);
            continue;
        }
        ck_assert_int_lt(t->order_emb, t->order);
        check_order(t, t->stages, t->bemb, NULL, 1.0, t->order_emb, 0.0, "bemb", NULL);
        if (t->order_emb2 > 0) {
            ck_assert_int_lt(t->order_emb2, t->order_emb);
            check_order(t, t->stages, t->bemb2, NULL, 1.0, t->order_emb2, 0.0, "bemb2", NULL);
        }
    }
    ck_assert_int_eq(tab_find("dop853")->order_emb, 5);
    ck_assert_int_eq(tab_find("dop853")->order_emb2, 3);
}
END_TEST

START_TEST(tab_fsal_flag_matches_coefficients)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        int l = t->stages - 1;
        bool last_row_is_b = t->c[l] == 1.0 && t->b[l] == 0.0;
        for (int j = 0; j < t->stages; j++)
            last_row_is_b = last_row_is_b && t->a[l][j] == t->b[j];
        ck_assert_msg(t->fsal == (last_row_is_b && t->stages > 1), "%s: fsal flag wrong",
                      t->name);
    }
    ck_assert(tab_find("dopri5")->fsal);
    ck_assert(tab_find("bosh3")->fsal);
    ck_assert(tab_find("tsit5")->fsal);
    ck_assert(tab_find("dop853")->fsal);
    ck_assert(!tab_find("vern7")->fsal);
    ck_assert(!tab_find("vern9")->fsal);
    ck_assert(!tab_find("rk4")->fsal);
}
END_TEST

/* b_j(theta), its derivative and sum_m |w_mj| theta^m from the
   polynomial weights. */
static void poly_weights(double w[TAB_MAX_DEG][TAB_MAX_STAGES], int deg, int ns,
                         double th, double *b, double *db, double *babs)
{
    for (int j = 0; j < ns; j++) {
        b[j] = 0.0;
        db[j] = 0.0;
        babs[j] = 0.0;
        for (int m = deg; m >= 1; m--) {
            b[j] = (b[j] + w[m - 1][j]) * th;
            babs[j] = (babs[j] + fabs(w[m - 1][j])) * th;
            db[j] += m * w[m - 1][j] * pow(th, m - 1);
        }
    }
}

START_TEST(tab_dense_output_has_its_order)
{
    static const double thetas[] = { 0.1, 0.37, 0.5, 0.81, 1.0 };
    make_trees();
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        double w[TAB_MAX_DEG][TAB_MAX_STAGES], b[TAB_MAX_STAGES], db[TAB_MAX_STAGES];
        double babs[TAB_MAX_STAGES];
        int ns = tab_dense_stages(t), q = tab_dense_order(t);
        int deg = tab_dense_poly(t, w), f1 = t->fsal ? t->stages - 1 : t->stages;
        double fail = 0.0, fail_m;
        ck_assert_int_le(deg, TAB_MAX_DEG);
        for (size_t m = 0; m < sizeof thetas / sizeof thetas[0]; m++) {
            poly_weights(w, deg, ns, thetas[m], b, db, babs);
            /* At theta = 1 the extension reproduces y_{n+1} exactly,
               which is of the method's order, not q.  Verner's published
               7th-order interpolant meets the order-7 conditions inside
               the step only to about 1e-7 (1e-13 for orders <= 6): ten
               times that passes, a wrong digit does not.  His 9th-order
               one meets all its conditions to rounding (60-digit
               arithmetic: 1e-36). */
            bool one = thetas[m] == 1.0;
            check_order(t, ns, b, babs, thetas[m], one ? t->order : q,
                        !one && !strcmp(t->name, "vern7") ? 2e-6 : 0.0, "dense", &fail_m);
            if (!one)
                fail = fmax(fail, fail_m);
        }
        /* The extension is not of order q + 1: some tree of that order
           fails clearly at some theta inside the step.  Not at every one:
           Verner 9's weights, polynomials with coefficients up to 1e4,
           have large rounding bounds, which its order-10 residuals (3e-6)
           exceed 99 times at theta = 0.81, 7e3 .. 5e4 times at 0.1 ..
           0.5.  At theta = 1 the weights are b, checked above. */
        if (q < MAX_ORDER)
            ck_assert_msg(fail > FAIL_MIN, "%s dense: no condition of order %d fails (%g)",
                          t->name, q + 1, fail);
        /* It starts at y_n with slope f_n; at theta = 1 it is y_{n+1}
           (weights b) and, for the Hermite-based forms, has slope f_{n+1}. */
        poly_weights(w, deg, ns, 0.0, b, db, babs);
        for (int j = 0; j < ns; j++)
            ck_assert_msg(fabs(db[j] - (j == 0)) < 1e-13, "%s: b_%d'(0) = %g", t->name, j,
                          db[j]);
        poly_weights(w, deg, ns, 1.0, b, db, babs);
        for (int j = 0; j < ns; j++) {
            ck_assert_msg(fabs(b[j] - (j < t->stages ? t->b[j] : 0.0)) < 1e-12,
                          "%s: b_%d(1) = %.17g", t->name, j, b[j]);
            if (t->dense_form != TAB_DENSE_POLY)
                ck_assert_msg(fabs(db[j] - (j == f1)) < 1e-12, "%s: b_%d'(1) = %g", t->name, j,
                              db[j]);
        }
    }
}
END_TEST

/* R(z) = 1 + z b^T (I - z A)^-1 1, the step's factor on y' = lambda y,
   z = h lambda real. */
static double stability_factor(const struct rk_tableau *t, double z)
{
    double k[TAB_MAX_STAGES], y1 = 1.0;
    for (int i = 0; i < t->stages; i++) {
        double yi = 1.0;
        for (int j = 0; j < i; j++)
            yi += z * t->a[i][j] * k[j];
        k[i] = yi;
    }
    for (int j = 0; j < t->stages; j++)
        y1 += z * t->b[j] * k[j];
    return y1;
}

/* A tableau with a stiffness test has its last two stages at c = 1 (their
   difference estimates |h lambda|), and its bound lies within 5% inside
   where the stability domain leaves the negative real axis: stable at
   -bound (and on the way there), unstable at -bound/0.95. */
START_TEST(tab_stiffness_bounds_sit_at_the_stability_edge)
{
    int with_test = 0;
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        if (t->stiff_bound == 0)
            continue;
        with_test++;
        ck_assert_msg(t->stages >= 2 && t->c[t->stages - 1] == 1 && t->c[t->stages - 2] == 1,
                      "%s: last stages not at c = 1", t->name);
        for (double z = -0.01; z >= -t->stiff_bound; z -= 0.01)
            ck_assert_msg(fabs(stability_factor(t, z)) <= 1.0, "%s: |R(%g)| > 1", t->name, z);
        ck_assert_msg(fabs(stability_factor(t, -t->stiff_bound / 0.95)) > 1.0,
                      "%s: bound %g far inside the edge", t->name, t->stiff_bound);
    }
    /* dopri5, tsit5, vern7, vern9, dop853 */
    ck_assert_int_eq(with_test, 5);
}
END_TEST

static Suite *tableau_suite(void)
{
    Suite *s = suite_create("tableau");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, tab_tree_enumeration_counts_a000081);
    tcase_add_test(tc, tab_registry_names_resolve);
    tcase_add_test(tc, tab_error_orders_follow_the_estimates);
    tcase_add_test(tc, tab_rows_sum_to_c_and_a_is_explicit);
    tcase_add_test(tc, tab_b_meets_order_conditions_of_all_trees);
    tcase_add_test(tc, tab_embedded_weights_meet_their_order);
    tcase_add_test(tc, tab_fsal_flag_matches_coefficients);
    tcase_add_test(tc, tab_dense_output_has_its_order);
    tcase_add_test(tc, tab_stiffness_bounds_sit_at_the_stability_edge);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tableau_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_tableau.c - every registered tableau satisfies its order
 * conditions; names and XPPAUT method names resolve as documented. */
#include "tableau.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The order conditions of the 17 rooted trees up to order 5 (Hairer,
   Norsett & Wanner, "Solving ODEs I", II.2, Table 2.2): sum_j w_j Phi_j =
   theta^order / gamma, for weights w = b or bemb (theta = 1) or the dense
   weights b(theta).  Each entry computes Phi from the tableau; stages past
   .stages are all zero, so loops run over TAB_MAX_STAGES. */
struct tree {
    int order;
    double gamma;
    void (*phi)(const struct rk_tableau *t, double *phi);
};

static void mat_vec(const struct rk_tableau *t, const double *v, double *out)
{
    for (int i = 0; i < TAB_MAX_STAGES; i++) {
        out[i] = 0.0;
        for (int j = 0; j < i; j++)
            out[i] += t->a[i][j] * v[j];
    }
}

static void c_pow(const struct rk_tableau *t, int p, double *out)
{
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        out[i] = pow(t->c[i], p);
}

static void phi_1(const struct rk_tableau *t, double *f) { c_pow(t, 0, f); }
static void phi_c(const struct rk_tableau *t, double *f) { c_pow(t, 1, f); }
static void phi_c2(const struct rk_tableau *t, double *f) { c_pow(t, 2, f); }
static void phi_c3(const struct rk_tableau *t, double *f) { c_pow(t, 3, f); }
static void phi_c4(const struct rk_tableau *t, double *f) { c_pow(t, 4, f); }
static void phi_Ac(const struct rk_tableau *t, double *f)
{
    double c[TAB_MAX_STAGES];
    c_pow(t, 1, c);
    mat_vec(t, c, f);
}
static void phi_Ac2(const struct rk_tableau *t, double *f)
{
    double c[TAB_MAX_STAGES];
    c_pow(t, 2, c);
    mat_vec(t, c, f);
}
static void phi_Ac3(const struct rk_tableau *t, double *f)
{
    double c[TAB_MAX_STAGES];
    c_pow(t, 3, c);
    mat_vec(t, c, f);
}
static void phi_AAc(const struct rk_tableau *t, double *f)
{
    double v[TAB_MAX_STAGES];
    phi_Ac(t, v);
    mat_vec(t, v, f);
}
static void phi_AAc2(const struct rk_tableau *t, double *f)
{
    double v[TAB_MAX_STAGES];
    phi_Ac2(t, v);
    mat_vec(t, v, f);
}
static void phi_AAAc(const struct rk_tableau *t, double *f)
{
    double v[TAB_MAX_STAGES];
    phi_AAc(t, v);
    mat_vec(t, v, f);
}
static void phi_cAc(const struct rk_tableau *t, double *f)
{
    phi_Ac(t, f);
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        f[i] *= t->c[i];
}
static void phi_c2Ac(const struct rk_tableau *t, double *f)
{
    phi_Ac(t, f);
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        f[i] *= t->c[i] * t->c[i];
}
static void phi_cAc2(const struct rk_tableau *t, double *f)
{
    phi_Ac2(t, f);
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        f[i] *= t->c[i];
}
static void phi_cAAc(const struct rk_tableau *t, double *f)
{
    phi_AAc(t, f);
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        f[i] *= t->c[i];
}
static void phi_Ac_sq(const struct rk_tableau *t, double *f)
{
    phi_Ac(t, f);
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        f[i] *= f[i];
}
static void phi_AcAc(const struct rk_tableau *t, double *f)
{
    double v[TAB_MAX_STAGES];
    phi_cAc(t, v);
    mat_vec(t, v, f);
}

static const struct tree trees[] = {
    { 1, 1, phi_1 },
    { 2, 2, phi_c },
    { 3, 3, phi_c2 },     { 3, 6, phi_Ac },
    { 4, 4, phi_c3 },     { 4, 8, phi_cAc },    { 4, 12, phi_Ac2 },  { 4, 24, phi_AAc },
    { 5, 5, phi_c4 },     { 5, 10, phi_c2Ac },  { 5, 15, phi_cAc2 }, { 5, 30, phi_cAAc },
    { 5, 20, phi_Ac_sq }, { 5, 20, phi_Ac3 },   { 5, 40, phi_AcAc }, { 5, 60, phi_AAc2 },
    { 5, 120, phi_AAAc },
};
#define NTREES (sizeof trees / sizeof trees[0])

/* Residual of tree k for weights w at theta (1 for the step itself). */
static double residual(const struct rk_tableau *t, const double *w, size_t k, double theta)
{
    double phi[TAB_MAX_STAGES], sum = 0.0;

    trees[k].phi(t, phi);
    for (int i = 0; i < TAB_MAX_STAGES; i++)
        sum += w[i] * phi[i];
    return sum - pow(theta, trees[k].order) / trees[k].gamma;
}

/* Largest residual over the trees of order exactly p. */
static double worst(const struct rk_tableau *t, const double *w, int p)
{
    double m = 0.0;

    for (size_t k = 0; k < NTREES; k++)
        if (trees[k].order == p)
            m = fmax(m, fabs(residual(t, w, k, 1.0)));
    return m;
}

START_TEST(tab_registry_names_resolve)
{
    ck_assert_uint_ge(tab_count(), 7);
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        ck_assert_ptr_nonnull(t);
        ck_assert_ptr_eq(tab_find(t->name), t);
        ck_assert_ptr_nonnull(t->desc);
        ck_assert_int_ge(t->stages, 1);
        ck_assert_int_le(t->stages, TAB_MAX_STAGES);
        ck_assert(tab_adaptive(t) == (t->order_emb > 0));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(tab_at(j)->name, t->name);
    }
    ck_assert_ptr_null(tab_at(tab_count()));
    ck_assert_ptr_eq(tab_find("DoPri5"), tab_find("dopri5"));
    ck_assert_ptr_null(tab_find("dopri"));
    ck_assert_ptr_null(tab_find(NULL));
    const char *want[] = { "euler", "midpoint", "heun", "ralston", "rk4", "bosh3", "dopri5" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_ptr_nonnull(tab_find(want[i]));
    ck_assert(!tab_adaptive(tab_find("rk4")));
    ck_assert(tab_adaptive(tab_find("dopri5")));
    ck_assert(tab_adaptive(tab_find("bosh3")));
}
END_TEST

START_TEST(tab_rows_sum_to_c_and_a_is_explicit)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        for (int s = 0; s < t->stages; s++) {
            double sum = 0.0, mag = 0.0;
            for (int j = 0; j < TAB_MAX_STAGES; j++) {
                if (j >= s)
                    ck_assert_msg(t->a[s][j] == 0.0, "%s a[%d][%d] not explicit", t->name, s, j);
                sum += t->a[s][j];
                mag += fabs(t->a[s][j]);
            }
            /* 1e-15 per unit of coefficient magnitude: rows like
               dopri5's sum terms of size 10 to get 8/9. */
            ck_assert_msg(fabs(sum - t->c[s]) <= 1e-15 * fmax(1.0, mag),
                          "%s row %d sums to %.17g, c = %.17g", t->name, s, sum, t->c[s]);
        }
        for (int j = t->stages; j < TAB_MAX_STAGES; j++)
            ck_assert(t->b[j] == 0.0 && t->bemb[j] == 0.0 && t->c[j] == 0.0);
    }
}
END_TEST

START_TEST(tab_b_meets_order_conditions)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        ck_assert_int_le(t->order, 5);
        for (int p = 1; p <= t->order; p++)
            ck_assert_msg(worst(t, t->b, p) < 1e-14, "%s: b fails order %d (%g)", t->name,
                          p, worst(t, t->b, p));
        /* .order is sharp: some condition of the next order fails. */
        if (t->order < 5)
            ck_assert_msg(worst(t, t->b, t->order + 1) > 1e-6, "%s: b has order > %d",
                          t->name, t->order);
    }
}
END_TEST

START_TEST(tab_bemb_meets_embedded_order)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        if (!tab_adaptive(t))
            continue;
        ck_assert_int_lt(t->order_emb, t->order);
        for (int p = 1; p <= t->order_emb; p++)
            ck_assert_msg(worst(t, t->bemb, p) < 1e-14, "%s: bemb fails order %d", t->name, p);
        ck_assert_msg(worst(t, t->bemb, t->order_emb + 1) > 1e-6, "%s: bemb order too low",
                      t->name);
    }
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
    ck_assert(!tab_find("rk4")->fsal);
}
END_TEST

/* The dense weights b_j(theta) of dense.h for a FSAL tableau:
   theta b_j + theta(1-theta)(d0_j - b_j) + theta^2(1-theta)(2 b_j - d0_j - dL_j)
   + theta^2 (1-theta)^2 dense_j, d0/dL the unit vectors of the first and
   last stage (f_n and f_{n+1}). */
static void dense_weights(const struct rk_tableau *t, double th, double *w)
{
    int l = t->stages - 1;
    for (int j = 0; j < t->stages; j++) {
        double d0 = j == 0, dl = j == l;
        w[j] = th * t->b[j] + th * (1 - th) * (d0 - t->b[j]) +
               th * th * (1 - th) * (2 * t->b[j] - d0 - dl) +
               th * th * (1 - th) * (1 - th) * (t->dense_order ? t->dense[j] : 0.0);
    }
    for (int j = t->stages; j < TAB_MAX_STAGES; j++)
        w[j] = 0.0;
}

START_TEST(tab_dense_output_has_its_order)
{
    static const double thetas[] = { 0.1, 0.37, 0.5, 0.81, 1.0 };
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        /* Without FSAL the Hermite interpolant needs an extra f(t+h, y1),
           not a stage: nothing to check here. */
        if (!t->fsal)
            continue;
        int q = t->dense_order ? t->dense_order : (t->order < 3 ? t->order : 3);
        for (size_t m = 0; m < sizeof thetas / sizeof thetas[0]; m++) {
            double w[TAB_MAX_STAGES];
            dense_weights(t, thetas[m], w);
            for (size_t k = 0; k < NTREES; k++)
                if (trees[k].order <= q)
                    ck_assert_msg(fabs(residual(t, w, k, thetas[m])) < 1e-14,
                                  "%s dense order %d fails at theta %g tree %zu", t->name, q,
                                  thetas[m], k);
        }
    }
    /* dopri5's is 4th order, not merely Hermite's 3rd. */
    ck_assert_int_eq(tab_find("dopri5")->dense_order, 4);
}
END_TEST

START_TEST(tab_xpp_names_map_to_ours)
{
    const char *near = "unset";
    ck_assert_str_eq(tab_from_xpp("euler", &near), "euler");
    ck_assert_str_eq(tab_from_xpp("Euler", &near), "euler");
    ck_assert_str_eq(tab_from_xpp("modeuler", &near), "heun");
    ck_assert_str_eq(tab_from_xpp("rungekutta", &near), "rk4");
    ck_assert_str_eq(tab_from_xpp("RK4", &near), "rk4");
    ck_assert_str_eq(tab_from_xpp("dorprin", &near), "dopri5");
    ck_assert_str_eq(tab_from_xpp("5dp", &near), "dopri5");
    ck_assert_str_eq(tab_from_xpp("bosh3", &near), "bosh3");
    ck_assert_str_eq(tab_from_xpp("ralston", &near), "ralston");
    ck_assert_str_eq(tab_from_xpp("midpoint", &near), "midpoint");
    /* Prefixes and XPPAUT's single key letters. */
    ck_assert_str_eq(tab_from_xpp("runge", &near), "rk4");
    ck_assert_str_eq(tab_from_xpp("dopri", &near), "dopri5");
    ck_assert_str_eq(tab_from_xpp("r", &near), "rk4");
    ck_assert_str_eq(tab_from_xpp("m", &near), "heun");
    ck_assert_str_eq(tab_from_xpp("5", &near), "dopri5");
    ck_assert_str_eq(near, "unset");
}
END_TEST

START_TEST(tab_xpp_missing_methods_suggest_ours)
{
    static const char *to_dopri5[] = { "gear", "stiff", "cvode", "83dp", "2rb", "rb23",
                                       "adams", "backeuler", "backeul", "qualrk", "volterra",
                                       "CVODE", "g", "s" };
    for (size_t i = 0; i < sizeof to_dopri5 / sizeof to_dopri5[0]; i++) {
        const char *near = NULL;
        ck_assert_ptr_null(tab_from_xpp(to_dopri5[i], &near));
        ck_assert_msg(near && !strcmp(near, "dopri5"), "%s -> %s", to_dopri5[i],
                      near ? near : "NULL");
    }
    const char *near = NULL;
    ck_assert_ptr_null(tab_from_xpp("discrete", &near));
    ck_assert_str_eq(near, "euler");
    ck_assert_ptr_null(tab_from_xpp("ymp", &near));
    ck_assert_str_eq(near, "rk4");
    ck_assert_ptr_null(tab_from_xpp("gear", NULL));
}
END_TEST

START_TEST(tab_unknown_names_get_the_nearest)
{
    const char *near = NULL;
    ck_assert_ptr_null(tab_from_xpp("dopr5", &near));
    ck_assert_str_eq(near, "dopri5");
    ck_assert_ptr_null(tab_from_xpp("rk45", &near));
    ck_assert_str_eq(near, "rk4");
    ck_assert_ptr_null(tab_from_xpp("rungekuta", &near));
    ck_assert_str_eq(near, "rk4");
    ck_assert_ptr_null(tab_from_xpp("heum", &near));
    ck_assert_str_eq(near, "heun");
    ck_assert_ptr_null(tab_from_xpp("", &near));
    ck_assert_ptr_nonnull(near);
    ck_assert_ptr_null(tab_from_xpp("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", &near));
    ck_assert_ptr_nonnull(near);
    ck_assert_str_eq(tab_closest("bosh"), "bosh3");
    ck_assert_str_eq(tab_closest("DOPRI"), "dopri5");
}
END_TEST

static Suite *tableau_suite(void)
{
    Suite *s = suite_create("tableau");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, tab_registry_names_resolve);
    tcase_add_test(tc, tab_rows_sum_to_c_and_a_is_explicit);
    tcase_add_test(tc, tab_b_meets_order_conditions);
    tcase_add_test(tc, tab_bemb_meets_embedded_order);
    tcase_add_test(tc, tab_fsal_flag_matches_coefficients);
    tcase_add_test(tc, tab_dense_output_has_its_order);
    tcase_add_test(tc, tab_xpp_names_map_to_ours);
    tcase_add_test(tc, tab_xpp_missing_methods_suggest_ours);
    tcase_add_test(tc, tab_unknown_names_get_the_nearest);
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

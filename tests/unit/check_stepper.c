/* check_stepper.c - the method registry (every tableau and every other
 * method, found by name in any case), XPPAUT's method names, and the
 * computations the steppers share: the error norm and the initial step. */
#include "stepper.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "erk.h"
#include "tableau.h"

START_TEST(stepper_registry_holds_every_tableau_first)
{
    ck_assert_uint_ge(stepper_count(), tab_count());
    for (size_t i = 0; i < tab_count(); i++) {
        struct stepper_method m;
        stepper_at(i, &m);
        ck_assert_str_eq(m.name, tab_at(i)->name);
        ck_assert_int_eq(m.family, FAM_EXPLICIT);
        ck_assert(!m.needs_jac);
        ck_assert_ptr_eq(m.data, tab_at(i));
        ck_assert(stepper_adaptive(&m) == tab_adaptive(tab_at(i)));
        ck_assert_int_eq(stepper_err_order(&m), tab_err_order(tab_at(i)));
    }
}
END_TEST

START_TEST(stepper_names_are_unique_and_found_in_any_case)
{
    size_t n = stepper_count();
    for (size_t i = 0; i < n; i++) {
        struct stepper_method m, f;
        char upper[64];
        stepper_at(i, &m);
        ck_assert_ptr_nonnull(m.name);
        ck_assert_ptr_nonnull(m.desc);
        ck_assert(m.create != NULL);
        ck_assert_uint_lt(strlen(m.name), sizeof upper);
        for (size_t k = 0; k <= strlen(m.name); k++)
            upper[k] = (char)(m.name[k] >= 'a' && m.name[k] <= 'z' ? m.name[k] - 32 : m.name[k]);
        ck_assert(stepper_find(upper, &f));
        ck_assert_str_eq(f.name, m.name);
        for (size_t j = i + 1; j < n; j++) {
            struct stepper_method o;
            stepper_at(j, &o);
            ck_assert_str_ne(o.name, m.name);
        }
        /* An implicit method needs J; an explicit one never does, nor
           the Volterra method, which forms its own matrix. */
        ck_assert(m.needs_jac == (m.family != FAM_EXPLICIT && m.family != FAM_VOLTERRA));
    }
    struct stepper_method m;
    ck_assert(!stepper_find("dopri", &m));
    ck_assert(!stepper_find(NULL, &m));
    ck_assert(!stepper_find("", &m));
}
END_TEST

START_TEST(stepper_xpp_names_map_to_ours)
{
    const char *near = "unset";
    ck_assert_str_eq(stepper_from_xpp("euler", &near), "euler");
    ck_assert_str_eq(stepper_from_xpp("Euler", &near), "euler");
    ck_assert_str_eq(stepper_from_xpp("modeuler", &near), "heun");
    ck_assert_str_eq(stepper_from_xpp("rungekutta", &near), "rk4");
    ck_assert_str_eq(stepper_from_xpp("RK4", &near), "rk4");
    ck_assert_str_eq(stepper_from_xpp("dorprin", &near), "dopri5");
    ck_assert_str_eq(stepper_from_xpp("5dp", &near), "dopri5");
    ck_assert_str_eq(stepper_from_xpp("bosh3", &near), "bosh3");
    ck_assert_str_eq(stepper_from_xpp("ralston", &near), "ralston");
    ck_assert_str_eq(stepper_from_xpp("midpoint", &near), "midpoint");
    ck_assert_str_eq(stepper_from_xpp("runge", &near), "rk4");
    ck_assert_str_eq(stepper_from_xpp("dopri", &near), "dopri5");
    ck_assert_str_eq(stepper_from_xpp("r", &near), "rk4");
    ck_assert_str_eq(stepper_from_xpp("m", &near), "heun");
    ck_assert_str_eq(stepper_from_xpp("5", &near), "dopri5");
    ck_assert_str_eq(stepper_from_xpp("83dp", &near), "dop853");
    ck_assert_str_eq(stepper_from_xpp("dp83", &near), "dop853");
    ck_assert_str_eq(stepper_from_xpp("8", &near), "dop853");
    ck_assert_str_eq(stepper_from_xpp("DOP853", &near), "dop853");
    /* XPPAUT's adaptive nonstiff methods: an adaptive RK pair does their
       work. */
    ck_assert_str_eq(stepper_from_xpp("adams", &near), "dopri5");
    ck_assert_str_eq(stepper_from_xpp("qualrk", &near), "dopri5");
    ck_assert_str_eq(near, "unset");
}
END_TEST

/* XPPAUT's stiff and implicit methods map to ours when registered, and
   suggest dopri5 otherwise. */
START_TEST(stepper_xpp_stiff_names_map_to_the_stiff_methods)
{
    static const struct { const char *xpp, *ours; } map[] = {
        { "gear", "bdf" }, { "stiff", "bdf" }, { "cvode", "bdf" }, { "CVODE", "bdf" },
        { "g", "bdf" }, { "s", "bdf" }, { "c", "bdf" }, { "2rb", "ros23" },
        { "rb23", "ros23" }, { "backeuler", "backeul" }, { "backeul", "backeul" },
        { "b", "backeul" }, { "volterra", "volterra" }, { "v", "volterra" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        struct stepper_method m;
        const char *near = NULL, *got = stepper_from_xpp(map[i].xpp, &near);
        if (stepper_find(map[i].ours, &m)) {
            ck_assert_msg(got && !strcmp(got, map[i].ours), "%s -> %s", map[i].xpp,
                          got ? got : "NULL");
        } else {
            ck_assert_ptr_null(got);
            ck_assert_msg(near && !strcmp(near, "dopri5"), "%s -> %s", map[i].xpp,
                          near ? near : "NULL");
        }
    }
    const char *near = NULL;
    ck_assert_str_eq(stepper_from_xpp("volterra", &near), "volterra");
    ck_assert_str_eq(stepper_from_xpp("v", &near), "volterra");
    ck_assert_str_eq(stepper_from_xpp("discrete", &near), "discrete");
    ck_assert_str_eq(stepper_from_xpp("disc", &near), "discrete");
    ck_assert_str_eq(stepper_from_xpp("d", &near), "discrete");
    ck_assert_str_eq(stepper_from_xpp("ymp", &near), "symplectic");
    ck_assert_str_eq(stepper_from_xpp("y", &near), "symplectic");
    ck_assert_ptr_null(stepper_from_xpp("nosuch", NULL));
}
END_TEST

/* --xpp replays qualrk as XPPAUT runs it (rkqs); the other names have
   no replay and run what stepper_from_xpp maps them to. */
START_TEST(stepper_xpp_replay_names_rkqs_for_qualrk_only)
{
    struct stepper_method m;
    const char *qual[] = { "qualrk", "QualRK", "qualrk4", "q", "Q", "qual" };
    const char *other[] = { "rungekutta", "dopri5", "cvode", "gear", "5dp", "qu_x", "",
                            "rkqs" };
    for (size_t i = 0; i < sizeof qual / sizeof qual[0]; i++)
        ck_assert_str_eq(stepper_xpp_replay(qual[i]), "rkqs");
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        ck_assert_ptr_null(stepper_xpp_replay(other[i]));
    ck_assert_ptr_null(stepper_xpp_replay(NULL));
    ck_assert(stepper_find("rkqs", &m));
    ck_assert(stepper_adaptive(&m));
    ck_assert_int_eq(m.family, FAM_EXPLICIT);
    ck_assert_int_eq(m.order, 5);
    /* Without --xpp qualrk stays our own adaptive pair. */
    ck_assert_str_eq(stepper_from_xpp("qualrk", NULL), "dopri5");
}
END_TEST

START_TEST(stepper_unknown_names_get_the_nearest)
{
    const char *near = NULL;
    ck_assert_ptr_null(stepper_from_xpp("dopr5", &near));
    ck_assert_str_eq(near, "dopri5");
    /* Another tool's name for dopri5 is read in a file too. */
    ck_assert_str_eq(stepper_from_xpp("RK45", &near), "dopri5");
    ck_assert_ptr_null(stepper_from_xpp("rungekuta", &near));
    ck_assert_str_eq(near, "rk4");
    ck_assert_ptr_null(stepper_from_xpp("heum", &near));
    ck_assert_str_eq(near, "heun");
    ck_assert_ptr_null(stepper_from_xpp("", &near));
    ck_assert_ptr_nonnull(near);
    ck_assert_ptr_null(stepper_from_xpp("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                                        &near));
    ck_assert_ptr_nonnull(near);
    ck_assert_str_eq(stepper_closest("bosh"), "bosh3");
    ck_assert_str_eq(stepper_closest("DOPRI"), "dopri5");
    ck_assert_ptr_nonnull(stepper_closest(NULL));
}
END_TEST

START_TEST(stepper_other_tools_names_are_aliases)
{
    static const char *const pairs[][2] = {
        { "ode45", "dopri5" }, { "RK45", "dopri5" }, { "ode23", "bosh3" },
        { "rk23", "bosh3" }, { "DOP853", "dop853" }, { "Tsit5", "tsit5" },
        { "Vern7", "vern7" }, { "VERN9", "vern9" }, { "ode15s", "bdf" },
        { "ode23s", "ros23" }, { "Radau", "radau5" },
    };
    struct stepper_method m;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        ck_assert_msg(stepper_find(pairs[i][0], &m), "%s not found", pairs[i][0]);
        ck_assert_str_eq(m.name, pairs[i][1]);
    }
    ck_assert(!stepper_find("ode113", &m));
}
END_TEST

START_TEST(stepper_suggestions_keep_the_kind)
{
    struct stepper_method m;
    /* Another tool's method: ours of the same kind. */
    ck_assert_str_eq(stepper_suggest("ode113"), "vern7");
    ck_assert_str_eq(stepper_suggest("LSODA"), "auto");
    ck_assert_str_eq(stepper_suggest("ode23tb"), "kvaerno3");
    /* A stiff-sounding name gets a stiff method, whatever the spelling
       is closest to. */
    ck_assert_str_eq(stepper_suggest("ode15x"), "bdf");
    ck_assert_str_eq(stepper_suggest("radau3"), "radau5");
    ck_assert(stepper_find(stepper_suggest("ros34"), &m) && m.family == FAM_ROSENBROCK);
    /* An explicit one an explicit method, through the aliases. */
    ck_assert_str_eq(stepper_suggest("rk45x"), "dopri5");
    ck_assert(stepper_find(stepper_suggest("dopri8"), &m) && m.family == FAM_EXPLICIT);
    ck_assert_ptr_nonnull(stepper_suggest(""));
    ck_assert_ptr_nonnull(stepper_suggest(NULL));
}
END_TEST

/* err / (atol + rtol max(|y|, |y1|)) reduced as the norm says. */
START_TEST(stepper_err_norm_scales_and_flags_nonfinite)
{
    struct stepper_cfg cfg = { .rtol = 0.1, .atol = 1.0, .norm = NORM_RMS };
    double y[2] = { 0.0, 10.0 }, y1[2] = { 0.0, -20.0 }, err[2] = { 1.0, 6.0 };
    /* scales 1 and 3: q = (1, 2) */
    ck_assert_double_eq_tol(stepper_err_norm(&cfg, err, y, y1, 2), sqrt(2.5), 1e-15);
    cfg.norm = NORM_MAX;
    ck_assert_double_eq_tol(stepper_err_norm(&cfg, err, y, y1, 2), 2.0, 1e-15);
    double av[2] = { 2.0, 1.0 };
    cfg.atol_vec = av;
    ck_assert_double_eq_tol(stepper_err_norm(&cfg, err, y, y1, 2), 2.0, 1e-15);
    err[0] = 8.0;
    ck_assert_double_eq_tol(stepper_err_norm(&cfg, err, y, y1, 2), 4.0, 1e-15);
    y1[1] = NAN;
    ck_assert(isnan(stepper_err_norm(&cfg, err, y, y1, 2)));
    y1[1] = INFINITY;
    ck_assert(!isfinite(stepper_err_norm(&cfg, err, y, y1, 2)));
    cfg.norm = NORM_RMS;
    ck_assert_double_eq(stepper_err_norm(&cfg, err, y, y1, 0), 0.0);
}
END_TEST

static int decay(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    f[0] = -3.0 * y[0];
    f[1] = y[0] - y[1] * y[1];
    return 0;
}

/* y' = -y, y0 = 1: d0 = d1 = 1/sc, h0 = 0.01, d2 = 1/sc, so h =
   min(100 h0, (0.01 sc)^(1/5), hmax) with sc = atol + rtol (HNW II.4). */
static int minus_y(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    f[0] = -y[0];
    return 0;
}

START_TEST(stepper_initial_step_follows_hairer_wanner)
{
    struct ode_problem prob = { .n_states = 1, .rhs = minus_y };
    struct stepper_cfg cfg = { .prob = &prob, .rtol = 1e-6, .atol = 1e-6, .adaptive = true };
    struct stepper_stats st = { 0 };
    double y0[1] = { 1.0 }, f0[1] = { -1.0 }, w1[1], w2[1], h, av[1] = { 1e-6 };

    ck_assert_int_eq(stepper_initial_step(&cfg, &st, 0.0, y0, f0, 1.0, 10.0, 5, w1, w2, &h), 0);
    ck_assert_double_eq_tol(h, pow(0.01 * 2e-6, 0.2), 1e-12);
    ck_assert_int_eq(st.nfev, 1);
    /* hmax caps it, and backwards works the same. */
    ck_assert_int_eq(stepper_initial_step(&cfg, &st, 0.0, y0, f0, -1.0, 1e-3, 5, w1, w2, &h), 0);
    ck_assert(h == 1e-3);
    /* Per-state absolute tolerances take atol's place. */
    cfg.atol = 1.0;
    cfg.atol_vec = av;
    ck_assert_int_eq(stepper_initial_step(&cfg, &st, 0.0, y0, f0, 1.0, 10.0, 5, w1, w2, &h), 0);
    ck_assert_double_eq_tol(h, pow(0.01 * 2e-6, 0.2), 1e-12);
}
END_TEST

/* An explicit method's first step is the shared one (the stepper runs
   it on its own first stage): dopri5 through the registry. */
START_TEST(stepper_erk_takes_the_shared_initial_step)
{
    struct ode_problem prob = { .n_states = 2, .rhs = decay };
    struct stepper_cfg cfg = { .prob = &prob, .rtol = 1e-6, .atol = 1e-9, .adaptive = true };
    struct stepper_stats st = { 0 };
    struct stepper_method m;
    struct stepper s;
    double y0[2] = { 1.0, 0.5 }, f0[2], w1[2], w2[2], h_erk, h;

    ck_assert(stepper_find("dopri5", &m));
    ck_assert_int_eq(stepper_new(&s, &m, &cfg), 0);
    memcpy(s.y, y0, sizeof y0);
    ck_assert_int_eq(s.ops->begin(&s, 0.0, false, 1.0), 0);
    ck_assert_int_eq(s.ops->initial_step(&s, 0.0, 1.0, 10.0, &h_erk), 0);
    ck_assert_int_eq(s.st.nfev, 2);
    decay(NULL, 0.0, y0, NULL, f0);
    ck_assert_int_eq(stepper_initial_step(&cfg, &st, 0.0, y0, f0, 1.0, 10.0, 5, w1, w2, &h), 0);
    ck_assert(h == h_erk);
    stepper_free(&s);
}
END_TEST

static Suite *stepper_suite(void)
{
    Suite *s = suite_create("stepper");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, stepper_registry_holds_every_tableau_first);
    tcase_add_test(tc, stepper_names_are_unique_and_found_in_any_case);
    tcase_add_test(tc, stepper_xpp_names_map_to_ours);
    tcase_add_test(tc, stepper_xpp_stiff_names_map_to_the_stiff_methods);
    tcase_add_test(tc, stepper_xpp_replay_names_rkqs_for_qualrk_only);
    tcase_add_test(tc, stepper_unknown_names_get_the_nearest);
    tcase_add_test(tc, stepper_other_tools_names_are_aliases);
    tcase_add_test(tc, stepper_suggestions_keep_the_kind);
    tcase_add_test(tc, stepper_err_norm_scales_and_flags_nonfinite);
    tcase_add_test(tc, stepper_initial_step_follows_hairer_wanner);
    tcase_add_test(tc, stepper_erk_takes_the_shared_initial_step);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stepper_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

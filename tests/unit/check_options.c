/* check_options.c - command-line parsing. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "problem.h"

static int parse(struct cli_options *o, char *err, size_t errlen, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, errlen);
    argv[argc++] = "odesolve";
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return cli_parse(argc, argv, o, err, errlen);
}

START_TEST(options_unset_values_are_nan)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", NULL), 0);
    ck_assert_str_eq(o.model_path, "m.ode");
    ck_assert(isnan(o.rtol) && isnan(o.t1) && isnan(o.dt));
    ck_assert_int_eq(o.max_steps, -1);
    cli_options_free(&o);
}
END_TEST

START_TEST(options_parse_numbers_and_flags)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "--rtol", "1e-8", "m.ode", "--atol=1e-10",
                           "--save-steps", "--no-jit", "--stats", "--max-steps", "500",
                           "-o", "x.csv", "--t1", "-3", NULL), 0);
    ck_assert(o.rtol == 1e-8 && o.atol == 1e-10 && o.t1 == -3);
    ck_assert(o.save_steps && o.no_jit && o.stats);
    ck_assert_int_eq(o.max_steps, 500);
    ck_assert_str_eq(o.output, "x.csv");
    cli_options_free(&o);
}
END_TEST

START_TEST(options_collect_repeated_assignments)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "-p", "a=1", "-p", "bb=-2.5",
                           "-i", "x=3", NULL), 0);
    ck_assert_uint_eq(o.n_params, 2);
    ck_assert_uint_eq(o.params[1].name_len, 2);
    ck_assert(strncmp(o.params[1].name, "bb", 2) == 0 && o.params[1].value == -2.5);
    ck_assert_uint_eq(o.n_inits, 1);
    ck_assert(o.inits[0].value == 3);
    cli_options_free(&o);
}
END_TEST

START_TEST(options_reject_bad_values)
{
    static const char *bad[][3] = {
        { "--rtol", "abc", "not a number" }, { "--rtol", "-1", "positive" },
        { "--dt", "1e999", "out of range" }, { "-p", "a", "NAME=VALUE" },
        { "-p", "a=x", "not a number" }, { "--max-steps", "2.5", "whole" },
        { "--jit", "gcc9", "unknown backend" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cli_options o;
        char err[256] = "";
        ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", bad[i][0], bad[i][1], NULL),
                         ODE_EINVAL);
        ck_assert_msg(strstr(err, bad[i][2]), "'%s' lacks '%s'", err, bad[i][2]);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(options_reject_usage_errors)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, NULL), ODE_EINVAL);
    ck_assert(strstr(err, "no model"));
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "a.ode", "b.ode", NULL), ODE_EINVAL);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "a.ode", "--bogus", NULL), ODE_EINVAL);
    ck_assert(strstr(err, "--bogus"));
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "a.ode", "--rtol", NULL), ODE_EINVAL);
    ck_assert(strstr(err, "needs a value"));
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "a.ode", "--t1", "3", "--total", "2", NULL),
                     ODE_EINVAL);
    cli_options_free(&o);
}
END_TEST

START_TEST(options_help_needs_no_model)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "--help", NULL), 0);
    ck_assert_int_eq(o.action, CLI_HELP);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "--list-solvers", NULL), 0);
    ck_assert_int_eq(o.action, CLI_LIST_SOLVERS);
    cli_options_free(&o);
}
END_TEST

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, options_unset_values_are_nan);
    tcase_add_test(tc, options_parse_numbers_and_flags);
    tcase_add_test(tc, options_collect_repeated_assignments);
    tcase_add_test(tc, options_reject_bad_values);
    tcase_add_test(tc, options_reject_usage_errors);
    tcase_add_test(tc, options_help_needs_no_model);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(options_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_options.c - command-line parsing. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    ck_assert_int_eq(o.repeat, 1);
    cli_options_free(&o);
}
END_TEST

START_TEST(options_parse_numbers_and_flags)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "--rtol", "1e-8", "m.ode", "--atol=1e-10",
                           "--save-steps", "--no-jit", "--stats", "--max-steps", "500",
                           "-o", "x.csv", "--t1", "-3", "--repeat", "7", NULL), 0);
    ck_assert(o.rtol == 1e-8 && o.atol == 1e-10 && o.t1 == -3);
    ck_assert(o.save_steps && o.no_jit && o.stats);
    ck_assert_int_eq(o.max_steps, 500);
    ck_assert_int_eq(o.repeat, 7);
    ck_assert_str_eq(o.output, "x.csv");
    cli_options_free(&o);
}
END_TEST

START_TEST(options_format_and_no_header)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--format", "TSV", "--no-header",
                           NULL), 0);
    ck_assert_str_eq(o.format, "TSV");
    ck_assert(o.no_header && !o.format_xpp);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--format", "h5", "--format", "xpp",
                           NULL), 0);
    ck_assert(o.format_xpp && !o.format && !o.no_header);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--format", "xlsx", NULL), ODE_EINVAL);
    ck_assert_str_eq(err, "--format: unknown format 'xlsx' (csv, tsv, h5 or xpp)");
    cli_options_free(&o);
}
END_TEST

START_TEST(options_assignments_take_lists)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "-p", "a=1,bb=-2.5", "-i",
                           "v=-60,w=0.1", "-p", "c=3", NULL), 0);
    ck_assert_uint_eq(o.n_params, 3);
    ck_assert_uint_eq(o.n_inits, 2);
    ck_assert(o.params[0].name_len == 1 && strncmp(o.params[0].name, "a", 1) == 0);
    ck_assert(o.params[1].name_len == 2 && strncmp(o.params[1].name, "bb", 2) == 0);
    ck_assert(o.params[0].value == 1 && o.params[1].value == -2.5 && o.params[2].value == 3);
    ck_assert(o.inits[1].name_len == 1 && o.inits[1].value == 0.1);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "-p", "a=1,", NULL), ODE_EINVAL);
    ck_assert_str_eq(err, "-p: expected NAME=VALUE[,NAME=VALUE...], got 'a=1,'");
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "-i", "x=1,y=z", NULL), ODE_EINVAL);
    ck_assert_str_eq(err, "-i: 'z' is not a number (in 'x=1,y=z')");
    cli_options_free(&o);
}
END_TEST

START_TEST(options_unknown_option_gets_a_suggestion)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--sav-final", NULL), ODE_EINVAL);
    ck_assert_str_eq(err, "unknown option '--sav-final' (did you mean '--save-final'?)");
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--rtoll=3", NULL), ODE_EINVAL);
    ck_assert_str_eq(err, "unknown option '--rtoll=3' (did you mean '--rtol'?)");
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--frobnicate", NULL), ODE_EINVAL);
    ck_assert_str_eq(err, "unknown option '--frobnicate'");
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
        { "--repeat", "0", "positive" }, { "--repeat", "3.5", "whole" },
        { "--repeat", "2e6", "up to 1000000" },
        { "--jit", "gcc9", "unknown backend" }, { "--norm", "l2", "rms or max" },
        { "--atol", "-1", "positive" }, { "--atol", "x=0", "positive" },
        { "--atol", "x=", "not a number" }, { "--atol", "=1e-3", "NAME=X" },
        { "--atol", "1e-3,,x=1", "separated by commas" }, { "--atol", "x=1e-3,", "commas" },
        { "--tstops", "1,a", "'a' is not a time" }, { "--tstops", "", "not a time" },
        { "--save-at", "1,,2", "'' is not a time" },
        { "--save-at", "no-such-file", "neither a file nor a time" },
        { "--controller", "pdi", "unknown controller" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cli_options o;
        char err[512] = "";
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

START_TEST(options_controller_presets_by_name)
{
    struct cli_options o;
    char err[512];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", NULL), 0);
    ck_assert_int_eq(o.controller, CTL_DEFAULT);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--controller", "h312pid", NULL), 0);
    ck_assert_int_eq(o.controller, CTL_H312PID);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--controller=H211B", NULL), 0);
    ck_assert_int_eq(o.controller, CTL_H211B);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--controller", "constant", NULL), 0);
    ck_assert_int_eq(o.controller, CTL_CONSTANT);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--controller", "h312", NULL),
                     ODE_EINVAL);
    ck_assert_msg(strstr(err, "unknown controller 'h312'") && strstr(err, "h312pid") &&
                  strstr(err, "h321"), "%s", err);
    cli_options_free(&o);
}
END_TEST

START_TEST(options_norm_and_per_state_atol)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", NULL), 0);
    ck_assert_int_eq(o.norm, NORM_RMS);
    ck_assert(isnan(o.atol) && o.n_atols == 0);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--norm", "max", "--atol",
                           "1e-8,x=1e-3", "--atol", "yy=2e-9", NULL), 0);
    ck_assert_int_eq(o.norm, NORM_MAX);
    ck_assert(o.atol == 1e-8);
    ck_assert_uint_eq(o.n_atols, 2);
    ck_assert(o.atols[0].name_len == 1 && o.atols[0].name[0] == 'x' && o.atols[0].value == 1e-3);
    ck_assert(o.atols[1].name_len == 2 && strncmp(o.atols[1].name, "yy", 2) == 0 &&
              o.atols[1].value == 2e-9);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--norm", "RMS", "--atol", "x=1", NULL),
                     0);
    ck_assert_int_eq(o.norm, NORM_RMS);
    ck_assert(isnan(o.atol) && o.n_atols == 1);
    cli_options_free(&o);
}
END_TEST

/* Writes text to a temporary file and returns its name (static buffer). */
static const char *temp_file(const char *text)
{
    static char name[64];
    strcpy(name, "/tmp/check_options_XXXXXX");
    int fd = mkstemp(name);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return name;
}

START_TEST(options_time_lists_and_files)
{
    struct cli_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--tstops", "1, 2.5,3e0",
                           "--save-at", "0,0.5", "--save-at", "7", NULL), 0);
    ck_assert_uint_eq(o.n_tstops, 3);
    ck_assert(o.tstops[0] == 1 && o.tstops[1] == 2.5 && o.tstops[2] == 3);
    /* The last --save-at wins. */
    ck_assert_uint_eq(o.n_save_at, 1);
    ck_assert(o.save_at[0] == 7);
    cli_options_free(&o);

    const char *path = temp_file("# times\n0.25\n  1.5   # the switch\n\n\t4\n1e1");
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--save-at", path, NULL), 0);
    ck_assert_uint_eq(o.n_save_at, 4);
    ck_assert(o.save_at[0] == 0.25 && o.save_at[1] == 1.5 && o.save_at[2] == 4 &&
              o.save_at[3] == 10);
    cli_options_free(&o);
    /* --tstops reads no file. */
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--tstops", path, NULL), ODE_EINVAL);
    ck_assert_msg(strstr(err, "is not a time"), "%s", err);
    cli_options_free(&o);
    unlink(path);

    path = temp_file("1\n2 3\n");
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--save-at", path, NULL), ODE_EINVAL);
    ck_assert_msg(strstr(err, ":2: '2 3' is not a time"), "%s", err);
    cli_options_free(&o);
    unlink(path);
    path = temp_file("# nothing\n\n");
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--save-at", path, NULL), ODE_EINVAL);
    ck_assert_msg(strstr(err, "holds no times"), "%s", err);
    cli_options_free(&o);
    unlink(path);
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--save-at", "/tmp", NULL), ODE_EINVAL);
    ck_assert_msg(strstr(err, "/tmp: Is a directory"), "%s", err);
    cli_options_free(&o);
}
END_TEST

START_TEST(options_save_modes_exclude_each_other)
{
    static const char *modes[][2] = {
        { "--save-every", "0.1" }, { "--save-steps", NULL }, { "--save-at", "1,2" },
        { "--save-final", NULL },
    };
    struct cli_options o;
    char err[256];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            char *argv[8] = { "odesolve", "m.ode" };
            int argc = 2;
            argv[argc++] = (char *)modes[i][0];
            if (modes[i][1])
                argv[argc++] = (char *)modes[i][1];
            argv[argc++] = (char *)modes[j][0];
            if (modes[j][1])
                argv[argc++] = (char *)modes[j][1];
            argv[argc] = NULL;
            int rc = cli_parse(argc, argv, &o, err, sizeof err);
            if (i == j) {
                ck_assert_int_eq(rc, 0);
            } else {
                ck_assert_int_eq(rc, ODE_EINVAL);
                ck_assert_msg(strstr(err, "exclude each other"), "%s", err);
            }
            cli_options_free(&o);
        }
    ck_assert_int_eq(parse(&o, err, sizeof err, "m.ode", "--save-final", "-q", NULL), 0);
    ck_assert(o.save_final && o.quiet && !o.save_steps && !o.save_at);
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
    tcase_add_test(tc, options_format_and_no_header);
    tcase_add_test(tc, options_assignments_take_lists);
    tcase_add_test(tc, options_unknown_option_gets_a_suggestion);
    tcase_add_test(tc, options_reject_bad_values);
    tcase_add_test(tc, options_reject_usage_errors);
    tcase_add_test(tc, options_help_needs_no_model);
    tcase_add_test(tc, options_controller_presets_by_name);
    tcase_add_test(tc, options_norm_and_per_state_atol);
    tcase_add_test(tc, options_time_lists_and_files);
    tcase_add_test(tc, options_save_modes_exclude_each_other);
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

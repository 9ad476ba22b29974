/* check_ensemble_io.c - the members file reader, the --sweep parser and
 * the names they use: values, line ends, every refusal and its message. */
#include "ensemble_io.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "problem.h"

static int parse(const char *text, size_t max_cols, struct cli_table *t, char *err)
{
    return cli_table_parse("m.csv", text, strlen(text), max_cols, t, err, 256);
}

/* Parses text (len bytes) that must be refused, and returns the message. */
static const char *refused_n(const char *text, size_t len, size_t max_cols)
{
    static char err[256];
    struct cli_table t;
    err[0] = '\0';
    ck_assert_int_eq(cli_table_parse("m.csv", text, len, max_cols, &t, err, sizeof err),
                     ODE_EINVAL);
    cli_table_free(&t);
    return err;
}

static const char *refused(const char *text, size_t max_cols)
{
    return refused_n(text, strlen(text), max_cols);
}

START_TEST(table_reads_names_and_rows)
{
    struct cli_table t;
    char err[256];
    ck_assert_int_eq(parse("a,b\n1,2.5\n-3,1e-3\n", 10, &t, err), 0);
    ck_assert_uint_eq(t.n_cols, 2);
    ck_assert_uint_eq(t.n_rows, 2);
    ck_assert_str_eq(t.names[0], "a");
    ck_assert_str_eq(t.names[1], "b");
    ck_assert(t.values[0] == 1 && t.values[1] == 2.5);
    ck_assert(t.values[2] == -3 && t.values[3] == 1e-3);
    cli_table_free(&t);
}
END_TEST

START_TEST(table_accepts_bom_crlf_cr_comments_blanks_and_tabs)
{
    const char *texts[] = {
        "\xef\xbb\xbf" "a,b\r\n1,2\r\n3,4\r\n",
        "a,b\r1,2\r3,4",
        "# members\n\na , \"b\"\n  1,2 \n\n# the second\n3,\t4\n\n",
        "a\tb\n1\t2\n3\t4\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        struct cli_table t;
        char err[256];
        ck_assert_msg(parse(texts[i], 10, &t, err) == 0, "text %zu: %s", i, err);
        ck_assert_uint_eq(t.n_cols, 2);
        ck_assert_uint_eq(t.n_rows, 2);
        ck_assert_str_eq(t.names[0], "a");
        ck_assert_str_eq(t.names[1], "b");
        ck_assert(t.values[0] == 1 && t.values[1] == 2 && t.values[2] == 3 && t.values[3] == 4);
        cli_table_free(&t);
    }
}
END_TEST

START_TEST(table_refusals_name_line_row_and_column)
{
    ck_assert_str_eq(refused("a,b\n1,2\n3,x1\n", 10),
                     "m.csv:3: row 2, column 'b': 'x1' is not a number");
    ck_assert_str_eq(refused("a,b\n1,2\n\n3\n", 10),
                     "m.csv:4: row 2 has 1 value; the header has 2 columns");
    ck_assert_str_eq(refused("a,b\n1,2,3\n", 10),
                     "m.csv:2: row 1 has 3 values; the header has 2 columns");
    ck_assert_str_eq(refused("a,b\n1, \n", 10),
                     "m.csv:2: row 1, column 'b': the cell is empty");
    ck_assert_str_eq(refused("a,b\nNaN,1\n", 10),
                     "m.csv:2: row 1, column 'a': 'NaN' is not a finite number");
    ck_assert_str_eq(refused("a,b\n-inf,1\n", 10),
                     "m.csv:2: row 1, column 'a': '-inf' is not a finite number");
    ck_assert_str_eq(refused("a,b\n1e400,1\n", 10),
                     "m.csv:2: row 1, column 'a': '1e400' is not a finite number");
    ck_assert_str_eq(refused("", 10),
                     "m.csv: the file is empty: expected a header naming parameters or "
                     "states, then one row of values per member");
    ck_assert_str_eq(refused("\xef\xbb\xbf\r\n# x\r\n", 10),
                     "m.csv: the file is empty: expected a header naming parameters or "
                     "states, then one row of values per member");
    ck_assert_str_eq(refused("a,b\n", 10),
                     "m.csv:1: the header is not followed by any row of values");
    ck_assert_str_eq(refused("b,a,b\n1,2,3\n", 10),
                     "m.csv:1: column 'b' appears twice (columns 1 and 3)");
    ck_assert_str_eq(refused("a,,b\n1,2,3\n", 10),
                     "m.csv:1: column 2 of the header has no name");
    ck_assert_str_eq(refused("a,b,c\n1,2,3\n", 2),
                     "m.csv:1: the header has 3 columns, more than the 2 parameters and "
                     "states the model can set");
    ck_assert_str_eq(refused_n("\xff\xfe" "a\0", 4, 10),
                     "m.csv: the file is UTF-16; save it as UTF-8 or ASCII");
    ck_assert_str_eq(refused_n("a\n1\0\n", 5, 10), "m.csv: not a text file (it holds a NUL byte)");
}
END_TEST

START_TEST(table_refuses_a_million_columns_before_reading_them)
{
    size_t n = 1000000;
    char *text = malloc(3 * n + 8);
    ck_assert_ptr_nonnull(text);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        text[len++] = 'c';
        text[len++] = i + 1 < n ? ',' : '\n';
    }
    text[len++] = '1';
    ck_assert_str_eq(refused_n(text, len, 6),
                     "m.csv:1: the header has 1000000 columns, more than the 6 parameters "
                     "and states the model can set");
    free(text);
}
END_TEST

START_TEST(sweep_range_is_evenly_spaced_with_both_ends)
{
    struct cli_sweep sw;
    char err[256];
    ck_assert_int_eq(cli_sweep_parse("r=20:40:101", &sw, err, sizeof err), 0);
    ck_assert_str_eq(sw.name, "r");
    ck_assert_uint_eq(sw.n, 101);
    ck_assert(sw.values[0] == 20);
    ck_assert(sw.values[100] == 40);
    ck_assert(sw.values[50] == 30);
    ck_assert(sw.values[1] == 20 + 0.2);
    for (size_t i = 1; i < sw.n; i++)
        ck_assert(sw.values[i] > sw.values[i - 1]);
    cli_sweep_free(&sw);
    /* Downwards, and one point. */
    ck_assert_int_eq(cli_sweep_parse("x(0)=1:-1:3", &sw, err, sizeof err), 0);
    ck_assert_str_eq(sw.name, "x(0)");
    ck_assert(sw.n == 3 && sw.values[0] == 1 && sw.values[1] == 0 && sw.values[2] == -1);
    cli_sweep_free(&sw);
    ck_assert_int_eq(cli_sweep_parse("a=5:7:1", &sw, err, sizeof err), 0);
    ck_assert(sw.n == 1 && sw.values[0] == 5);
    cli_sweep_free(&sw);
}
END_TEST

START_TEST(sweep_list_keeps_its_order)
{
    struct cli_sweep sw;
    char err[256];
    ck_assert_int_eq(cli_sweep_parse("a=0.1,0.5,2,-1e3", &sw, err, sizeof err), 0);
    ck_assert_uint_eq(sw.n, 4);
    ck_assert(sw.values[0] == 0.1 && sw.values[1] == 0.5 && sw.values[2] == 2 &&
              sw.values[3] == -1e3);
    cli_sweep_free(&sw);
    ck_assert_int_eq(cli_sweep_parse("a=3", &sw, err, sizeof err), 0);
    ck_assert(sw.n == 1 && sw.values[0] == 3);
    cli_sweep_free(&sw);
}
END_TEST

START_TEST(sweep_refusals_say_what_is_wrong)
{
    static const struct { const char *arg, *msg; } cases[] = {
        { "a", "--sweep: expected NAME=START:STOP:COUNT or NAME=V1,V2,..., got 'a'" },
        { "=1,2", "--sweep: expected NAME=START:STOP:COUNT or NAME=V1,V2,..., got '=1,2'" },
        { "a=0:1", "--sweep a=0:1: a range is START:STOP:COUNT" },
        { "a=0:1:2:3", "--sweep a=0:1:2:3: a range is START:STOP:COUNT" },
        { "a=x:1:3", "--sweep a=x:1:3: the start 'x' is not a finite number" },
        { "a=0:inf:3", "--sweep a=0:inf:3: the stop 'inf' is not a finite number" },
        { "a=0:1:0", "--sweep a=0:1:0: the count '0' is not a whole number >= 1" },
        { "a=0:1:2.5", "--sweep a=0:1:2.5: the count '2.5' is not a whole number >= 1" },
        { "a=0:1:1e9", "--sweep a=0:1:1e9: more than 100000000 points" },
        { "a=-1e308:1e308:3", "--sweep a=-1e308:1e308:3: the range is too wide" },
        { "a=1,,2", "--sweep a=1,,2: '' is not a finite number" },
        { "a=1,nan", "--sweep a=1,nan: 'nan' is not a finite number" },
        { "a=", "--sweep a=: '' is not a finite number" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct cli_sweep sw;
        char err[256] = "";
        ck_assert_int_eq(cli_sweep_parse(cases[i].arg, &sw, err, sizeof err), ODE_EINVAL);
        ck_assert_str_eq(err, cases[i].msg);
        ck_assert_ptr_null(sw.values);
        ck_assert_ptr_null(sw.name);
    }
}
END_TEST

static struct model *load(const char *text)
{
    struct model *m = NULL;
    char *src = strdup(text);
    ck_assert_ptr_nonnull(src);
    ck_assert_int_eq(check_load_text("t.ode", src, strlen(src), stderr, &m), 0);
    return m;
}

START_TEST(batch_resolves_names_and_makes_the_grid)
{
    struct model *m = load("par k=1, c=2\ninit x=1, y=0\nx' = -k*x\ny' = c\ndone\n");
    struct cli_table t;
    char err[1024];
    ck_assert_int_eq(parse("K,y(0)\n1,2\n3,4\n", 4, &t, err), 0);
    struct cli_sweep sw;
    ck_assert_int_eq(cli_sweep_parse("x=5,6,7", &sw, err, sizeof err), 0);
    ens_batch *b = NULL;
    ck_assert_int_eq(cli_ens_batch(m, "m.csv", &t, &sw, 1, &b, err, sizeof err), 0);
    ck_assert_uint_eq(ens_batch_members(b), 6);
    ck_assert_uint_eq(ens_batch_cols(b), 3);
    ck_assert(ens_batch_target(b, 0).kind == ENS_PARAM && ens_batch_target(b, 0).index == 0);
    ck_assert(ens_batch_target(b, 1).kind == ENS_INIT && ens_batch_target(b, 1).index == 1);
    ck_assert(ens_batch_target(b, 2).kind == ENS_INIT && ens_batch_target(b, 2).index == 0);
    /* The file is the outer axis, the sweep the inner one. */
    double v[3], p[2] = { 1, 2 }, y[2] = { 1, 0 };
    ens_batch_values(b, 4, v);
    ck_assert(v[0] == 3 && v[1] == 4 && v[2] == 6);
    ens_batch_apply(b, 5, p, y);
    ck_assert(p[0] == 3 && p[1] == 2 && y[0] == 7 && y[1] == 4);
    char name[32];
    cli_ens_column_name(m, ens_batch_target(b, 2), name, sizeof name);
    ck_assert_str_eq(name, "x(0)");
    ens_batch_free(b);

    /* Unknown names and names set twice. */
    struct cli_sweep bad;
    ck_assert_int_eq(cli_sweep_parse("z=1", &bad, err, sizeof err), 0);
    ck_assert_int_eq(cli_ens_batch(m, "m.csv", NULL, &bad, 1, &b, err, sizeof err), ODE_EINVAL);
    ck_assert_str_eq(err, "--sweep z=1: 'z' is not a parameter or state of t.ode; "
                          "parameters are: k, c; states are: x, y");
    cli_sweep_free(&bad);
    ck_assert_int_eq(cli_sweep_parse("k=1", &bad, err, sizeof err), 0);
    ck_assert_int_eq(cli_ens_batch(m, "m.csv", &t, &bad, 1, &b, err, sizeof err), ODE_EINVAL);
    ck_assert_str_eq(err, "--sweep k=1: 'k' is already set by column 'K' of m.csv");
    cli_sweep_free(&bad);
    cli_table_free(&t);
    ck_assert_int_eq(parse("k,q\n1,2\n", 4, &t, err), 0);
    ck_assert_int_eq(cli_ens_batch(m, "m.csv", &t, NULL, 0, &b, err, sizeof err), ODE_EINVAL);
    ck_assert_str_eq(err, "m.csv:1: unknown column 'q': not a parameter or state of t.ode; "
                          "parameters are: k, c; states are: x, y");
    cli_table_free(&t);
    cli_sweep_free(&sw);
    model_free(m);
}
END_TEST

static Suite *ensemble_io_suite(void)
{
    Suite *s = suite_create("ensemble_io");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, table_reads_names_and_rows);
    tcase_add_test(tc, table_accepts_bom_crlf_cr_comments_blanks_and_tabs);
    tcase_add_test(tc, table_refusals_name_line_row_and_column);
    tcase_add_test(tc, table_refuses_a_million_columns_before_reading_them);
    tcase_add_test(tc, sweep_range_is_evenly_spaced_with_both_ends);
    tcase_add_test(tc, sweep_list_keeps_its_order);
    tcase_add_test(tc, sweep_refusals_say_what_is_wrong);
    tcase_add_test(tc, batch_resolves_names_and_makes_the_grid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ensemble_io_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

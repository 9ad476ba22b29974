/* check_progress.c - the progress line: silent for the first second, at
 * most ten redraws a second, what it says, and wiped at the end. */
#include "progress.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static double fake_now;

static double fake_clock(void)
{
    return fake_now;
}

START_TEST(progress_waits_a_second_then_draws_ten_times_a_second)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(out);
    fake_now = 100.0;
    progress *pg = progress_new(out, 0.0, 50.0, fake_clock);
    ck_assert_ptr_nonnull(pg);

    fake_now = 100.9;
    progress_update(pg, 5.0, 256, 0.01);
    fflush(out);
    ck_assert_uint_eq(len, 0);

    fake_now = 101.0;
    progress_update(pg, 12.5, 512, 0.02);
    fflush(out);
    ck_assert_str_eq(buf, "\rodesolve:  25.0%  t = 12.5  steps 512  dt 0.02");
    size_t first = len;

    /* Within a tenth of a second of the last line: nothing. */
    fake_now = 101.05;
    progress_update(pg, 13.0, 768, 0.02);
    fflush(out);
    ck_assert_uint_eq(len, first);

    /* A shorter line is padded over the longer one; backwards steps show
       a positive dt. */
    fake_now = 101.2;
    progress_update(pg, 50.0, 1024, -0.5);
    fflush(out);
    ck_assert_str_eq(buf + first, "\rodesolve: 100.0%  t = 50  steps 1024  dt 0.5  ");

    size_t before_end = len;
    progress_free(pg);
    fflush(out);
    /* The width of the longest line, blanked, and the cursor back. */
    ck_assert_uint_eq(len - before_end, 2 + (first - 1));
    ck_assert(buf[before_end] == '\r' && buf[len - 1] == '\r');
    for (size_t i = before_end + 1; i < len - 1; i++)
        ck_assert(buf[i] == ' ');
    fclose(out);
    free(buf);
}
END_TEST

START_TEST(progress_short_runs_leave_nothing)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    fake_now = 0.0;
    progress *pg = progress_new(out, 1.0, 0.0, fake_clock);
    fake_now = 0.5;
    progress_update(pg, 0.5, 256, -0.1);
    progress_free(pg);
    fflush(out);
    ck_assert_uint_eq(len, 0);
    /* NULL is a reporter that does nothing. */
    progress_update(NULL, 0.0, 1, 1.0);
    progress_free(NULL);
    fclose(out);
    free(buf);
}
END_TEST

START_TEST(progress_counts_members_with_the_time_left)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(out);
    fake_now = 10.0;
    progress *pg = progress_new(out, 0.0, 1.0, fake_clock);
    ck_assert_ptr_nonnull(pg);
    fake_now = 10.5;
    progress_count(pg, 10, 100, "members");
    fflush(out);
    ck_assert_uint_eq(len, 0);
    /* 25 of 100 in 20 s: 60 s left at that pace. */
    fake_now = 30.0;
    progress_count(pg, 25, 100, "members");
    fflush(out);
    ck_assert_str_eq(buf, "\rodesolve: 25 of 100 members (25.0%)  ETA 0:01:00");
    size_t first = len;
    /* A shorter line wipes the end of the longer one. */
    fake_now = 4000.0;
    progress_count(pg, 99, 100, "m");
    fflush(out);
    ck_assert_str_eq(buf + first, "\rodesolve: 99 of 100 m (99.0%)  ETA 0:00:40      ");
    progress_free(pg);
    fclose(out);
    free(buf);
}
END_TEST

static Suite *progress_suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, progress_waits_a_second_then_draws_ten_times_a_second);
    tcase_add_test(tc, progress_short_runs_leave_nothing);
    tcase_add_test(tc, progress_counts_members_with_the_time_left);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(progress_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

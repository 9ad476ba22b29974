/* check_out.c - the CSV/TSV writer: exact numbers, separators, quoting,
 * files that appear only when complete, and write errors. */
#include "out.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "problem.h"
#include "testdir.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return s;
}

static uint64_t rng_state = UINT64_C(0x2545f4914f6cdd1d);

static double random_value(void)
{
    for (;;) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        uint64_t b = rng_state * UINT64_C(2685821657736338717);
        double x;
        memcpy(&x, &b, sizeof x);
        if (isfinite(x))
            return x;
    }
}

static bool same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Writes rows x cols values through out, reads the file back field by
   field and compares every number bit for bit. */
static void round_trip(const char *name, char sep, size_t rows, size_t cols)
{
    char path[512], err[512];
    double *v = malloc(rows * (cols + 1) * sizeof *v);
    const char **names = malloc(cols * sizeof *names);
    char (*nbuf)[16] = malloc(cols * sizeof *nbuf);
    out *o;

    ck_assert(v && names && nbuf);
    td_make("check_out");
    td_path(path, sizeof path, name);
    for (size_t i = 0; i < rows * (cols + 1); i++)
        v[i] = random_value();
    v[0] = 0.0;
    v[1] = -0.0;
    if (rows * (cols + 1) > 6) {
        v[2] = INFINITY;
        v[3] = -INFINITY;
        v[4] = NAN;
        v[5] = 5e-324;
    }
    for (size_t j = 0; j < cols; j++) {
        snprintf(nbuf[j], sizeof nbuf[j], "y%zu", j);
        names[j] = nbuf[j];
    }
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, cols), 0);
    for (size_t i = 0; i < rows; i++)
        ck_assert_int_eq(out_row(o, v[i * (cols + 1)],
                                 v + i * (cols + 1) + 1, cols), 0);
    ck_assert_int_eq(out_rows(o), (long)rows);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);

    char *text = read_file(path, NULL), *s = text;
    char *nl = strchr(s, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert(s[0] == 't' && (cols == 0 || s[1] == sep));
    s = nl + 1;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j <= cols; j++) {
            char *end;
            double x = strtod(s, &end);
            ck_assert_msg(end != s, "row %zu col %zu: no number", i, j);
            ck_assert_msg(same_double(x, v[i * (cols + 1) + j]),
                          "row %zu col %zu: read %.17g, wrote %.17g", i, j, x,
                          v[i * (cols + 1) + j]);
            ck_assert_int_eq(*end, j < cols ? sep : '\n');
            s = end + 1;
        }
    }
    ck_assert_int_eq(*s, '\0');
    free(text);
    free(nbuf);
    free(names);
    free(v);
    td_remove();
}

START_TEST(out_csv_round_trips_bit_for_bit)
{
    round_trip("run.csv", ',', 2000, 5);
}
END_TEST

START_TEST(out_tsv_separates_with_tabs_and_round_trips)
{
    round_trip("run.tsv", '\t', 500, 3);
}
END_TEST

START_TEST(out_rows_wider_than_the_buffer_round_trip)
{
    /* 30000 values of up to 25 bytes: a row about 3 times the buffer. */
    round_trip("wide.csv", ',', 3, 30000);
}
END_TEST

START_TEST(out_unknown_extension_is_csv)
{
    round_trip("run.dat", ',', 10, 2);
}
END_TEST

/* XPPAUT's output.dat layout: no header, every value followed by a blank,
   t only when asked for; wide rows cross the buffer whole. */
START_TEST(out_xpp_layout_has_no_header_and_trailing_blanks)
{
    char path[512], err[512];
    const char *names[] = { "x", "y" };
    double v[2] = { 0.1, -2.5 };
    out *o;
    td_make("check_out");
    td_path(path, sizeof path, "output.dat");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_set_xpp(o, true), 0);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    ck_assert_int_eq(out_set_xpp(o, true), ODE_EINVAL);
    ck_assert_int_eq(out_row(o, 0, v, 2), 0);
    ck_assert_int_eq(out_row(o, 1e-300, v, 1), ODE_EINVAL);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    char *text = read_file(path, NULL);
    ck_assert_str_eq(text, "0 0.1 -2.5 \n");
    free(text);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_set_xpp(o, false), 0);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    for (int i = 0; i < 20000; i++)
        ck_assert_int_eq(out_row(o, i, v, 2), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    size_t len;
    text = read_file(path, &len);
    ck_assert_uint_eq(len, 20000 * strlen("0.1 -2.5 \n"));
    ck_assert(strncmp(text, "0.1 -2.5 \n0.1 -2.5 \n", 20) == 0);
    free(text);
    td_remove();
}
END_TEST

START_TEST(out_format_follows_extension)
{
    ck_assert_int_eq(out_format_of("a.csv"), OUT_CSV);
    ck_assert_int_eq(out_format_of("a.CSV"), OUT_CSV);
    ck_assert_int_eq(out_format_of("a.tsv"), OUT_TSV);
    ck_assert_int_eq(out_format_of("dir.x/a.TSV"), OUT_TSV);
    ck_assert_int_eq(out_format_of("a.h5"), OUT_HDF5);
    ck_assert_int_eq(out_format_of("a.hdf5"), OUT_HDF5);
    ck_assert_int_eq(out_format_of("a.txt"), OUT_CSV);
    ck_assert_int_eq(out_format_of("tsv"), OUT_CSV);
    ck_assert_int_eq(out_format_of("-"), OUT_CSV);
    ck_assert_int_eq(out_format_of(NULL), OUT_CSV);
}
END_TEST

START_TEST(out_header_quotes_names_per_rfc4180)
{
    const char *names[] = { "x", "a,b", "say \"hi\"", "two\nlines",
                            "tab\there" };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "h.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 5), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    char *text = read_file(path, NULL);
    ck_assert_str_eq(text, "t,x,\"a,b\",\"say \"\"hi\"\"\","
                           "\"two\nlines\",tab\there\n");
    free(text);

    td_path(path, sizeof path, "h.tsv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 5), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    text = read_file(path, NULL);
    ck_assert_str_eq(text, "t\tx\ta,b\t\"say \"\"hi\"\"\"\t"
                           "\"two\nlines\"\t\"tab\there\"\n");
    free(text);
    td_remove();
}
END_TEST

START_TEST(out_writes_shortest_numbers)
{
    const char *names[] = { "x", "y" };
    const double v[] = { 0.1, -1.5e-07 };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "s.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    ck_assert_int_eq(out_row(o, 0.0, v, 2), 0);
    ck_assert_int_eq(out_row(o, 12345.678, v, 2), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    char *text = read_file(path, NULL);
    ck_assert_str_eq(text, "t,x,y\n0,0.1,-1.5e-07\n12345.678,0.1,-1.5e-07\n");
    free(text);
    td_remove();
}
END_TEST

START_TEST(out_file_appears_under_its_name_only_at_close)
{
    const double v[] = { 1.0, 2.0 };
    char path[512], err[512];
    struct stat st;
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "run.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    for (int i = 0; i < 100000; i++)
        ck_assert_int_eq(out_row(o, i, v, 2), 0);
    ck_assert_int_eq(out_flush(o), 0);
    /* The rows are on disk, under the temporary name only. */
    ck_assert_int_eq(stat(path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(td_count(NULL, 0), 1);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(td_count(NULL, 0), 1);
    /* A new file gets the usual permissions, not mkstemp's 0600. */
    mode_t mask = umask(0);
    umask(mask);
    ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask);
    td_remove();
}
END_TEST

START_TEST(out_replaces_an_existing_file_keeping_its_mode)
{
    const double v[] = { 3.0 };
    char path[512], err[512];
    struct stat st;
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "old.csv");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("old contents, longer than the new ones\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 1.0, v, 1), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    char *text = read_file(path, NULL);
    ck_assert_str_eq(text, "1,3\n");
    free(text);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0640);
    td_remove();
}
END_TEST

START_TEST(out_close_without_keep_leaves_nothing)
{
    const double v[] = { 1.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "gone.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    for (int i = 0; i < 50000; i++)
        ck_assert_int_eq(out_row(o, i, v, 1), 0);
    ck_assert_int_eq(out_close(o, false, err, sizeof err), 0);
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

START_TEST(out_abort_removes_the_temporary)
{
    const double v[] = { 1.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "sig.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 0.5, v, 1), 0);
    ck_assert_int_eq(td_count(NULL, 0), 1);
    out_abort_signal_safe(o);
    ck_assert_int_eq(td_count(NULL, 0), 0);
    /* Should the program go on, nothing is renamed into place. */
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(strstr(err, "sig.csv"));
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

START_TEST(out_follows_a_link_and_keeps_it)
{
    const char *names[] = { "x" };
    const double v[] = { 2.5 };
    char link[512], target[512], buf[64], err[512];
    out *o;

    td_make("check_out");
    td_path(link, sizeof link, "link.csv");
    td_path(target, sizeof target, "target.csv");
    ck_assert_int_eq(symlink("target.csv", link), 0);
    ck_assert_int_eq(out_open(link, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 1), 0);
    ck_assert_int_eq(out_row(o, 1.0, v, 1), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    ck_assert_int_eq(n, (ssize_t)strlen("target.csv"));
    buf[n] = '\0';
    ck_assert_str_eq(buf, "target.csv");
    char *text = read_file(target, NULL);
    ck_assert_str_eq(text, "t,x\n1,2.5\n");
    free(text);
    ck_assert_int_eq(td_count(NULL, 0), 2);
    td_remove();
}
END_TEST

START_TEST(out_format_known_from_name_or_file_kind)
{
    enum out_format f;

    ck_assert(out_format_known(NULL, &f) && f == OUT_CSV);
    ck_assert(out_format_known("-", &f) && f == OUT_CSV);
    ck_assert(out_format_known("a.CSV", &f) && f == OUT_CSV);
    ck_assert(out_format_known("a.tsv", &f) && f == OUT_TSV);
    ck_assert(out_format_known("a.hdf5", &f) && f == OUT_HDF5);
    ck_assert(!out_format_known("a.xlsx", &f));
    ck_assert(!out_format_known("/nonexistent/run", &f));
    ck_assert(out_format_known("/dev/null", &f) && f == OUT_CSV);
    ck_assert(out_format_parse("TSV", &f) && f == OUT_TSV);
    ck_assert(out_format_parse("h5", &f) && f == OUT_HDF5);
    ck_assert(out_format_parse("hdf5", &f) && f == OUT_HDF5);
    ck_assert(out_format_parse("csv", &f) && f == OUT_CSV);
    ck_assert(!out_format_parse("xpp", &f));
    ck_assert(!out_format_parse("", &f));
}
END_TEST

START_TEST(out_no_header_writes_rows_only)
{
    const char *names[] = { "x", "y" };
    const double v[] = { 0.5, -2 };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "nh.dat");
    ck_assert_int_eq(out_open_as(path, OUT_TSV, &o, err, sizeof err), 0);
    out_set_no_header(o);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    ck_assert_int_eq(out_row(o, 1.0, v, 2), 0);
    /* The header still fixes the row width. */
    ck_assert_int_eq(out_row(o, 2.0, v, 1), ODE_EINVAL);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    char *text = read_file(path, NULL);
    ck_assert_str_eq(text, "1\t0.5\t-2\n");
    free(text);
    td_remove();
}
END_TEST

START_TEST(out_open_reports_missing_directory)
{
    char err[512] = "";
    out *o = (out *)&o;

    ck_assert_int_eq(out_open("/nonexistent/x.csv", &o, err, sizeof err),
                     ODE_EOUTPUT);
    ck_assert_ptr_null(o);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.csv"));
    ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
}
END_TEST

START_TEST(out_open_reports_a_directory_as_target)
{
    char err[512] = "";
    out *o;

    td_make("check_out");
    ck_assert_int_eq(out_open(td_dir, &o, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(strstr(err, strerror(EISDIR)));
    td_remove();
}
END_TEST

#if !WITH_HDF5
START_TEST(out_hdf5_needs_a_build_with_hdf5)
{
    char path[512], err[512] = "";
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "run.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), ODE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "HDF5 output needs a build with HDF5"));
    td_path(path, sizeof path, "run.hdf5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), ODE_EINVAL);
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST
#endif

START_TEST(out_row_width_must_match_header)
{
    const char *names[] = { "x", "y" };
    const double v[] = { 1.0, 2.0, 3.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "w.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    ck_assert_int_eq(out_row(o, 0.0, v, 3), ODE_EINVAL);
    ck_assert_int_eq(out_row(o, 0.0, v, 2), 0);
    ck_assert_int_eq(out_rows(o), 1);
    ck_assert_int_eq(out_close(o, false, err, sizeof err), 0);
    td_remove();
}
END_TEST

START_TEST(out_closed_pipe_sets_broken_pipe)
{
    const double v[] = { 1.0, 2.0, 3.0 };
    char path[64], err[512];
    int fd[2];
    out *o;

    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    ck_assert_int_eq(pipe(fd), 0);
    close(fd[0]);
    snprintf(path, sizeof path, "/dev/fd/%d", fd[1]);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert(!out_broken_pipe(o));
    ck_assert_ptr_null(out_error(o));
    ck_assert_int_eq(out_row(o, 0.0, v, 3), 0);
    ck_assert_int_eq(out_flush(o), ODE_EOUTPUT);
    ck_assert(out_broken_pipe(o));
    ck_assert_ptr_nonnull(strstr(out_error(o), strerror(EPIPE)));
    /* Once failed, the writer stays failed. */
    ck_assert_int_eq(out_row(o, 1.0, v, 3), ODE_EOUTPUT);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(strstr(err, strerror(EPIPE)));
    close(fd[1]);
    signal(SIGPIPE, old);
}
END_TEST

START_TEST(out_dev_full_fails_on_close)
{
    const double v[] = { 1.0, 2.0 };
    char err[512] = "";
    out *o;

    ck_assert_int_eq(out_open("/dev/full", &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 0.0, v, 2), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(strstr(err, "/dev/full"));
    ck_assert_ptr_nonnull(strstr(err, strerror(ENOSPC)));
}
END_TEST

START_TEST(out_dev_full_fails_on_flush)
{
    const double v[] = { 1.0, 2.0 };
    char err[512] = "";
    out *o;

    ck_assert_int_eq(out_open("/dev/full", &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 0.0, v, 2), 0);
    ck_assert_int_eq(out_flush(o), ODE_EOUTPUT);
    ck_assert(!out_broken_pipe(o));
    ck_assert_ptr_nonnull(strstr(out_error(o), strerror(ENOSPC)));
    ck_assert_int_eq(out_close(o, false, err, sizeof err), ODE_EOUTPUT);
}
END_TEST

/* A write that fails half way (here: the file size limit, EFBIG) leaves
   neither a truncated file under the final name nor the temporary. */
START_TEST(out_failed_write_keeps_no_partial_file)
{
    const double v[] = { 1.0 / 3, 2.0 / 3 };
    char path[512], err[512] = "";
    struct rlimit old, lim;
    out *o;
    int rc = 0;

    td_make("check_out");
    td_path(path, sizeof path, "big.csv");
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 100000;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    for (int i = 0; i < 100000 && rc == 0; i++)
        rc = out_row(o, i, v, 2);
    ck_assert_int_eq(rc, ODE_EOUTPUT);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, oldsig);
    ck_assert_ptr_nonnull(strstr(err, strerror(EFBIG)));
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

/* NULL and "-" write to file descriptor 1, which is left open. */
START_TEST(out_writes_standard_output)
{
    const char *names[] = { "x" };
    const double v[] = { 0.25 };
    const char *paths[] = { NULL, "-" };
    char path[512], err[512];
    out *o;

    td_make("check_out");
    td_path(path, sizeof path, "stdout.txt");
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved, 0);
    for (int i = 0; i < 2; i++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
        close(fd);
        ck_assert_int_eq(out_open(paths[i], &o, err, sizeof err), 0);
        ck_assert_int_eq(out_header(o, names, 1), 0);
        ck_assert_int_eq(out_row(o, 1.0, v, 1), 0);
        ck_assert_int_eq(out_close(o, false, err, sizeof err), 0);
        ck_assert_int_ne(fcntl(STDOUT_FILENO, F_GETFD), -1);
        ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
        char *text = read_file(path, NULL);
        ck_assert_str_eq(text, "t,x\n1,0.25\n");
        free(text);
    }
    close(saved);
    td_remove();
}
END_TEST

static Suite *out_suite(void)
{
    Suite *s = suite_create("out");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, out_csv_round_trips_bit_for_bit);
    tcase_add_test(tc, out_tsv_separates_with_tabs_and_round_trips);
    tcase_add_test(tc, out_rows_wider_than_the_buffer_round_trip);
    tcase_add_test(tc, out_unknown_extension_is_csv);
    tcase_add_test(tc, out_format_follows_extension);
    tcase_add_test(tc, out_xpp_layout_has_no_header_and_trailing_blanks);
    tcase_add_test(tc, out_header_quotes_names_per_rfc4180);
    tcase_add_test(tc, out_writes_shortest_numbers);
    tcase_add_test(tc, out_file_appears_under_its_name_only_at_close);
    tcase_add_test(tc, out_replaces_an_existing_file_keeping_its_mode);
    tcase_add_test(tc, out_close_without_keep_leaves_nothing);
    tcase_add_test(tc, out_abort_removes_the_temporary);
    tcase_add_test(tc, out_open_reports_missing_directory);
    tcase_add_test(tc, out_open_reports_a_directory_as_target);
#if !WITH_HDF5
    tcase_add_test(tc, out_hdf5_needs_a_build_with_hdf5);
#endif
    tcase_add_test(tc, out_row_width_must_match_header);
    tcase_add_test(tc, out_closed_pipe_sets_broken_pipe);
    tcase_add_test(tc, out_dev_full_fails_on_close);
    tcase_add_test(tc, out_dev_full_fails_on_flush);
    tcase_add_test(tc, out_failed_write_keeps_no_partial_file);
    tcase_add_test(tc, out_writes_standard_output);
    tcase_add_test(tc, out_follows_a_link_and_keeps_it);
    tcase_add_test(tc, out_format_known_from_name_or_file_kind);
    tcase_add_test(tc, out_no_header_writes_rows_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(out_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

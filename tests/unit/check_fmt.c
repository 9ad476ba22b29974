/* check_fmt.c - fmt_double(): round trip, shortest digits, closest choice,
 * %.17g layout.
 *
 * The references are built from the C library alone (snprintf rounds
 * correctly, strtod reads correctly), never from fmt.c.  fmt.c is included
 * rather than linked so the slow path, unreachable from the public entry,
 * can be checked against the fast one.  ODESOLVE_TEST_QUICK=1 (for runs
 * under valgrind) cuts the random samples a hundredfold. */
#include "fmt.c"

#include <check.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long scaled(long n)
{
    const char *q = getenv("ODESOLVE_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0 ? n / 100 + 1 : n;
}

/* xorshift64* (Vigna 2016): reproducible bit patterns. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static uint64_t to_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* A random finite double: every bit pattern alike, so all binades,
   subnormals and both signs come up. */
static double random_finite(void)
{
    for (;;) {
        double x = from_bits(rng());
        if (isfinite(x))
            return x;
    }
}

/* Significant digits of a fmt_double() string: those before any exponent,
   without leading zeros and, for an integer, without trailing zeros. */
static int sig_digits(const char *s)
{
    char d[64];
    int n = 0;

    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && (n > 0 || *s != '0'))
            d[n++] = *s;
    while (n > 1 && d[n - 1] == '0')
        n--;
    return n;
}

/* Smallest p for which %.{p}g reads back to x. */
static int min_printf_precision(double x)
{
    char b[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, x);
        if (strtod(b, NULL) == x)
            return p;
    }
    return 99;
}

/* The expected text by brute force: for p = 1, 2, ... the correctly
   rounded p-digit decimal, or one of its neighbours (needed at powers of
   two, where the interval of x is uneven), first one reading back to x;
   then laid out by the rule of fmt.h with plain string operations. */
static void reference(double x, char *out)
{
    char b[64], dig[32];
    double ax = fabs(x);
    int exp10 = 0;

    if (ax == 0) {
        strcpy(out, signbit(x) ? "-0" : "0");
        return;
    }
    dig[0] = '\0';
    for (int p = 1; p <= 17 && !dig[0]; p++) {
        snprintf(b, sizeof b, "%.*e", p - 1, ax);
        unsigned long long v = 0;
        char *s = b;
        for (; *s != 'e'; s++)
            if (*s != '.')
                v = v * 10 + (unsigned long long)(*s - '0');
        int e = atoi(s + 1) - (p - 1);
        unsigned long long cand[3] = { v, v - 1, v + 1 };
        for (int i = 0; i < 3; i++) {
            snprintf(b, sizeof b, "%llue%d", cand[i], e);
            if (cand[i] == 0 || strtod(b, NULL) != ax)
                continue;
            int n = snprintf(dig, sizeof dig, "%llu", cand[i]);
            exp10 = e + n - 1;
            while (n > 1 && dig[n - 1] == '0')
                dig[--n] = '\0';
            break;
        }
    }
    int n = (int)strlen(dig);
    const char *sign = signbit(x) ? "-" : "";
    if (exp10 < -4 || exp10 >= 17) {
        sprintf(out, "%s%c%s%se%c%02d", sign, dig[0], n > 1 ? "." : "",
                dig + 1, exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        sprintf(out, "%s0.%.*s%s", sign, -exp10 - 1, "0000", dig);
    } else if (exp10 >= n - 1) {
        sprintf(out, "%s%s%.*s", sign, dig, exp10 - n + 1, "0000000000000000");
    } else {
        sprintf(out, "%s%.*s.%s", sign, exp10 + 1, dig, dig + exp10 + 1);
    }
}

static void check_against_reference(double x)
{
    char got[FMT_DOUBLE_MAX], want[64];

    if (!isfinite(x))
        return;     /* nextafter(DBL_MAX, inf); see the examples test */
    size_t n = fmt_double(got, x);
    reference(x, want);
    ck_assert_msg(strcmp(got, want) == 0, "%.17g: got \"%s\", want \"%s\"",
                  x, got, want);
    ck_assert_uint_eq(n, strlen(want));
}

static void check_round_trip(double x)
{
    char b[FMT_DOUBLE_MAX];
    fmt_double(b, x);
    double y = strtod(b, NULL);
    ck_assert_msg(to_bits(x) == to_bits(y), "%.17g (bits %016" PRIx64
                  ") wrote \"%s\", read back %.17g", x, to_bits(x), b, y);
}

START_TEST(fmt_writes_documented_examples)
{
    static const struct {
        double x;
        const char *s;
    } ex[] = {
        { 0.0, "0" },
        { -0.0, "-0" },
        { 1.0, "1" },
        { -1.0, "-1" },
        { 0.1, "0.1" },
        { 0.3, "0.3" },
        { 2.0 / 3.0, "0.6666666666666666" },
        { 1.5e-7, "1.5e-07" },
        { 12345.678, "12345.678" },
        { -0.5, "-0.5" },
        { 100.0, "100" },
        { 0.0001, "0.0001" },
        { 0.00012345, "0.00012345" },
        { 1e-5, "1e-05" },
        { 1e16, "10000000000000000" },
        { 12345678901234568.0, "12345678901234568" },
        { 1e17, "1e+17" },
        { 123456789012345680.0, "1.2345678901234568e+17" },
        { 1e22, "1e+22" },
        { 1e23, "1e+23" },
        { 1e300, "1e+300" },
        { -1e-300, "-1e-300" },
        { 9007199254740993.0, "9007199254740992" },
        { DBL_MAX, "1.7976931348623157e+308" },
        { -DBL_MAX, "-1.7976931348623157e+308" },
        { DBL_MIN, "2.2250738585072014e-308" },
        { 2.2250738585072009e-308, "2.225073858507201e-308" },
        { DBL_TRUE_MIN, "5e-324" },
        { 2 * DBL_TRUE_MIN, "1e-323" },
        { INFINITY, "inf" },
        { -INFINITY, "-inf" },
        { NAN, "nan" },
        { -NAN, "nan" },
    };
    char b[FMT_DOUBLE_MAX];

    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        size_t n = fmt_double(b, ex[i].x);
        ck_assert_str_eq(b, ex[i].s);
        ck_assert_uint_eq(n, strlen(ex[i].s));
    }
}
END_TEST

START_TEST(fmt_round_trips_random_bit_patterns)
{
    long n = scaled(1000000);
    for (long i = 0; i < n; i++)
        check_round_trip(random_finite());
}
END_TEST

START_TEST(fmt_round_trips_subnormals)
{
    long n = scaled(100000);
    for (long i = 0; i < n; i++) {
        uint64_t b = rng() & ((UINT64_C(1) << 52) - 1);
        check_round_trip(from_bits(b));
        check_round_trip(-from_bits(b));
    }
    check_round_trip(DBL_TRUE_MIN);
    check_round_trip(nextafter(DBL_MIN, 0));
}
END_TEST

START_TEST(fmt_digit_count_matches_shortest_printf_precision)
{
    long n = scaled(200000);
    char b[FMT_DOUBLE_MAX];

    for (long i = 0; i < n; i++) {
        double x = random_finite();
        fmt_double(b, x);
        int got = sig_digits(b), p = min_printf_precision(x);
        /* At a power of two the interval is uneven and a decimal one digit
           shorter than printf's correctly rounded one may read back. */
        bool pow2 = (to_bits(x) & ((UINT64_C(1) << 52) - 1)) == 0;
        ck_assert_msg(got == p || (pow2 && got == p - 1),
                      "%.17g: \"%s\" has %d digits, %%.%dg reads back", x, b,
                      got, p);
    }
}
END_TEST

START_TEST(fmt_matches_printf_g_when_17_digits_are_needed)
{
    long n = scaled(200000);
    char b[FMT_DOUBLE_MAX], want[64];

    for (long i = 0; i < n; i++) {
        double x = random_finite();
        fmt_double(b, x);
        if (sig_digits(b) != 17)
            continue;
        snprintf(want, sizeof want, "%.17g", x);
        ck_assert_str_eq(b, want);
    }
}
END_TEST

START_TEST(fmt_matches_reference_on_random_values)
{
    long n = scaled(50000);
    for (long i = 0; i < n; i++)
        check_against_reference(random_finite());
}
END_TEST

START_TEST(fmt_matches_reference_at_powers_of_two)
{
    for (int e = -1074; e <= 1023; e++) {
        double x = ldexp(1.0, e);
        check_against_reference(x);
        check_against_reference(nextafter(x, 0));
        check_against_reference(nextafter(x, INFINITY));
        check_against_reference(-x);
    }
}
END_TEST

START_TEST(fmt_matches_reference_at_powers_of_ten)
{
    char s[64];
    for (int e = -324; e <= 308; e++) {
        snprintf(s, sizeof s, "1e%d", e);
        double x = strtod(s, NULL);
        if (x == 0)
            continue;
        check_against_reference(x);
        check_against_reference(nextafter(x, 0));
        check_against_reference(nextafter(x, INFINITY));
        for (int m = 2; m < 100; m += 7) {
            snprintf(s, sizeof s, "%de%d", m, e);
            check_against_reference(strtod(s, NULL));
        }
    }
}
END_TEST

/* Values whose interval ends on, or next to, a short decimal: decimal
   midpoints, integers at the edge of exactness, and the extremes. */
START_TEST(fmt_matches_reference_near_rounding_ties)
{
    static const char *const s[] = {
        "9007199254740993", "9007199254740995", "18014398509481986",
        "0.5000000000000000555", "1.00000000000000011102230246251565",
        "2.4703282292062327e-324", "2.4703282292062328e-324",
        "7.4109846876186982e-324", "1.7976931348623158e308",
        "2.2250738585072011e-308", "4.9406564584124654e-324",
        "1.00000000000000005", "0.30000000000000004", "5e-324",
        "1.5e300", "2.5e-300", "123456789012345678901234567890",
        "4.35679e-10", "3.0517578125e-05", "1180591620717411303424",
    };
    char t[64];

    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        double x = strtod(s[i], NULL);
        check_against_reference(x);
        check_against_reference(nextafter(x, 0));
        check_against_reference(nextafter(x, INFINITY));
    }
    /* Midpoints between consecutive short decimals, across the range. */
    for (int e = -320; e <= 300; e += 3)
        for (int m = 1; m < 100; m += 2) {
            snprintf(t, sizeof t, "%d.5e%d", m, e);
            check_against_reference(strtod(t, NULL));
        }
    check_against_reference(DBL_MAX);
    check_against_reference(DBL_MIN);
    check_against_reference(DBL_TRUE_MIN);
}
END_TEST

START_TEST(fmt_matches_reference_on_trajectory_like_values)
{
    long n = scaled(20000);
    for (long i = 0; i < n; i++) {
        check_against_reference((double)i);
        check_against_reference((double)i * 0.01);
        check_against_reference((double)i * 0.05 - 3.0);
        double scale = pow(10.0, (double)(i % 41 - 20));
        check_against_reference(sin((double)i) * scale);
    }
}
END_TEST

START_TEST(fmt_writes_nothing_past_25_bytes)
{
    char b[FMT_DOUBLE_MAX];
    long n = scaled(100000);

    for (long i = 0; i < n; i++) {
        double x = i == 0   ? -DBL_MIN
                   : i == 1 ? -0.00012345678901234567
                            : random_finite();
        memset(b, 0x5a, sizeof b);
        size_t len = fmt_double(b, x);
        ck_assert_uint_le(len, 24);
        ck_assert_uint_eq(strlen(b), len);
        for (size_t j = 25; j < sizeof b; j++)
            ck_assert_int_eq(b[j], 0x5a);
    }
}
END_TEST

/* White box: the slow path gives what the fast path gives. */
START_TEST(fmt_slow_path_agrees_with_fast_path)
{
    long n = scaled(20000);
    pthread_once(&pow_once, pow_init);
    for (long i = 0; i < n; i++) {
        double x = i % 3 ? fabs(random_finite())
                         : ldexp(1.0, (int)(i % 2098) - 1074);
        uint64_t d1, d2;
        int e1, e2;
        if (x == 0 || !shortest(to_bits(x), &d1, &e1))
            continue;
        shortest_slow(x, &d2, &e2);
        ck_assert_msg(d1 == d2 && e1 == e2, "%.17g: fast %" PRIu64 "e%d, slow %"
                      PRIu64 "e%d", x, d1, e1, d2, e2);
    }
}
END_TEST

/* White box: the table and the exponent estimate keep every shift in the
   range scale_rop() assumes, and every power of ten is accurate. */
START_TEST(fmt_power_table_covers_every_exponent)
{
    pthread_once(&pow_once, pow_init);
    for (int bexp = 0; bexp < 2047; bexp++) {
        for (int irr = 0; irr < 2; irr++) {
            if (irr && bexp <= 1)
                continue;
            int q = bexp ? bexp - 1075 : -1074;
            int k = floor_log10_pow2(q, irr);
            /* 10^k <= width < 10^(k+1), width = 2^q or 3/4 * 2^q */
            long double lw = q * log10l(2.0L) + (irr ? log10l(0.75L) : 0);
            ck_assert_int_eq(k, (int)floorl(lw));
            ck_assert(-k >= POW_MMIN && -k <= POW_MMAX);
            int h = q + pow_tab[-k - POW_MMIN].e2 + 128;
            ck_assert_int_ge(h, 1);
            ck_assert_int_le(h, 4);
        }
    }
    for (int m = POW_MMIN; m <= POW_MMAX; m++) {
        const struct pow10 *e = &pow_tab[m - POW_MMIN];
        long double g = ldexpl((long double)e->hi, 64) + (long double)e->lo;
        ck_assert(e->hi >> 63);
        ck_assert(fabsl(log10l(g) + e->e2 * log10l(2.0L) - m) < 1e-12L);
    }
}
END_TEST

static Suite *fmt_suite(void)
{
    Suite *s = suite_create("fmt");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, fmt_writes_documented_examples);
    tcase_add_test(tc, fmt_round_trips_random_bit_patterns);
    tcase_add_test(tc, fmt_round_trips_subnormals);
    tcase_add_test(tc, fmt_digit_count_matches_shortest_printf_precision);
    tcase_add_test(tc, fmt_matches_printf_g_when_17_digits_are_needed);
    tcase_add_test(tc, fmt_matches_reference_on_random_values);
    tcase_add_test(tc, fmt_matches_reference_at_powers_of_two);
    tcase_add_test(tc, fmt_matches_reference_at_powers_of_ten);
    tcase_add_test(tc, fmt_matches_reference_near_rounding_ties);
    tcase_add_test(tc, fmt_matches_reference_on_trajectory_like_values);
    tcase_add_test(tc, fmt_writes_nothing_past_25_bytes);
    tcase_add_test(tc, fmt_slow_path_agrees_with_fast_path);
    tcase_add_test(tc, fmt_power_table_covers_every_exponent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fmt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* fmt.c - shortest round-trip formatting of doubles.
 *
 * Method: the "rounding interval" idea of Steele & White (PLDI 1990) in the
 * form R. Giulietti describes in "The Schubfach way to render doubles"
 * (2020), written here from the paper, with one difference: instead of
 * proving once for all exponents that a 128-bit power of ten decides every
 * comparison, each product carries an error bound and the rare value whose
 * comparison the bound cannot decide goes to a slow path built on the C
 * library (snprintf %.*e and strtod, both correctly rounded in glibc).
 *
 * A finite x != 0 is c * 2^q with an integer c < 2^53.  Every real in the
 * rounding interval [x - ulp_below/2, x + ulp/2] reads back to x (closed
 * when c is even, since strtod rounds ties to even; open when c is odd).
 * With k = floor(log10(width)), the interval scaled by 10^-k is between 1
 * and 10 wide, so it holds one or more integers s * 10^k and at most one
 * multiple of 10 * 10^k; that multiple, when present, is the shortest
 * answer, otherwise the integer closest to x * 10^-k is.  All the work is
 * three products (lower bound, x, upper bound) with a 128-bit 10^-k. */
#include "fmt.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* Scaled exponents k = floor(log10(width)) run over [-324, 292] for doubles,
   so the table holds 10^m for m = -k in [POW_MMIN, POW_MMAX]. */
#define POW_MMIN (-292)
#define POW_MMAX 324
#define POW_COUNT (POW_MMAX - POW_MMIN + 1)

/* 10^m ~ (hi * 2^64 + lo) * 2^e2 with the 128-bit significand in
   [2^127, 2^128), truncated (never above the true value); exact says the
   truncation lost nothing (m in 0..55, where 5^m fits in 128 bits). */
struct pow10 {
    uint64_t hi, lo;
    int32_t e2;
    bool exact;
};

static struct pow10 pow_tab[POW_COUNT];
static pthread_once_t pow_once = PTHREAD_ONCE_INIT;
/* Set once the table is built, so later calls skip pthread_once(). */
static atomic_bool pow_ready;

/* 5^0 .. 5^27: the largest powers of five below 2^63. */
static uint64_t pow5_small[28];

/* Big integers for the table, little-endian 32-bit limbs.  5^324 has 753
   bits; the reciprocals use 2^BIG_RECIP_BITS / 5^j, which must keep at
   least 128 bits for j = 292 (5^292 has 679 bits): 832 - 679 >= 128. */
#define BIG_LIMBS 28
#define BIG_RECIP_BITS 832

static int big_bitlen(const uint32_t *a)
{
    for (int i = BIG_LIMBS - 1; i >= 0; i--)
        if (a[i])
            return 32 * i + 32 - __builtin_clz(a[i]);
    return 0;
}

static uint32_t big_limb(const uint32_t *a, int i)
{
    return i >= 0 && i < BIG_LIMBS ? a[i] : 0;
}

/* 32 bits of a starting at bit pos >= -256; bits below 0 read as zero. */
static uint32_t big_bits32(const uint32_t *a, int pos)
{
    int limb = (pos + 256) / 32 - 8;    /* floor(pos / 32) */
    uint64_t w = (uint64_t)big_limb(a, limb + 1) << 32 | big_limb(a, limb);
    return (uint32_t)(w >> (pos - 32 * limb));
}

/* Top 128 bits of a != 0: a ~ (hi:lo) * 2^shift, truncated when shift > 0
   and exact when shift <= 0. */
static void big_top128(const uint32_t *a, uint64_t *hi, uint64_t *lo,
                       int *shift)
{
    int s = big_bitlen(a) - 128;
    *hi = (uint64_t)big_bits32(a, s + 96) << 32 | big_bits32(a, s + 64);
    *lo = (uint64_t)big_bits32(a, s + 32) << 32 | big_bits32(a, s);
    *shift = s;
}

static void pow_init(void)
{
    uint32_t big[BIG_LIMBS];
    struct pow10 *e;
    int shift;

    pow5_small[0] = 1;
    for (int i = 1; i < 28; i++)
        pow5_small[i] = pow5_small[i - 1] * 5;

    /* 10^m = 5^m * 2^m for m >= 0: 5^m exactly, by repeated * 5. */
    memset(big, 0, sizeof big);
    big[0] = 1;
    for (int m = 0; m <= POW_MMAX; m++) {
        e = &pow_tab[m - POW_MMIN];
        big_top128(big, &e->hi, &e->lo, &shift);
        e->e2 = shift + m;
        /* 5^m is odd, so dropping any bits loses its last 1. */
        e->exact = shift <= 0;
        uint64_t carry = 0;
        for (int i = 0; i < BIG_LIMBS; i++) {
            uint64_t v = (uint64_t)big[i] * 5 + carry;
            big[i] = (uint32_t)v;
            carry = v >> 32;
        }
    }

    /* 10^-j = 2^-j / 5^j: floor(2^B / 5^j) by repeated division by 5,
       exact because floor(floor(a / b) / c) = floor(a / (b c)).  Taking its
       top 128 bits truncates again, still never above the true value. */
    memset(big, 0, sizeof big);
    big[BIG_RECIP_BITS / 32] = 1u << BIG_RECIP_BITS % 32;
    for (int j = 1; j <= -POW_MMIN; j++) {
        uint64_t rem = 0;
        for (int i = BIG_LIMBS - 1; i >= 0; i--) {
            uint64_t v = rem << 32 | big[i];
            big[i] = (uint32_t)(v / 5);
            rem = v % 5;
        }
        e = &pow_tab[-j - POW_MMIN];
        big_top128(big, &e->hi, &e->lo, &shift);
        e->e2 = shift - BIG_RECIP_BITS - j;
        e->exact = false;           /* 1 / 5^j is not a binary fraction */
    }
    atomic_store_explicit(&pow_ready, true, memory_order_release);
}

/* floor(q * log10(2)) and floor(q * log10(2) + log10(3/4)) for
   |q| <= 1100, from 2^32-scaled constants (checked exactly against
   10^k <= 2^q < 10^(k+1) for every q in range).  The bias keeps the shifted
   value non-negative, so no right shift of a negative number is needed. */
#define LOG10_2_2P32 INT64_C(1292913986)
#define LOG10_3Q_2P32 INT64_C(-536607788)
#define K_BIAS INT64_C(400)

static int floor_log10_pow2(int q, bool irregular)
{
    int64_t v = (int64_t)q * LOG10_2_2P32 + (irregular ? LOG10_3Q_2P32 : 0);
    return (int)((v + (K_BIAS << 32)) >> 32) - (int)K_BIAS;
}

/* The boundary b (in units of 2^(q-2)) times 4 * 10^-k, that is
   b * 2^q * 10^-k, rounded to odd: the floor when the product is an
   integer, the floor with its last bit set otherwise.  Rounded to odd, it
   compares with any even integer exactly as the real product does.  m = -k;
   h = q + e2 + 128, always 1..4, puts the integer part in the top 64 of
   the 192 bits and keeps b << h below 2^60.  Returns false when the
   truncated power of ten leaves the answer open. */
static inline __attribute__((always_inline)) bool
scale_rop(const struct pow10 *g, uint64_t b, int h, int m, uint64_t *r)
{
    uint64_t bs = b << h;
    u128 lo = (u128)bs * g->lo;
    u128 mid = (u128)bs * g->hi + (lo >> 64);
    uint64_t hi = (uint64_t)(mid >> 64);
    uint64_t w1 = (uint64_t)mid, w0 = (uint64_t)lo;

    if (g->exact) {
        *r = hi | ((w1 | w0) != 0);
        return true;
    }
    /* The truncated g is below the true one by less than 1, so the true
       product lies in [P, P + bs): only a fraction within bs of 2^128 can
       carry into the integer part. */
    if (w1 == UINT64_MAX && w0 > (uint64_t)0 - bs) {
        /* For k > 0 the true product b * 2^(q-k) / 5^k is an integer exactly
           when 5^k divides b (q >= k there); it is then hi + 1.  Any other
           near-integer cannot be told apart at this precision. */
        if (m < 0 && m > -28 && b % pow5_small[-m] == 0) {
            *r = hi + 1;
            return true;
        }
        return false;
    }
    *r = hi | 1;
    return true;
}

/* d * 10^e without d's trailing zeros: returns the new d, *e10 gets the
   new exponent. */
static uint64_t strip_zeros(uint64_t d, int e, int *e10)
{
    while (d % 100000000 == 0) {
        d /= 100000000;
        e += 8;
    }
    if (d % 10000 == 0) {
        d /= 10000;
        e += 4;
    }
    if (d % 100 == 0) {
        d /= 100;
        e += 2;
    }
    if (d % 10 == 0) {
        d /= 10;
        e += 1;
    }
    *e10 = e;
    return d;
}

/* Shortest decimal d * 10^e10 (0 < d < 10^17, no trailing zeros) for the
   finite, non-zero |x| with bits `bits` (sign cleared).  Returns false
   when the slow path must decide. */
static bool shortest(uint64_t bits, uint64_t *d, int *e10)
{
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    int bexp = (int)(bits >> 52);
    uint64_t c = bexp ? frac | UINT64_C(1) << 52 : frac;
    int q = bexp ? bexp - 1075 : -1074;
    /* At a power of two the gap below is half the gap above, except at
       the smallest normal, whose lower neighbour is evenly spaced. */
    bool irregular = frac == 0 && bexp > 1;
    uint64_t open = c & 1;
    uint64_t cb = c << 2, cbr = cb + 2, cbl = irregular ? cb - 1 : cb - 2;
    int k = floor_log10_pow2(q, irregular);
    const struct pow10 *g = &pow_tab[-k - POW_MMIN];
    int h = q + g->e2 + 128;
    uint64_t vbl, vb, vbr;

    if (!scale_rop(g, cbl, h, -k, &vbl) || !scale_rop(g, cb, h, -k, &vb) ||
        !scale_rop(g, cbr, h, -k, &vbr))
        return false;

    uint64_t s = vb >> 2;
    /* A multiple of 10 in the interval has fewer digits than s when
       s >= 10; below that both have one digit and the closer one wins. */
    if (s >= 10) {
        uint64_t sp = s / 10 * 10, tp = sp + 10;
        bool sp_in = vbl + open <= sp << 2;
        bool tp_in = (tp << 2) + open <= vbr;
        if (sp_in != tp_in) {
            *d = strip_zeros((sp_in ? sp : tp) / 10, k + 1, e10);
            return true;
        }
    }
    uint64_t t = s + 1;
    bool s_in = vbl + open <= s << 2;
    bool t_in = (t << 2) + open <= vbr;
    if (s_in != t_in) {
        *d = s_in ? s : t;
    } else {
        /* Both in (the width is at least 1, so never neither): the closer
           to x, the even one on a tie.  The midpoint is 4s + 2 in vb's
           units, an even integer, so the rounded-to-odd vb compares right. */
        uint64_t mid = (s << 2) + 2;
        *d = vb < mid || (vb == mid && (s & 1) == 0) ? s : t;
    }
    *e10 = k;
    /* t = 10 is chosen only from s = 9 (for s >= 10 a multiple of ten
       in the interval was taken above). */
    if (*d == 10) {
        *d = 1;
        *e10 = k + 1;
    }
    return true;
}

static bool reads_back(uint64_t d, int e10, double ax)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%llue%d", (unsigned long long)d, e10);
    return strtod(tmp, NULL) == ax;
}

/* Slow path for the values shortest() cannot decide: for each precision,
   the correctly rounded decimal, or at a power of two (uneven interval) one
   of its neighbours, if it reads back.  Gives what shortest() would. */
static void shortest_slow(double ax, uint64_t *d, int *e10)
{
    char tmp[48];

    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, ax);
        uint64_t v = 0;
        const char *s = tmp;
        for (; *s != 'e'; s++)
            if (*s != '.')
                v = v * 10 + (uint64_t)(*s - '0');
        int e = (int)strtol(s + 1, NULL, 10) - (p - 1);
        uint64_t cand[3] = { v, v - 1, v + 1 };
        for (int i = 0; i < 3; i++) {
            if (cand[i] && reads_back(cand[i], e, ax)) {
                *d = strip_zeros(cand[i], e, e10);
                return;
            }
        }
    }
    /* Unreachable: 17 significant digits always read back. */
    abort();
}

static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static const uint64_t pow10_u64[18] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
    UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
    UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
    UINT64_C(10000000000), UINT64_C(100000000000),
    UINT64_C(1000000000000), UINT64_C(10000000000000),
    UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000),
};

/* Number of decimal digits of 0 < d < 10^17. */
static int count_digits(uint64_t d)
{
    /* 1233 / 4096 ~ log10(2): t is floor(log10(d)) or one more. */
    int t = ((64 - __builtin_clzll(d)) * 1233) >> 12;
    return t - (d < pow10_u64[t]) + 1;
}

/* Writes the eight digits of x < 10^8 at p. */
static void put8(char *p, uint32_t x)
{
    uint32_t a = x / 10000, b = x % 10000;
    memcpy(p, digit_pairs + 2 * (a / 100), 2);
    memcpy(p + 2, digit_pairs + 2 * (a % 100), 2);
    memcpy(p + 4, digit_pairs + 2 * (b / 100), 2);
    memcpy(p + 6, digit_pairs + 2 * (b % 100), 2);
}

/* Writes the n digits of d (0 < d < 10^n) at p, two at a time from the
   end. */
static void put_digits(char *p, uint64_t d, int n)
{
    char *e = p + n;
    while (d >= 100000000) {
        e -= 8;
        put8(e, (uint32_t)(d % 100000000));
        d /= 100000000;
    }
    uint32_t r = (uint32_t)d;
    while (r >= 100) {
        e -= 2;
        memcpy(e, digit_pairs + 2 * (r % 100), 2);
        r /= 100;
    }
    if (r >= 10)
        memcpy(e - 2, digit_pairs + 2 * r, 2);
    else
        e[-1] = (char)('0' + r);
}

/* Lays out d * 10^e10 (d without trailing zeros) at p as %.17g would,
   without the NUL, and returns the end. */
static char *put_decimal(char *p, uint64_t d, int e10)
{
    int n = count_digits(d);
    int x = e10 + n - 1;               /* decimal exponent of the first digit */

    if (x < -4 || x >= 17) {
        put_digits(p + 1, d, n);
        p[0] = p[1];
        p[1] = '.';
        p += n > 1 ? n + 1 : 1;
        p[0] = 'e';
        p[1] = x < 0 ? '-' : '+';
        unsigned ax = (unsigned)(x < 0 ? -x : x);
        if (ax >= 100) {
            p[2] = (char)('0' + ax / 100);
            memcpy(p + 3, digit_pairs + 2 * (ax % 100), 2);
            return p + 5;
        }
        memcpy(p + 2, digit_pairs + 2 * ax, 2);
        return p + 4;
    }
    if (x < 0) {
        /* 0.d... down to 0.0000d... */
        memcpy(p, "0.0000", 6);
        p += 1 - x;
        put_digits(p, d, n);
        return p + n;
    }
    if (x >= n - 1) {
        /* An integer: the digits, then up to 16 zeros. */
        put_digits(p, d, n);
        for (int i = n; i <= x; i++)
            p[i] = '0';
        return p + x + 1;
    }
    /* The digits one place to the right, then the first x + 1 moved back
       over the gap to make room for the point.  Byte copies: the bytes were
       just stored, and reading them back in wider loads would stall. */
    put_digits(p + 1, d, n);
    for (int i = 0; i <= x; i++)
        p[i] = p[i + 1];
    p[x + 1] = '.';
    return p + n + 1;
}

size_t fmt_double(char *buf, double x)
{
    uint64_t bits, d;
    int e10;
    char *p = buf;

    memcpy(&bits, &x, sizeof bits);
    if ((bits >> 52 & 0x7ff) == 0x7ff) {
        bool nan = (bits & ((UINT64_C(1) << 52) - 1)) != 0;
        const char *s = nan ? "nan" : bits >> 63 ? "-inf" : "inf";
        size_t n = strlen(s);
        memcpy(buf, s, n + 1);
        return n;
    }
    if (bits >> 63) {
        *p++ = '-';
        bits &= ~(UINT64_C(1) << 63);
    }
    if (bits == 0) {
        *p++ = '0';
    } else {
        if (!atomic_load_explicit(&pow_ready, memory_order_acquire))
            pthread_once(&pow_once, pow_init);
        if (!shortest(bits, &d, &e10))
            shortest_slow(fabs(x), &d, &e10);
        p = put_decimal(p, d, e10);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

void fmt_prepare(void)
{
    if (!atomic_load_explicit(&pow_ready, memory_order_acquire))
        pthread_once(&pow_once, pow_init);
}

/* fmt.h - shortest round-trip text for doubles, fast enough for trajectories.
 *
 * fmt_double() writes the shortest decimal string that strtod() reads back
 * to the very same double, in the layout of printf("%.17g") (so a column
 * looks like what users know), with the shortest digits instead of 17:
 *
 *     0  -0  1  0.1  12345.678  0.0001  1.5e-07  1e+300  inf  -inf  nan
 *
 * Layout rule (the one %g uses with precision 17): with X the decimal
 * exponent of the leading digit, scientific notation d.ddde±XX (at least two
 * exponent digits) when X < -4 or X >= 17, plain notation otherwise, without
 * trailing zeros after a decimal point and without a point when nothing
 * follows it.  When several strings of the shortest length read back to x,
 * the one closest to x is written (ties: even last digit).  NaN is written
 * "nan" whatever its sign and payload. */
#ifndef ODESOLVE_FMT_H
#define ODESOLVE_FMT_H

#include <stddef.h>

/* Size of the buffer fmt_double() needs.  It writes at most 25 bytes, NUL
   included ("-2.2250738585072014e-308"); 32 leaves room to spare. */
#define FMT_DOUBLE_MAX 32

/* Writes x into buf (at least FMT_DOUBLE_MAX bytes) followed by a NUL and
   returns the length without the NUL.  About 45 ns a number on the
   development machine, 7 times less than snprintf("%.17g") (see
   bench/out_bench.sh).  Thread-safe; the first call builds the power-of-ten
   table (about 50 microseconds). */
size_t fmt_double(char *buf, double x);

/* Builds the table of powers of ten now (fmt_double() otherwise does it on
   its first call, about 0.1 ms), so that timing of a solve excludes it. */
void fmt_prepare(void);

#endif

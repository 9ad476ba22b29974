/* lorenz_dp5.c - a hand-written Dormand-Prince 5(4) on the Lorenz system,
 * the yardstick for odesolve's generic explicit engine.
 *
 *   lorenz_dp5 [RTOL [ATOL]]      (defaults 1e-8 and 1e-10)
 *
 * Integrates x' = s(y-x), y' = x(r-z) - y, z' = xy - bz with s = 10, r = 28,
 * b = 8/3 from (1, 1, 1) over [0, 100] and prints t,x,y,z at the 1001 points
 * t = k/10 (%.17g) on stdout, "steps=N rejected=N nfev=N" on stderr.
 *
 * It uses no odesolve code, but the same algorithm as odesolve's default
 * dopri5 run, operation for operation, so the two take the same steps and
 * print the same numbers:
 *  - tableau: Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19-26;
 *    FSAL; error estimate h sum (b_j - bhat_j) k_j, RMS norm scaled by
 *    atol + rtol max(|y_n|, |y_n+1|);
 *  - initial step: Hairer, Norsett & Wanner, "Solving ODEs I", II.4,
 *    exponent 1/5;
 *  - controller: PID filter (Soderlind, ACM TOMS 29 (2003)) with gains
 *    kI 0.55, kP 0.25, kD 0.1, target error 0.45, step ratio limits
 *    [0.2, 5], elementary retry after a rejection, no growth right after
 *    one;
 *  - last step stretched to t1 when within 1.01 steps of it;
 *  - dense output: Shampine (1986) in the form of HNW II.6.
 * The right-hand side is called through a function pointer, as odesolve
 * calls a compiled model.  Build: cc -O2 -o lorenz_dp5 lorenz_dp5.c -lm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The number of states is read at run time, as in any solver not written
   for one problem (a constant 3 would let the compiler unroll every loop);
   not static, so the compiler cannot treat it as a constant. */
int bench_neq = 3;
#define N_MAX 3

typedef int (*rhs_fn)(void *ctx, double t, const double *y, const double *p,
                      double *f);

static int lorenz(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)t;
    f[0] = p[0] * (y[1] - y[0]);
    f[1] = y[0] * (p[1] - y[2]) - y[1];
    f[2] = y[0] * y[1] - p[2] * y[2];
    return 0;
}

/* Not static: the compiler must call through it, not inline lorenz. */
rhs_fn bench_rhs = lorenz;

static long nfev;

static void f(double t, const double *y, const double *p, double *out)
{
    bench_rhs(NULL, t, y, p, out);
    nfev++;
}

static const double
    c2 = 1.0/5, c3 = 3.0/10, c4 = 4.0/5, c5 = 8.0/9,
    a21 = 1.0/5,
    a31 = 3.0/40, a32 = 9.0/40,
    a41 = 44.0/45, a42 = -56.0/15, a43 = 32.0/9,
    a51 = 19372.0/6561, a52 = -25360.0/2187, a53 = 64448.0/6561, a54 = -212.0/729,
    a61 = 9017.0/3168, a62 = -355.0/33, a63 = 46732.0/5247, a64 = 49.0/176,
    a65 = -5103.0/18656,
    b1 = 35.0/384, b3 = 500.0/1113, b4 = 125.0/192, b5 = -2187.0/6784, b6 = 11.0/84,
    e1 = 35.0/384 - 5179.0/57600, e3 = 500.0/1113 - 7571.0/16695,
    e4 = 125.0/192 - 393.0/640, e5 = -2187.0/6784 - -92097.0/339200,
    e6 = 11.0/84 - 187.0/2100, e7 = 0.0 - 1.0/40,
    d1 = -12715105075.0/11282082432.0, d3 = 87487479700.0/32700410799.0,
    d4 = -10690763975.0/1880347072.0, d5 = 701980252875.0/199316789632.0,
    d6 = -1453857185.0/822651844.0, d7 = 69997945.0/29380423.0;

/* Controller constants (odesolve: solver/control.c). */
static const double target = 0.45, fac_max = 5.0, fac_min = 0.2, err_floor = 1e-4,
                    nonfinite_shrink = 0.25, ki = 0.55, kp = 0.25, kd = 0.1;

static double rms(int n, const double *v, const double *sc)
{
    double sum = 0.0;
    int i;

    for (i = 0; i < n; i++) {
        double q = v[i] / sc[i];
        sum += q * q;
    }
    return sqrt(sum / (double)n);
}

static void print_row(double t, const double *y)
{
    printf("%.17g,%.17g,%.17g,%.17g\n", t, y[0], y[1], y[2]);
}

int main(int argc, char **argv)
{
    const double p[3] = { 10.0, 28.0, 8.0 / 3.0 };
    const double t0 = 0.0, t1 = 100.0, save_every = 0.1, dir = 1.0;
    const double rtol = argc > 1 ? atof(argv[1]) : 1e-8;
    const double atol = argc > 2 ? atof(argv[2]) : 1e-10;
    const double inv_k = 1.0 / 5;
    const double w1 = (ki + kp + kd) * inv_k, w2 = -(kp + 2.0 * kd) * inv_k,
                 w3 = kd * inv_k, log_target = log(target);
    const int n = bench_neq;
    double y[N_MAX] = { 1.0, 1.0, 1.0 }, y1[N_MAX], yt[N_MAX], sc[N_MAX];
    double k1[N_MAX], k2[N_MAX], k3[N_MAX], k4[N_MAX], k5[N_MAX], k6[N_MAX], k7[N_MAX];
    double r1[N_MAX], r2[N_MAX], r3[N_MAX], r4[N_MAX], out[N_MAX];
    double t = t0, h, hmax = fabs(t1 - t0), lerr1 = log_target, lerr2 = log_target;
    long steps = 0, rejected = 0, save_k = 1, save_n;
    int rejected_last = 0, i;

    if (n < 1 || n > N_MAX || !(rtol >= 0) || !(atol > 0)) {
        fprintf(stderr, "usage: lorenz_dp5 [RTOL [ATOL]] with RTOL >= 0, ATOL > 0\n");
        return 2;
    }
    save_n = (long)ceil(fabs(t1 - t0) / save_every - 1e-6);
    printf("t,x,y,z\n");
    print_row(t, y);
    f(t, y, p, k1);

    {   /* initial step, HNW II.4 */
        double d0, d1n, d2, dm, h0, hh;
        for (i = 0; i < n; i++)
            sc[i] = atol + rtol * fabs(y[i]);
        d0 = rms(n, y, sc);
        d1n = rms(n, k1, sc);
        h0 = (d0 < 1e-5 || d1n < 1e-5) ? 1e-6 : 0.01 * (d0 / d1n);
        if (h0 > hmax)
            h0 = hmax;
        for (i = 0; i < n; i++)
            yt[i] = y[i] + dir * h0 * k1[i];
        f(t0 + dir * h0, yt, p, k2);
        for (i = 0; i < n; i++)
            k2[i] = k2[i] - k1[i];
        d2 = rms(n, k2, sc) / h0;
        dm = d1n > d2 ? d1n : d2;
        hh = dm <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / dm, 1.0 / 5);
        hh = fmin(100.0 * h0, hh);
        h = fmin(hh, hmax);
    }

    for (;;) {
        double hs, tnew, sum = 0.0, inf = 0.0, err, fac, lerr;
        int last = fabs(t1 - t) <= 1.01 * h;

        hs = last ? t1 - t : dir * h;
        tnew = last ? t1 : t + hs;
        for (i = 0; i < n; i++)
            yt[i] = y[i] + hs * (a21 * k1[i]);
        f(t + c2 * hs, yt, p, k2);
        for (i = 0; i < n; i++)
            yt[i] = y[i] + hs * (a31 * k1[i] + a32 * k2[i]);
        f(t + c3 * hs, yt, p, k3);
        for (i = 0; i < n; i++)
            yt[i] = y[i] + hs * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
        f(t + c4 * hs, yt, p, k4);
        for (i = 0; i < n; i++)
            yt[i] = y[i] + hs * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
        f(t + c5 * hs, yt, p, k5);
        for (i = 0; i < n; i++)
            yt[i] = y[i] + hs * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] +
                                 a65 * k5[i]);
        f(t + 1.0 * hs, yt, p, k6);
        for (i = 0; i < n; i++)
            y1[i] = y[i] + hs * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] +
                                 b6 * k6[i]);
        f(t + hs, y1, p, k7);
        for (i = 0; i < n; i++) {
            double ev = hs * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] +
                              e6 * k6[i] + e7 * k7[i]);
            double m0 = fabs(y[i]), m1 = fabs(y1[i]);
            double q = ev / (atol + rtol * (m1 > m0 ? m1 : m0));
            sum += q * q;
            inf += y1[i] * 0.0;
        }
        err = sqrt(sum / (double)n) + inf;

        if (!isfinite(err)) {
            rejected_last = 1;
            fac = nonfinite_shrink;
        } else {
            lerr = log(err > err_floor ? err : err_floor);
            if (err > 1.0) {
                fac = exp((log_target - lerr) * inv_k);
                if (fac < fac_min)
                    fac = fac_min;
                rejected_last = 1;
            } else {
                fac = exp(w1 * (log_target - lerr) + w2 * (log_target - lerr1) +
                          w3 * (log_target - lerr2));
                lerr2 = lerr1;
                lerr1 = lerr;
                if (fac > fac_max)
                    fac = fac_max;
                if (fac < fac_min)
                    fac = fac_min;
                if (rejected_last && fac > 1.0)
                    fac = 1.0;
                rejected_last = 0;
            }
        }
        if (!(err <= 1.0)) {
            rejected++;
            h = fabs(hs) * fac;
            if (h <= 16.0 * 2.220446049250313e-16 * fabs(t)) {
                fprintf(stderr, "step size underflow at t=%g\n", t);
                return 1;
            }
            continue;
        }

        {   /* save points in (t, tnew] */
            int built = 0;
            while (save_k <= save_n) {
                double ts = save_k < save_n ? t0 + (double)save_k * (dir * save_every) : t1;
                if (dir * (ts - tnew) > 0)
                    break;
                if (ts == tnew) {
                    print_row(ts, y1);
                } else {
                    double th = (ts - t) / hs, s = 1.0 - th;
                    if (!built) {
                        for (i = 0; i < n; i++) {
                            double dy = y1[i] - y[i], slope0 = hs * k1[i] - dy;
                            r1[i] = dy;
                            r2[i] = slope0;
                            r3[i] = dy - hs * k7[i] - slope0;
                            r4[i] = hs * (d1 * k1[i] + d3 * k3[i] + d4 * k4[i] +
                                          d5 * k5[i] + d6 * k6[i] + d7 * k7[i]);
                        }
                        built = 1;
                    }
                    for (i = 0; i < n; i++)
                        out[i] = y[i] + th * (r1[i] + s * (r2[i] + th * (r3[i] + s * r4[i])));
                    print_row(ts, out);
                }
                save_k++;
            }
        }
        for (i = 0; i < n; i++) {
            y[i] = y1[i];
            k1[i] = k7[i];
        }
        steps++;
        t = tnew;
        if (last)
            break;
        h = fmin(fabs(hs) * fac, hmax);
    }
    fprintf(stderr, "steps=%ld rejected=%ld nfev=%ld\n", steps, rejected, nfev);
    return 0;
}

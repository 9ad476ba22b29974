#!/usr/bin/env python3
"""make_sample_refs.py - how tests/e2e/samples.ref was computed.

This file documents the reference values of samples/*.ode; the tests and CI
never run it, and nothing in odesolve depends on Python.  Each sample is
encoded here again by hand, independently of odesolve's parser and solvers,
and integrated to its final time t1 with SciPy:

  - solve_ivp(method="DOP853", rtol=1e-13, atol=1e-13) gives the reference,
    cross-checked with Radau (implicit, order 5) at the same tolerances; the
    largest relative difference between the two is written next to each
    sample.
  - Where the right-hand side jumps (the current pulse of fitzhugh.ode) the
    integration is restarted at each switching time, so that no step
    straddles a discontinuity.
  - harmonic.ode has an exact solution, which is used instead.
  - lorenz.ode is chaotic: over t in [0, 20] its errors grow about 1e3-fold,
    so the reference there comes from a Taylor series method in 50-digit
    decimal arithmetic (below), and DOP853 and Radau are the cross-checks.

For orientation each sample also gets rough estimates of how far a run lands
from the reference, with the file's own settings and with the tight settings
tests/e2e/run.sh uses for its reference check (dopri5, rtol 1e-11, atol
1e-12): fixed-step rk4 is replayed exactly, adaptive dopri5 is imitated by
SciPy's RK45 (the same Dormand-Prince pair, another step-size controller,
so only the order of magnitude carries over).

Usage (Debian: apt-get install python3-scipy; use the system /usr/bin/python3):

    /usr/bin/python3 scripts/make_sample_refs.py > tests/e2e/samples.ref

It takes under a minute, mostly Radau on the Lorenz system.  Values are
printed with 17 significant digits, enough to pin down a double.
"""

import math
import sys
from decimal import Decimal, getcontext

import numpy as np
import scipy
from scipy.integrate import solve_ivp

TOL = 1e-13


# ----------------------------------------------------------------------------
# The samples, by hand.  Each entry mirrors one .ode file: the parameter
# values, initial state, right-hand side and the aux columns worth comparing,
# written with the same formulas (and so the same double roundings) as the
# file.  `breaks` are the times where the right-hand side jumps;
# `file_method` is how the file's own @ settings integrate it, either
# ("rk4", dt) or, for dopri5, ("RK45", rtol, atol, dtmax).
# ----------------------------------------------------------------------------

def lorenz():
    sigma, rho, beta = 10.0, 28.0, 2.6666666666666667

    def f(t, u):
        x, y, z = u
        return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z]

    return dict(name="lorenz", t0=0.0, t1=20.0, states=["x", "y", "z"],
                y0=[1.0, 1.0, 1.0], f=f, aux=lambda t, u: [],
                exact=lambda t: lorenz_taylor(t, sigma, rho, beta),
                exact_name="Taylor series, 50 digits",
                file_method=("RK45", 1e-10, 1e-12, np.inf))


def vanderpol():
    mu = 1.5

    def f(t, u):
        x, y = u
        return [y, mu * (1 - x**2) * y - x]

    def aux(t, u):
        x, y = u
        return [("energy", (x**2 + y**2) / 2)]

    return dict(name="vanderpol", t0=0.0, t1=20.0, states=["x", "y"],
                y0=[2.0, 0.0], f=f, aux=aux, file_method=("rk4", 0.01))


def fitzhugh():
    a, b, eps, amp, ton, toff = 0.7, 0.8, 0.08, 0.5, 10.0, 60.0

    def heav(x):
        return 1.0 if x >= 0 else 0.0

    def current(t):
        return amp * heav(t - ton) * heav(toff - t)

    def f(t, u):
        v, w = u
        return [v - v**3 / 3 - w + current(t), eps * (v + a - b * w)]

    def aux(t, u):
        return [("current", current(t))]

    return dict(name="fitzhugh", t0=0.0, t1=80.0, states=["v", "w"],
                y0=[-1.1994, -0.6243], f=f, aux=aux, breaks=[ton, toff],
                file_method=("RK45", 1e-9, 1e-10, 1.0))


def lotka():
    alpha, beta, gamma, delta = 1.1, 0.4, 0.4, 0.1

    def f(t, u):
        prey, pred = u
        meet = prey * pred
        return [alpha * prey - beta * meet, delta * meet - gamma * pred]

    def aux(t, u):
        prey, pred = u
        return [("V", delta * prey - gamma * math.log(prey)
                 + beta * pred - alpha * math.log(pred))]

    return dict(name="lotka", t0=0.0, t1=50.0, states=["prey", "pred"],
                y0=[10.0, 10.0], f=f, aux=aux, invariant="V",
                file_method=("RK45", 1e-9, 1e-9, np.inf))


def pendulum():
    g = 9.81
    l, m, c = 1.0, 1.0, 0.0
    omega0 = math.sqrt(g / l)

    def f(t, u):
        theta, omega = u
        return [omega, -omega0**2 * math.sin(theta) - c * omega]

    def aux(t, u):
        theta, omega = u
        return [("energy", m * l**2 * omega**2 / 2
                 + m * g * l * (1 - math.cos(theta))),
                ("period0", 2 * math.pi / omega0)]

    return dict(name="pendulum", t0=0.0, t1=10.0, states=["theta", "omega"],
                y0=[2.5, 0.0], f=f, aux=aux, invariant="energy",
                file_method=("RK45", 1e-10, 1e-12, np.inf))


def sir():
    beta, gamma = 0.3, 0.1
    r0 = beta / gamma

    def f(t, u):
        s, i, r = u
        n = s + i + r
        return [-beta * s * i / n, beta * s * i / n - gamma * i, gamma * i]

    def aux(t, u):
        s, i, r = u
        n = s + i + r
        return [("Rzero", r0), ("Reff", r0 * s / n)]

    return dict(name="sir", t0=0.0, t1=160.0, states=["S", "I", "R"],
                y0=[999.0, 1.0, 0.0], f=f, aux=aux,
                file_method=("RK45", 1e-10, 1e-8, np.inf))


def brusselator():
    a, b = 1.0, 3.0

    def f(t, u):
        x, y = u
        rate = x**2 * y
        return [a + rate - (b + 1) * x, b * x - rate]

    return dict(name="brusselator", t0=0.0, t1=20.0, states=["x", "y"],
                y0=[1.5, 3.0], f=f, aux=lambda t, u: [],
                file_method=("RK45", 1e-9, 1e-10, np.inf))


def harmonic():
    omega, x0, v0 = 1.0, 1.0, 0.0

    def f(t, u):
        x, v = u
        return [v, -omega**2 * x]

    def exact(t):
        return [x0 * math.cos(omega * t) + v0 / omega * math.sin(omega * t),
                v0 * math.cos(omega * t) - x0 * omega * math.sin(omega * t)]

    def aux(t, u):
        return [("xexact", x0 * math.cos(omega * t)
                 + v0 / omega * math.sin(omega * t))]

    return dict(name="harmonic", t0=0.0, t1=5.0, states=["x", "v"],
                y0=[1.0, 0.0], f=f, aux=aux, exact=exact,
                exact_name="exact solution", file_method=("rk4", 0.01),
                note="aux err = x - xexact is the solver's own error (about "
                     "-4e-10 with the file's settings) and has no reference")


SAMPLES = [lorenz, vanderpol, fitzhugh, lotka, pendulum, sir, brusselator,
           harmonic]


# ----------------------------------------------------------------------------
# Integrators
# ----------------------------------------------------------------------------

def integrate(s, method, rtol=TOL, atol=TOL, max_step=np.inf, restart=True):
    """State at s['t1'] by solve_ivp, restarting at every break time unless
    `restart` is false (as odesolve, which steps across them)."""
    breaks = s.get("breaks", []) if restart else []
    pts = [s["t0"]] + [b for b in breaks if s["t0"] < b < s["t1"]] + [s["t1"]]
    y = np.array(s["y0"], dtype=float)
    for a, b in zip(pts, pts[1:]):
        sol = solve_ivp(s["f"], (a, b), y, method=method, rtol=rtol,
                        atol=atol, max_step=max_step)
        if not sol.success:
            sys.exit(f"{s['name']}: {method} failed: {sol.message}")
        y = sol.y[:, -1]
    return y


def rk4_fixed(s, dt):
    """The classical Runge-Kutta method with a fixed step, t_k = t0 + k*dt."""
    n = round((s["t1"] - s["t0"]) / dt)
    h = (s["t1"] - s["t0"]) / n
    f = lambda t, y: np.array(s["f"](t, y))
    y = np.array(s["y0"], dtype=float)
    for k in range(n):
        t = s["t0"] + k * h
        k1 = f(t, y)
        k2 = f(t + h / 2, y + h / 2 * k1)
        k3 = f(t + h / 2, y + h / 2 * k2)
        k4 = f(t + h, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def lorenz_taylor(t1, sigma, rho, beta, digits=50, h="0.01", order=35):
    """Lorenz system from (1, 1, 1) by its Taylor series, in `digits`-digit
    decimal arithmetic.  The parameters enter as the exact values of the
    doubles odesolve uses (Decimal(float) is exact), so only the truncation
    of the series and the decimal rounding separate this from the true
    solution of the double-valued problem.

    The system is quadratic, so the Taylor coefficients follow from the
    Cauchy product: with x = sum x_k s^k etc.,
        x_{k+1} = sigma (y_k - x_k) / (k+1)
        y_{k+1} = (rho x_k - (xz)_k - y_k) / (k+1)
        z_{k+1} = ((xy)_k - beta z_k) / (k+1),   (uv)_k = sum_j u_j v_{k-j}.
    With step 0.01 and 35 terms the remainder is far below 1e-40; halving the
    step and using 40 terms and 60 digits changes nothing in the first 45
    digits."""
    getcontext().prec = digits
    S, R, B = Decimal(sigma), Decimal(rho), Decimal(beta)
    x, y, z = Decimal(1), Decimal(1), Decimal(1)
    n = round(Decimal(t1) / Decimal(h))
    step = Decimal(t1) / n

    def horner(c):
        acc = Decimal(0)
        for ck in reversed(c):
            acc = acc * step + ck
        return acc

    for _ in range(n):
        X, Y, Z = [x], [y], [z]
        for k in range(order):
            xz = sum(X[j] * Z[k - j] for j in range(k + 1))
            xy = sum(X[j] * Y[k - j] for j in range(k + 1))
            X.append(S * (Y[k] - X[k]) / (k + 1))
            Y.append((R * X[k] - xz - Y[k]) / (k + 1))
            Z.append((xy - B * Z[k]) / (k + 1))
        x, y, z = horner(X), horner(Y), horner(Z)
    return [float(x), float(y), float(z)]


def reldiff(a, b):
    """Largest |a_i - b_i| / |b_i| (absolute where b_i = 0)."""
    return max(abs(p - q) / (abs(q) if q != 0 else 1.0) for p, q in zip(a, b))


# ----------------------------------------------------------------------------

def main():
    out = sys.stdout
    out.write("# samples.ref - reference values of samples/*.ode at their final time t1.\n"
              "# Computed independently of odesolve by scripts/make_sample_refs.py\n"
              f"# (SciPy {scipy.__version__}, NumPy {np.__version__}); see that file for the method.\n"
              "# One value a line: sample name, CSV column name, value (17 significant digits).\n"
              "# For each sample a comment gives t1, the source of the values, the agreement\n"
              "# of the cross-checks, and rough estimates of the relative deviation expected\n"
              "# from a run with the file's own @ settings and with the tight settings of\n"
              "# tests/e2e/run.sh.\n"
              "#\n"
              "# sample column value  (final time t1; source)\n")
    for make in SAMPLES:
        s = make()
        dop = integrate(s, "DOP853")
        rad = integrate(s, "Radau")
        checks = f"Radau agrees to {reldiff(rad, dop):.1e}"
        if "exact" in s:
            ref = np.array(s["exact"](s["t1"]))
            source = s["exact_name"]
            checks = (f"DOP853 agrees to {reldiff(dop, ref):.1e}, "
                      f"Radau to {reldiff(rad, ref):.1e}")
        else:
            ref = dop
            source = "DOP853 rtol=atol=1e-13"
            if s.get("breaks"):
                source += ", restarted at t=" + ",".join(f"{b:g}" for b in s["breaks"])

        fm = s["file_method"]
        if fm[0] == "rk4":
            est = reldiff(rk4_fixed(s, fm[1]), ref)
            how = f"rk4 dt={fm[1]:g} replayed"
        else:
            est = reldiff(integrate(s, "RK45", rtol=fm[1], atol=fm[2],
                                    max_step=fm[3], restart=False), ref)
            how = f"RK45 rtol={fm[1]:g} atol={fm[2]:g}"

        tight = reldiff(integrate(s, "RK45", rtol=1e-11, atol=1e-12,
                                  restart=False), ref)

        aux = s["aux"](s["t1"], ref)
        inv = ""
        if "invariant" in s:
            name = s["invariant"]
            start = dict(s["aux"](s["t0"], s["y0"]))[name]
            end = dict(aux)[name]
            inv = f"; {name} conserved: start {start:.17g}, |change| {abs(end - start):.1e}"

        out.write(f"#\n# {s['name']}: t1={s['t1']:g}; {source}; {checks}{inv}\n"
                  f"# {s['name']}: file settings ({how}): {est:.1e}; "
                  f"tight check (RK45 rtol=1e-11 atol=1e-12): {tight:.1e}\n")
        if "note" in s:
            out.write(f"# {s['name']}: {s['note']}\n")
        for col, v in zip(s["states"], ref):
            out.write(f"{s['name']} {col} {v:.17g}\n")
        for col, v in aux:
            out.write(f"{s['name']} {col} {v:.17g}\n")
        out.flush()


if __name__ == "__main__":
    main()

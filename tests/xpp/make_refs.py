#!/usr/bin/env python3
"""make_refs.py - how the known answers of tests/xpp/*.out were made.

tests/e2e/run.sh runs every tests/xpp/NAME.ode unchanged (its own `@`
settings) and compares the CSV with NAME.out within the tolerance of its
first line; make check never runs this script, and needs neither Python
nor xppaut.

  - oscillator, decay, logistic, meanfield and volterra have closed-form
    solutions, evaluated here at the file's saved times (dt apart over
    total; dt*nout for volterra).  volterra's tolerance 1e-6 covers the
    trapezoidal rule's error at its dt (2e-7 in g at t=1).
  - fhn, ml, hh, ring, abel and window are XPPAUT's own output: `xppaut NAME.ode -silent` (Debian's
    xppaut 6.11, which prints 8 significant digits of single precision)
    in a scratch folder, output.dat converted to CSV.  Both files ask for
    XPPAUT's fixed-step Runge-Kutta (meth=rungekutta, meth=r), which
    odesolve runs as rk4 with the same dt, so the rows agree to XPPAUT's
    printed precision: the tolerance is 1e-6.  (fhn's current starts at
    t=5.01, not on a step: XPPAUT adds dt to t at each step, reaches
    t=5 a rounding error short and switches heav(t-5) one step late.)
  - kick is XPPAUT's output too, of its adaptive qualrk (Cash-Karp with
    Numerical Recipes' rkqs control); run with --xpp (the ARGS of the
    first line), which replays that method, so again the rows agree to
    XPPAUT's printed precision, the tracer near 1e-13 included.
    bounce is the same with an event: XPPAUT looks for it once per row
    and puts it on the straight line between two rows, as --xpp does.
  - enzyme is XPPAUT's output of its CVODE (meth=cvode, tol=1e-6,
    atol=1e-8), a stiff model: odesolve runs it without flags, with its
    own stiff solver (bdf) at the file's tolerances, and must agree with
    CVODE's rows within ten times the file's tol: the tolerance is 1e-5.

  - map-*, fire-*, kick-zero, duffing-*, dpend-rk4, pendulum-ymp and shoot-bdry are XPPAUT's output too,
    run by the tests with --xpp and held to 3e-7: difference equations
    (x(t+1)=..., meth=discrete), XPPAUT's events in a fixed-step run
    (linear location, the rest of the step after the reset, no rows of
    their own), and chaotic models under rungekutta, modeuler and ymp
    (dpend-rk4 also needs every power to be pow(), as XPPAUT computes ^);
    shoot-bdry has bdry statements, which xppaut -silent ignores.

Usage: /usr/bin/python3 tests/xpp/make_refs.py   (writes tests/xpp/*.out)
"""

import math
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def grid(total, dt):
    n = int(round(total / dt))
    return [i * dt for i in range(n + 1)]


def write(name, tol, header, rows):
    with open(os.path.join(HERE, name + ".out"), "w") as f:
        f.write("# tol %s\n" % tol)
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(repr(float(v)) for v in r) + "\n")


def oscillator():
    w = 2.0
    rows = []
    for t in grid(3, 0.25):
        x, v = math.cos(w * t), -w * math.sin(w * t)
        rows.append((t, x, v, w * w / 2, math.atan2(-v / w, x)))
    write("oscillator", "1e-8", ["t", "x", "v", "energy", "phase"], rows)


def decay():
    kon, koff, pe = 0.5, 0.25, 2.0
    aeq = koff / (kon + koff)
    rows = []
    for t in grid(8, 0.5):
        a = aeq + (1 - aeq) * math.exp(-(kon + koff) * t)
        rows.append((t, a, 1 - a, 1.0, pe * a))
    write("decay", "1e-8", ["t", "A", "B", "total", "pe"], rows)


def logistic():
    r, k, n0 = 1.0, 10.0, 0.5
    rows = []
    for t in grid(12, 0.5):
        n = k / (1 + (k / n0 - 1) * math.exp(-r * t))
        rows.append((t, n, r * n * (1 - n / k)))
    write("logistic", "1e-8", ["t", "N", "growth"], rows)


def meanfield():
    # m' = (c-1) m for the mean; x_j - m decays like exp(-t).
    c, n = 0.5, 5
    x0 = [6.0, 1, 1, 1, 1]
    y0 = [0.0, 2, 2, 2, 2]
    mx0, my0 = sum(x0) / n, sum(y0) / n
    rows = []
    for t in grid(4, 0.5):
        g, e = math.exp((c - 1) * t), math.exp(-t)
        x = [mx0 * g + (v - mx0) * e for v in x0]
        y = [my0 * g + (v - my0) * e for v in y0]
        moment = sum(j * x[j] for j in range(n))
        rows.append([t] + x + y + [mx0 * g, moment, 30.0, 2.5])
    write("meanfield", "1e-8",
          ["t"] + ["x%d" % j for j in range(n)] + ["y%d" % j for j in range(n)]
          + ["mean", "moment", "squares", "weights"], rows)


def volterra():
    rows = []
    for t in grid(1, 0.1):
        rows.append((t, math.exp(t), math.cosh(t), (1 + math.exp(-2 * t)) / 2,
                     math.exp(t)))
    write("volterra", "1e-6", ["t", "g", "c", "m", "gex"], rows)


def xppaut(name, header, first="# tol 1e-6"):
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(HERE, name + ".ode"), d)
        subprocess.run(["xppaut", name + ".ode", "-silent"], cwd=d,
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(os.path.join(d, "output.dat")) as f:
            rows = [[float(v) for v in line.split()] for line in f]
    with open(os.path.join(HERE, name + ".out"), "w") as f:
        f.write(first + "\n")
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join("%.8g" % v for v in r) + "\n")


oscillator()
decay()
logistic()
meanfield()
volterra()
xppaut("fhn", ["t", "v", "w", "I_app", "dv"])
xppaut("ml", ["t", "v", "w", "ica", "ik"])
xppaut("hh", ["t", "v", "m", "h", "n", "I_Na", "I_K"])
xppaut("ring", ["t"] + ["u%d" % j for j in range(8)] + ["total"])
# Run with --xpp, to three float ulps (XPPAUT stores floats): maps,
# events in fixed-step runs, and chaotic models whose rows stay XPPAUT's
# only while every operation matches its arithmetic (a last-bit
# difference grows past the tolerance within the run).
XPP = "# tol 3e-7 --xpp"
xppaut("map-logistic", ["t", "x", "u", "n"], XPP)
xppaut("map-delayed", ["t", "p", "q"], XPP)
xppaut("fire-reset", ["t", "v1", "v2", "s"], XPP)
xppaut("fire-double", ["t", "v"], XPP)
xppaut("duffing-rk4", ["t", "x", "v", "e"], XPP)
xppaut("duffing-heun", ["t", "x", "v"], XPP)
xppaut("pendulum-ymp", ["t", "th", "om", "q", "p", "energy"], XPP)
xppaut("dpend-rk4", ["t", "a1", "a2", "w1", "w2", "h"], XPP)
xppaut("shoot-bdry", ["t", "u", "up"], XPP)
xppaut("kick-zero", ["t", "q", "p"], XPP)
xppaut("kick", ["t", "th", "om", "c", "e"], "# tol 1e-6 --xpp")
xppaut("bounce", ["t", "y", "v", "en"], "# tol 1e-6 --xpp")
xppaut("enzyme", ["t", "s", "c", "e", "p", "rate"], "# tol 1e-5")
xppaut("abel", ["t", "u"])
xppaut("window", ["t", "g"])

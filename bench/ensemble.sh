#!/bin/sh
# ensemble.sh - a sweep of 10^4 Lorenz members (r from 20 to 40) to t = 10
# at rtol = atol = 1e-8, --save-final: -j 2 against -j 1, and per member
# against a Python loop over scipy's solve_ivp (RK45, same tolerances) on
# an evenly spread subset of the same members, all in one run.  Prints a
# Markdown section on stdout (bench/run.sh puts it into results.md).
#   O=build bench/ensemble.sh
#   MEMBERS  members of the sweep [10000]
#   ROUNDS   timed rounds of each, -j 1 and -j 2 alternating [5]
#   SCIPY_MEMBERS  members of the Python loop [40]
set -eu
O=${O:-build}
B=$O/bench
mkdir -p "$B"
MEMBERS=${MEMBERS:-10000}
ROUNDS=${ROUNDS:-5}
SCIPY_MEMBERS=${SCIPY_MEMBERS:-40}
# Measure a copy: the build may be relinked during the run.
cp "$O/odesolve" "$B/odesolve-ens"
ODE="$B/odesolve-ens"
ARGS="bench/lorenz.ode --sweep r=20:40:$MEMBERS --t1 10 --rtol 1e-8 --atol 1e-8 --save-final -q"

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$B/ens-j1.times"
: >"$B/ens-j2.times"
: >"$B/ens-j1.cpu"
: >"$B/ens-j2.cpu"
r=0
while [ $r -lt "$ROUNDS" ]; do
    for j in 1 2; do
        s=$(now)
        # shellcheck disable=SC2086
        /usr/bin/time -f '%U %S' -o "$B/ens-cpu.txt" "$ODE" $ARGS -j $j -o "$B/ens-j$j.csv"
        e=$(now)
        echo "$s $e" | awk '{ printf "%.6f\n", $2 - $1 }' >>"$B/ens-j$j.times"
        awk '{ print $1 + $2 }' "$B/ens-cpu.txt" >>"$B/ens-j$j.cpu"
    done
    r=$((r + 1))
done
cmp -s "$B/ens-j1.csv" "$B/ens-j2.csv" || { echo "-j 1 and -j 2 outputs differ" >&2; exit 1; }
t1=$(median <"$B/ens-j1.times")
t2=$(median <"$B/ens-j2.times")
c1=$(median <"$B/ens-j1.cpu")
c2=$(median <"$B/ens-j2.cpu")
# shellcheck disable=SC2086
steps=$("$ODE" $ARGS -j 2 -o /dev/null --stats 2>&1 | sed -n 's/^steps: //p')

# The Python loop over members spread evenly through the sweep: member k
# of the subset is member k*(MEMBERS-1)/(SCIPY_MEMBERS-1) of the sweep,
# whose r is in the CSV.
HAS_SCIPY=0
if /usr/bin/python3 -c 'import numpy, scipy.integrate' 2>/dev/null; then HAS_SCIPY=1; fi
if [ $HAS_SCIPY = 1 ]; then
    awk -F, -v n="$SCIPY_MEMBERS" -v m="$MEMBERS" '
        BEGIN { for (k = 0; k < n; k++) want[int(k * (m - 1) / (n - 1))] = 1 }
        NR > 1 && ($1 in want) { print $2, $5, $6, $7 }' "$B/ens-j1.csv" >"$B/ens-subset.txt"
    /usr/bin/python3 - "$B/ens-subset.txt" "$ROUNDS" >"$B/ens-scipy.txt" <<'EOF'
import sys, time
import numpy as np
from scipy.integrate import solve_ivp

rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
rounds = int(sys.argv[2])

def run():
    out = []
    for r, *_ in rows:
        def f(t, u, r=r):
            x, y, z = u
            return [10.0 * (y - x), x * (r - z) - y, x * y - 2.6666666666666665 * z]
        sol = solve_ivp(f, (0.0, 10.0), [1.0, 1.0, 1.0], method="RK45", rtol=1e-8, atol=1e-8)
        out.append(sol.y[:, -1])
    return out

times = []
for _ in range(max(1, min(rounds, 3))):
    t = time.perf_counter()
    out = run()
    times.append(time.perf_counter() - t)
times.sort()
med = times[len(times) // 2]
# Largest difference from odesolve's final states, relative to the state's size.
diff = max(float(np.max(np.abs(o - np.array(row[1:])) / np.maximum(1.0, np.abs(o))))
           for o, row in zip(out, rows))
print(f"{med / len(rows):.9f} {diff:.3g} {len(rows)}")
EOF
fi

awk -v t1="$t1" -v t2="$t2" -v c1="$c1" -v c2="$c2" -v m="$MEMBERS" -v steps="$steps" -v rounds="$ROUNDS" \
    -v py="$(cat "$B/ens-scipy.txt" 2>/dev/null || echo)" -v cores="$(nproc)" 'BEGIN {
    printf "## Ensembles: %d Lorenz members, -j and against scipy (bench/ensemble.sh)\n", m
    print ""
    printf "`odesolve bench/lorenz.ode --sweep r=20:40:%d --t1 10 --rtol 1e-8 --atol 1e-8 --save-final`", m
    print " (dopri5, PID),"
    printf "whole process (parse, compile once, %d solves, CSV), median of %d rounds with -j 1 and -j 2\n", m, rounds
    printf "alternating on this %d-core machine; %d accepted steps over all members.\n", cores, steps
    print "The Python loop runs scipy.integrate.solve_ivp (RK45, rtol = atol = 1e-8) over an evenly"
    print "spread subset of the same members in the same run; per-member times are whole time / members."
    print ""
    print "| run | median s | per member ms | ratio | CPU s (user + sys) |"
    print "|---|---|---|---|---|"
    printf "| odesolve -j 1 | %.3f | %.4f | 1 | %.3f |\n", t1, 1000 * t1 / m, c1
    printf "| odesolve -j 2 | %.3f | %.4f | %.2fx faster | %.3f |\n", t2, 1000 * t2 / m, t1 / t2, c2
    n = split(py, a, " ")
    if (n == 3) {
        printf "| scipy solve_ivp RK45, Python loop (%d members) | %.3f | %.2f | %.0fx slower than -j 1 | |\n",
            a[3], a[1] * a[3], 1000 * a[1], a[1] / (t1 / m)
        print ""
        printf "Bars: -j 2 >= 1.8x -j 1: %s (%.2fx); per member >= 300x faster than scipy: %s (%.0fx at -j 1, %.0fx at -j 2).\n",
            (t1 / t2 >= 1.8 ? "met" : "**not met**"), t1 / t2,
            (a[1] / (t1 / m) >= 300 ? "met" : "**not met**"), a[1] / (t1 / m), a[1] / (t2 / m)
        printf "scipy and odesolve final states agree to %s (largest difference relative to max(1, |state|);\n", a[2]
        print "the Lorenz system is chaotic, so two methods at 1e-8 part by more than 1e-8 by t = 10)."
    } else {
        print ""
        printf "Bar -j 2 >= 1.8x -j 1: %s (%.2fx). scipy is not installed (scripts/deps.sh --bench): no comparison.\n",
            (t1 / t2 >= 1.8 ? "met" : "**not met**"), t1 / t2
    }
    print ""
}'

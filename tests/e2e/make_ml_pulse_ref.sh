#!/bin/sh
# Makes tests/e2e/ml_pulse.xpp: xppaut's own run of models/ml_pulse.ode
# (RK4, dt 0.05), the rows from t = 490 to 560 (t and v), for switches.sh.
# Needs xppaut (Debian's package); make check does not run this.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cp tests/e2e/models/ml_pulse.ode "$d/ml.ode"
(cd "$d" && xppaut ml.ode -silent >/dev/null 2>&1)
awk '$1 >= 490 && $1 <= 560 { print $1, $2 }' "$d/output.dat" >tests/e2e/ml_pulse.xpp

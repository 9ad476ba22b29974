#!/bin/sh
# make_array_refs.sh - how tests/e2e/arrays-xpp.ref was made: xppaut (the
# reference implementation of the .ode format, Debian package xppaut) runs
# tests/e2e/models/arrays-xpp.ode headless and its output.dat is kept as
# it is (t, states, aux; 8 significant digits).  The tests never run
# xppaut; tests/e2e/arrays.sh compares odesolve's fixed-step rk4 with it.
#   sh scripts/make_array_refs.sh > tests/e2e/arrays-xpp.ref
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp tests/e2e/models/arrays-xpp.ode "$dir/m.ode"
(cd "$dir" && xppaut m.ode -silent >/dev/null 2>&1)
cat "$dir/output.dat"

#!/bin/sh
# valgrind.sh - whole runs of the built binary under valgrind's memcheck: no
# invalid access, no use of an undefined value and no leak, on the paths a
# run can take (JIT and interpreter, -o, a failed solve, a bad model,
# --emit-c, an interrupted run).  Run from the repository root (make check
# does); O names the build directory.
set -u
O=${O:-build}
ODESOLVE=$(pwd)/$O/odesolve
M=tests/e2e/models
TMPDIR=$(mktemp -d)
trap 'rm -rf "$TMPDIR"' EXIT

# 99 marks a memcheck finding, whatever status the run itself has.
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
passed=0
failed=0

# vg WANT_STATUS ARGS...: runs odesolve ARGS under valgrind.
vg() {
    want=$1; shift
    $VG "$ODESOLVE" "$@" >"$TMPDIR/out" 2>"$TMPDIR/err"
    got=$?
    if [ "$got" -eq "$want" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: valgrind odesolve $*: exit $got, expected $want"
        head -n 40 "$TMPDIR/err" | sed 's/^/    /'
    fi
}

vg 0 samples/lorenz.ode
vg 0 --no-jit samples/fitzhugh.ode --save-steps
vg 0 samples/vanderpol.ode -o "$TMPDIR/run.csv" --stats
vg 0 samples/pendulum.ode --repeat 3 --save-final --stats
vg 0 $M/decay.ode -o "$TMPDIR/run.tsv" -p k=2 -i x=3
vg 1 $M/blowup.ode --dtmin 1e-9
vg 1 --no-jit $M/blowup.ode --dtmin 1e-9 -o "$TMPDIR/fail.csv"
vg 2 tests/e2e/diag/unknown-variable.ode
vg 0 $M/fire.ode --stats --stop-after-events 5
vg 0 --no-jit $M/ball.ode --no-event-rows
vg 0 $M/ml_pulse.ode --solver rodas5 --save-final --stats
vg 2 tests/e2e/diag/bad-global.ode
vg 2 tests/e2e/diag/too-many-errors.ode
vg 2 tests/e2e/diag/not-text.ode
vg 2 $M/decay.ode -p nosuch=1
vg 2 $M/decay.ode -o /nonexistent/dir/x.csv
ln -s run.csv "$TMPDIR/link.csv"
vg 0 $M/decay.ode -o "$TMPDIR/link.csv"
vg 0 --emit-c samples/sir.ode
# The model on standard input, lists, aliases, a raised tolerance, the
# messages for names and options that are not what was meant.
vg 0 - --no-header --format tsv -o "$TMPDIR/run.dat" -p k=2,x0=3 --solver ode45 \
    --rtol 1e-20 <$M/decay.ode
vg 2 $M/decay.ode -p x=1
vg 2 $M/decay.ode --sav-final
vg 2 $M/decay.ode --solver ode113
vg 2 $M/decay.ode -o "$TMPDIR/run.xlsx"
if "$ODESOLVE" $M/decay.ode -o "$TMPDIR/probe.h5" 2>/dev/null; then
    vg 0 $M/decay.ode -o "$TMPDIR/run.h5"
fi
vg 0 --check samples/brusselator.ode
# Sums over arrays through shift(): the loops of every backend, and the
# exact Jacobian through them.
vg 0 tests/xpp/meanfield.ode --solver rodas5 --stats
vg 0 --no-jit tests/xpp/ring.ode --save-final
vg 2 tests/e2e/diag/sums.ode
# XPPAUT's fixed-step runs: a map, events located its way, the symplectic
# method, and bdry statements skipped.
vg 0 --xpp --format xpp tests/xpp/map-logistic.ode
vg 0 --xpp --no-jit tests/xpp/fire-reset.ode
vg 0 --xpp tests/xpp/pendulum-ymp.ode --stats
vg 0 --xpp tests/xpp/shoot-bdry.ode
vg 2 --solver rk4 $M/map-affine.ode
# Volterra equations: the history, the kernels of every backend, a
# window, and a run refused before it starts.
vg 0 tests/xpp/volterra.ode --dt 0.01 --stats
vg 0 --no-jit tests/xpp/abel.ode
vg 0 tests/xpp/window.ode --xpp --format xpp
vg 2 tests/xpp/volterra.ode --t1 1000
vg 2 tests/e2e/diag/volterra.ode
# The implicit solvers: exact and finite-difference Jacobians, each linear
# solver (dense, band, KLU with its complex systems under radau5), seulex's
# dense output, auto's switches, and a Newton failure that ends the solve.
vg 0 $M/rober.ode --solver bdf --t1 1e5 --save-final --stats
vg 0 --no-jit $M/rober.ode --solver rodas5 --jacobian fd --t1 1e3 --save-final
vg 0 samples/brusselator.ode --solver radau5 --linsolve sparse --save-final --stats
vg 0 samples/brusselator.ode --solver kvaerno5 --linsolve band --save-final
vg 0 $M/rober.ode --solver seulex --t1 1e5 --save-every 1e4 --stats
vg 0 samples/brusselator.ode --solver seulex --linsolve sparse --jacobian fd --save-final
vg 0 samples/vanderpol.ode --solver auto -p mu=1000 --total 300 --save-final --stats

# Batches: threads, the interpreter's clones, a failing member, a members
# file, a refused one, and the HDF5 layout.
vg 0 $M/decay.ode --sweep k=0.5:2:4 --sweep x=1,3 --save-every 0.5 -j 2
vg 1 --no-jit $M/blowup.ode --sweep x=-1,0.5,1 --dtmin 1e-9 -j 2 -o "$TMPDIR/batch.csv"
printf 'k,x(0)\n0.5,1\n2,3\n' >"$TMPDIR/members.csv"
vg 0 $M/decay.ode --ensemble "$TMPDIR/members.csv" --save-final -j 3 --stats
printf 'k,x\n0.5,oops\n' >"$TMPDIR/bad-members.csv"
vg 2 $M/decay.ode --ensemble "$TMPDIR/bad-members.csv"
if "$ODESOLVE" $M/decay.ode -o "$TMPDIR/probe.h5" 2>/dev/null; then
    vg 1 $M/blowup.ode --sweep x=-1,1 --dtmin 1e-9 -j 2 -o "$TMPDIR/batch.h5"
fi

# An interrupted run: the signal arrives while the solver is running.
$VG "$ODESOLVE" $M/osc.ode --t1 1e9 --save-every 1 -o "$TMPDIR/int.csv" \
    >/dev/null 2>"$TMPDIR/err" &
pid=$!
i=0
while [ $i -lt 600 ] && ! ls "$TMPDIR" | grep -q 'int.csv.tmp'; do
    sleep 0.1; i=$((i + 1))
done
sleep 1
kill -INT $pid
wait $pid
got=$?
if [ "$got" -eq 130 ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL: valgrind interrupted run: exit $got, expected 130"
    head -n 40 "$TMPDIR/err" | sed 's/^/    /'
fi

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

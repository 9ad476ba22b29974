#!/bin/sh
# tsan.sh - batches on several threads under ThreadSanitizer: no data race
# between the workers, their interpreter clones, the slots and the writer.
# `make check-tsan` builds $O (a ThreadSanitizer build) and runs this from
# the repository root.
set -u
O=${O:-build/tsan}
ODESOLVE=$(pwd)/$O/odesolve
M=tests/e2e/models
TMPDIR=$(mktemp -d)
trap 'rm -rf "$TMPDIR"' EXIT
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
export TSAN_OPTIONS
passed=0
failed=0

# ts WANT_STATUS ARGS...: runs odesolve ARGS; 66 marks a report.
ts() {
    want=$1; shift
    "$ODESOLVE" "$@" >"$TMPDIR/out" 2>"$TMPDIR/err"
    got=$?
    if [ "$got" -eq "$want" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: odesolve $*: exit $got, expected $want"
        head -n 60 "$TMPDIR/err" | sed 's/^/    /'
    fi
}

ts 0 bench/lorenz.ode --sweep r=20:40:40 --t1 2 --save-every 0.5 -j 2
ts 0 --no-jit bench/lorenz.ode --sweep r=20:40:40 --t1 2 --save-final -j 3
ts 0 $M/decay.ode --sweep k=0.5:2:20 --sweep x=1,3 --save-every 0.5 -j 2 -o "$TMPDIR/run.tsv"
ts 1 $M/blowup.ode --sweep x=-1,0.5,1,0.2,1.5 --dtmin 1e-9 -j 2
if "$ODESOLVE" $M/decay.ode -o "$TMPDIR/probe.h5" 2>/dev/null; then
    ts 0 $M/decay.ode --sweep k=0.5:2:20 --save-every 0.5 -j 2 -o "$TMPDIR/run.h5"
fi
echo "tsan: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

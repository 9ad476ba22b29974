#!/bin/sh
# run.sh - end-to-end tests: run the built binary on model files and compare
# with known answers.  Run from the repository root (make check does).
#   diag/NAME.ode + NAME.err   `--check` must fail with exit 2, print nothing
#                              on stdout and exactly NAME.err on stderr
#   NAME.ode + NAME.out        (also tests/xpp/: XPPAUT-style models, run
#                              with their own settings; see
#                              tests/xpp/make_refs.py)
#                              the run's CSV must match NAME.out within the
#                              tolerance named in NAME.out's first line
#                              (`# tol REL ARGS...` passes ARGS to odesolve),
#                              and --no-jit must give the same bytes
#   NAME.sh                    a scripted case; exit 0 passes (it gets
#                              $ODESOLVE and $TMPDIR)
#   models/*.ode               the scripted cases' models: JIT and
#                              interpreter agree byte for byte, also on
#                              failures (exit status, rows kept, messages)
#   samples/*.ode              each sample runs, JIT and interpreter agree
#                              byte for byte, and the final row matches
#                              tests/e2e/samples.ref
set -u
O=${O:-build}
ODESOLVE=$(pwd)/$O/odesolve
export ODESOLVE
E2E=tests/e2e
TMPDIR=$(mktemp -d)
export TMPDIR
# --jit cc keeps its objects here, not in the user's cache.
ODESOLVE_CACHE_DIR=$TMPDIR/cc-cache
export ODESOLVE_CACHE_DIR
trap 'rm -rf "$TMPDIR"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); }
flunk() { failed=$((failed + 1)); echo "FAIL: $*"; }

# numbers_match FILE_A FILE_B REL: same shape, every numeric field within
# REL relative (or absolute below 1) difference, header lines equal.
numbers_match() {
    awk -v rel="$3" '
        NR == FNR { a[FNR] = $0; na = FNR; next }
        {
            nb = FNR
            if (!(FNR in a)) { bad = 1; exit }
            if (a[FNR] == $0) next
            n1 = split(a[FNR], x, /[,\t]/); n2 = split($0, y, /[,\t]/)
            if (n1 != n2) { bad = 1; exit }
            for (i = 1; i <= n1; i++) {
                if (x[i] == y[i]) continue
                if (x[i] !~ /^[-+0-9.]/ || y[i] !~ /^[-+0-9.]/) { bad = 1; exit }
                d = x[i] - y[i]; if (d < 0) d = -d
                s = x[i] < 0 ? -x[i] : x[i]; if (s < 1) s = 1
                if (d > rel * s) { printf "line %d field %d: %s vs %s\n", FNR, i, x[i], y[i]; bad = 1; exit }
            }
        }
        END { if (bad || na != nb) exit 1 }
    ' "$1" "$2"
}

# --- diagnostics ------------------------------------------------------------
for ode in "$E2E"/diag/*.ode; do
    [ -e "$ode" ] || continue
    name=${ode%.ode}
    "$ODESOLVE" --check "$ode" >"$TMPDIR/out" 2>"$TMPDIR/err"
    rc=$?
    if [ $rc -ne 2 ]; then flunk "$ode: exit $rc, expected 2"; continue; fi
    if [ -s "$TMPDIR/out" ]; then flunk "$ode: wrote to stdout"; continue; fi
    if ! cmp -s "$TMPDIR/err" "$name.err"; then
        flunk "$ode: diagnostics differ"
        diff "$name.err" "$TMPDIR/err" | head -20
        continue
    fi
    pass
done

# --- numeric cases ----------------------------------------------------------
for ode in "$E2E"/*.ode tests/xpp/*.ode; do
    [ -e "$ode" ] || continue
    name=${ode%.ode}
    [ -f "$name.out" ] || continue
    set -- $(head -n 1 "$name.out")
    tol=$3; shift 3
    if ! "$ODESOLVE" "$ode" "$@" >"$TMPDIR/out" 2>"$TMPDIR/err"; then
        flunk "$ode: failed: $(head -c 300 "$TMPDIR/err")"; continue
    fi
    tail -n +2 "$name.out" >"$TMPDIR/want"
    if ! numbers_match "$TMPDIR/want" "$TMPDIR/out" "$tol"; then
        flunk "$ode: output differs from $name.out"; continue
    fi
    # The interpreter must give the very same bytes.
    if ! "$ODESOLVE" --no-jit "$ode" "$@" >"$TMPDIR/int" 2>"$TMPDIR/err"; then
        flunk "$ode --no-jit: failed: $(head -c 300 "$TMPDIR/err")"; continue
    fi
    if cmp -s "$TMPDIR/out" "$TMPDIR/int"; then pass; else flunk "$ode: JIT and interpreter differ"; fi
done

# --- scripted cases ---------------------------------------------------------
for sh in "$E2E"/*.sh; do
    [ -e "$sh" ] || continue
    [ "$(basename "$sh")" = run.sh ] && continue
    if sh "$sh" >"$TMPDIR/log" 2>&1; then pass; else flunk "$sh"; sed 's/^/    /' "$TMPDIR/log" | head -30; fi
done

# --- models of the scripted cases: the interpreter agrees -------------------
for ode in "$E2E"/models/*.ode; do
    [ -e "$ode" ] || continue
    "$ODESOLVE" "$ode" >"$TMPDIR/jit.csv" 2>"$TMPDIR/jit.err"
    rj=$?
    "$ODESOLVE" --no-jit "$ode" >"$TMPDIR/int.csv" 2>"$TMPDIR/int.err"
    ri=$?
    if [ $rj -ne $ri ]; then flunk "$ode: exit $rj with the JIT, $ri with --no-jit"; continue; fi
    if cmp -s "$TMPDIR/jit.csv" "$TMPDIR/int.csv" && cmp -s "$TMPDIR/jit.err" "$TMPDIR/int.err"; then
        pass
    else
        flunk "$ode: JIT and interpreter differ"
    fi
done

# --- samples ----------------------------------------------------------------
REF=$E2E/samples.ref
for ode in samples/*.ode; do
    [ -e "$ode" ] || continue
    s=$(basename "$ode" .ode)
    if ! "$ODESOLVE" "$ode" >"$TMPDIR/jit.csv" 2>"$TMPDIR/err"; then
        flunk "$ode: failed: $(head -c 300 "$TMPDIR/err")"; continue
    fi
    if ! "$ODESOLVE" --no-jit "$ode" >"$TMPDIR/int.csv" 2>"$TMPDIR/err"; then
        flunk "$ode --no-jit: failed"; continue
    fi
    if ! cmp -s "$TMPDIR/jit.csv" "$TMPDIR/int.csv"; then
        flunk "$ode: JIT and interpreter differ"; continue
    fi
    if command -v "${ODESOLVE_CC:-cc}" >/dev/null 2>&1; then
        if ! "$ODESOLVE" --jit cc "$ode" >"$TMPDIR/cc.csv" 2>"$TMPDIR/err"; then
            flunk "$ode --jit cc: failed: $(head -c 300 "$TMPDIR/err")"; continue
        fi
        if ! cmp -s "$TMPDIR/jit.csv" "$TMPDIR/cc.csv"; then
            flunk "$ode: --jit cc and --jit tcc differ"; continue
        fi
    fi
    # The reference check runs at tight tolerance, whatever the file says.
    if ! "$ODESOLVE" "$ode" --solver dopri5 --rtol 1e-13 --atol 1e-14 >"$TMPDIR/tight.csv" 2>"$TMPDIR/err"; then
        flunk "$ode (tight): failed: $(head -c 300 "$TMPDIR/err")"; continue
    fi
    if ! grep -q "^$s " "$REF" 2>/dev/null; then flunk "$ode: no reference in $REF"; continue; fi
    if awk -v s="$s" '
        NR == FNR { if ($1 == s) { want[$2] = $3; n++ } ; next }
        FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; FS = ","; next }
        { last = $0 }
        END {
            split(last, v, ",")
            for (c in want) {
                if (!(c in col)) { print "no column " c; exit 1 }
                d = v[col[c]] - want[c]; if (d < 0) d = -d
                m = want[c] < 0 ? -want[c] : want[c]; if (m < 1) m = 1
                if (d > 1e-7 * m) { print c ": " v[col[c]] " vs " want[c]; exit 1 }
            }
            if (n == 0) exit 1
        }' "$REF" FS=, "$TMPDIR/tight.csv"; then pass; else flunk "$ode: final row differs from $REF"; fi
done

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

# Limits turn resource exhaustion into a diagnostic (exit 2, nothing on
# stdout), never a crash: deep nesting, long lines, big files, too many
# equations.  The limits themselves are in lang/ast.h and lang/check.h.
. tests/e2e/common.sh
# A directory of its own: run.sh shares $TMPDIR between the cases.
TMPDIR=$(mktemp -d "$TMPDIR/limits.XXXXXX")

# rep N TEXT: TEXT repeated N times, without a newline.
rep() { awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'; }

# refused FILE PATTERN: --check FILE exits 2, prints nothing on stdout and
# a message matching PATTERN on stderr.
refused() {
    "$ODESOLVE" --check "$1" >"$TMPDIR/o" 2>"$TMPDIR/e"
    rc=$?
    [ $rc -eq 2 ] || die "$1: exit $rc, expected 2 ($(head -c 200 "$TMPDIR/e"))"
    [ -s "$TMPDIR/o" ] && die "$1: wrote to stdout"
    grep -q "$2" "$TMPDIR/e" || die "$1: no '$2' in: $(head -c 300 "$TMPDIR/e")"
    return 0
}

# 100,000 levels of every nesting construct: an error, no stack overflow.
D=$TMPDIR/deep.ode
{ printf "x' = "; rep 100000 "("; printf x; rep 100000 ")"; echo; } >"$D"
refused "$D" "nested too deeply"
{ printf "x' = "; rep 100000 "-"; echo x; } >"$D"
refused "$D" "nested too deeply"
{ printf "x' = "; rep 100000 "not "; echo x; } >"$D"
refused "$D" "nested too deeply"
{ printf "x' = "; rep 100000 "x^"; echo x; } >"$D"
refused "$D" "nested too deeply"
# A long flat sum is a deep tree too; whether it is refused or not, the
# check must not crash.
{ printf "x' = "; rep 100000 "x+"; echo x; } >"$D"
"$ODESOLVE" --check "$D" >/dev/null 2>&1
rc=$?
[ $rc -le 2 ] || die "a sum of 100001 terms: exit $rc"
{ printf "x' = "; rep 100000 "sin("; printf x; rep 100000 ")"; echo; } >"$D"
refused "$D" "nested too deeply"
{ printf "x' = "; rep 50000 "if(x)then("; printf x; rep 50000 ")else(1)"; echo; } >"$D"
refused "$D" "nested too deeply"
# Unbalanced: only opening parentheses.
{ printf "x' = "; rep 100000 "("; echo; } >"$D"
refused "$D" "nested too deeply"

# Nesting just inside the limit compiles and runs: x' = -x, both backends.
{ echo "init x=1"; printf "x' = "; rep 999 "("; printf -- "-x"; rep 999 ")"; echo; } >"$D"
"$ODESOLVE" "$D" --t1 1 --save-every 1 >"$TMPDIR/jit.csv" || die "depth 999 failed"
"$ODESOLVE" --no-jit "$D" --t1 1 --save-every 1 >"$TMPDIR/int.csv" || die "depth 999 failed (--no-jit)"
cmp -s "$TMPDIR/jit.csv" "$TMPDIR/int.csv" || die "depth 999: JIT and interpreter differ"
tail -n 1 "$TMPDIR/jit.csv" | awk -F, '{ d = $2 - exp(-1); exit !(d < 1e-6 && d > -1e-6) }' ||
    die "depth 999: x(1) = $(tail -n 1 "$TMPDIR/jit.csv"), expected exp(-1)"

# Powers with a literal exponent nested as deep as the limit allows: each
# compound base becomes a temporary (codegen.c), one hoist level per power.
# x' = -x + 1e-300 * (...), the powers stay finite: the same bits in every
# backend, x(1) = exp(-1).
{ echo "init x=1"; printf "x' = -x + 1e-300*"; rep 220 "((("; printf x
  rep 110 "+1)^2)*0.5)^0.5"; rep 110 "+1)^1.5)*0.5)^-2"; echo; } >"$D"
"$ODESOLVE" --check "$D" || die "nested powers refused"
"$ODESOLVE" "$D" --t1 1 --save-every 1 >"$TMPDIR/jit.csv" || die "nested powers failed"
"$ODESOLVE" --no-jit "$D" --t1 1 --save-every 1 >"$TMPDIR/int.csv" || die "nested powers failed (--no-jit)"
cmp -s "$TMPDIR/jit.csv" "$TMPDIR/int.csv" || die "nested powers: JIT and interpreter differ"
tail -n 1 "$TMPDIR/jit.csv" | awk -F, '{ d = $2 - exp(-1); exit !(d < 1e-6 && d > -1e-6) }' ||
    die "nested powers: x(1) = $(tail -n 1 "$TMPDIR/jit.csv"), expected exp(-1)"

# A line of more than 1 MiB.
{ printf "x' = x "; rep 1100000 " "; echo; } >"$D"
refused "$D" "line too long"

# A file of more than 64 MiB (sparse: it costs no disk), and an endless one.
dd if=/dev/null of="$TMPDIR/big.ode" bs=1 seek=65M 2>/dev/null || die "dd failed"
refused "$TMPDIR/big.ode" "file too large"
refused /dev/zero "file too large"

# More than 1,000,000 differential equations.
awk 'BEGIN { for (i = 0; i <= 1000000; i++) printf "x%d'"'"'=0\n", i }' >"$D"
refused "$D" "too many differential equations"
rm -f "$D" "$TMPDIR/big.ode"

# A directory is not a model.
refused "$TMPDIR" "Is a directory"
exit 0

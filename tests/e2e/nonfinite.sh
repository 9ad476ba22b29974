# A right-hand side that gives NaN or Inf: the step is rejected and retried
# smaller; when that cannot help, exit 1 naming t, the variable and the model
# line of its equation, keeping the rows computed before.
. tests/e2e/common.sh
# A directory of its own: run.sh shares $TMPDIR between the cases.
TMPDIR=$(mktemp -d "$TMPDIR/nonfinite.XXXXXX")

# failing MODEL TNEAR VAR LINE ARGS...: exit 1 with a message naming VAR and
# MODEL:LINE at a time starting with TNEAR, every kept row finite and before it.
failing() {
    model=$1 tnear=$2 var=$3 line=$4; shift 4
    for b in "" --no-jit; do
        "$ODESOLVE" $b "$model" "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
        rc=$?
        [ $rc -eq 1 ] || die "$model $b: exit $rc, expected 1: $(cat "$TMPDIR/e")"
        grep -q "^$model:$line: error: .*t = $tnear.*'$var'" "$TMPDIR/e" ||
            die "$model $b: message: $(cat "$TMPDIR/e")"
        awk -F, -v t="$tnear" 'NR > 1 && ($1 >= t + 0.001 || $0 ~ /nan|inf/) { exit 1 } END { if (NR < 10) exit 1 }' \
            "$TMPDIR/o" || die "$model $b: kept rows wrong"
        cp "$TMPDIR/o" "$TMPDIR/o-${b:-jit}"
    done
    cmp -s "$TMPDIR/o-jit" "$TMPDIR/o---no-jit" || die "$model: JIT and interpreter kept different rows"
}

# sqrt of a negative number from t = 1 on.
printf "# x = (2/3)(1 - (1-t)^1.5) until t = 1\ninit x=0\nx' = sqrt(1 - t)\n" >"$TMPDIR/sqrt.ode"
failing "$TMPDIR/sqrt.ode" "0.9999" x 3 --t1 2

# log of a negative number, through an intermediate, in the second equation.
cat >"$TMPDIR/log.ode" <<'MODEL'
init x=1, y=1
r = log(2 - t)
y' = 0
x' = r * y
MODEL
failing "$TMPDIR/log.ode" "1.9999" x 4 --t1 3

# Division by zero gives Inf at t = 1 exactly: 1/(1-t) blows up.
printf "init x=0\nx' = 1/(1 - t)^2\n" >"$TMPDIR/inf.ode"
"$ODESOLVE" "$TMPDIR/inf.ode" --t1 2 >/dev/null 2>"$TMPDIR/e"
rc=$?
[ $rc -eq 1 ] || die "inf.ode: exit $rc, expected 1"
grep -q "inf.ode:2: error: .*t = 0\.99.*'x'" "$TMPDIR/e" || die "inf.ode: $(cat "$TMPDIR/e")"

# A NaN that a smaller step avoids: x' = -sqrt(x) reaches x = 0 at t = 2,
# and a large step overshoots below 0.  x(1.9) = (1 - 1.9/2)^2 = 0.0025.
printf "init x=1\nx' = -sqrt(x)\n" >"$TMPDIR/recover.ode"
for b in "" --no-jit; do
    "$ODESOLVE" $b "$TMPDIR/recover.ode" --t1 1.9 --dt 1.9 --save-every 1.9 --stats \
        >"$TMPDIR/o" 2>"$TMPDIR/e" || die "recover.ode $b: failed: $(cat "$TMPDIR/e")"
    tail -n 1 "$TMPDIR/o" | awk -F, '{ d = $2 - 0.0025; exit !(d < 1e-7 && d > -1e-7) }' ||
        die "recover.ode $b: $(tail -n 1 "$TMPDIR/o")"
    if grep -q "^rejected_nonfinite:" "$TMPDIR/e"; then
        grep -q "^rejected_nonfinite: [1-9]" "$TMPDIR/e"
    else
        grep -q "^rejected: [1-9]" "$TMPDIR/e"
    fi || die "recover.ode $b: no step rejected for a NaN: $(cat "$TMPDIR/e")"
done
exit 0

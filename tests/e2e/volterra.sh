# Volterra equations (solver/volterra.c): every backend gives the same
# bytes; the trapezoidal rule's error falls 4-fold when dt halves, the
# singular kernel's (product integration) more than 2-fold against the
# closed form exp(pi t) erfc(sqrt(pi t)) of tests/xpp/abel.ode at t=1
# (0.28205917617568...); runs the method cannot do (other methods,
# uneven steps, too long a history, ensembles) are refused with their
# reason; the file's `vmaxpts` and --xpp's 4000 are the window.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/volterra.XXXXXX")
V=tests/xpp/volterra.ode

for f in $V tests/xpp/abel.ode tests/xpp/window.ode; do
    "$ODESOLVE" "$f" >"$TMPDIR/tcc.csv" || die "$f failed"
    for opts in "--no-jit" "--jit cc"; do
        "$ODESOLVE" "$f" $opts >"$TMPDIR/o.csv" || die "$f $opts failed"
        cmp -s "$TMPDIR/tcc.csv" "$TMPDIR/o.csv" || die "$f: $opts differs from the default backend"
    done
done

# The error in g = exp(t) at t = 1, for dt and dt/2.
err_g() { "$ODESOLVE" $V --dt "$1" --save-final | tail -n 1 |
          awk -F, '{ d = $2 - exp(1); if (d < 0) d = -d; printf "%.6e\n", d }'; }
e1=$(err_g 0.002) e2=$(err_g 0.001)
awk -v a="$e1" -v b="$e2" 'BEGIN { r = a / b; exit !(r > 3.6 && r < 4.4) }' ||
    die "trapezoidal rule: errors $e1, $e2 do not fall 4-fold"
err_u() { "$ODESOLVE" tests/xpp/abel.ode --dt "$1" --save-at 1 | tail -n 1 |
          awk -F, '{ d = $2 - 0.2820591761756828; if (d < 0) d = -d; printf "%.6e\n", d }'; }
e1=$(err_u 0.02) e2=$(err_u 0.01)
awk -v a="$e1" -v b="$e2" 'BEGIN { exit !(a / b > 2 && b < 5e-5) }' ||
    die "singular kernel: errors $e1, $e2"

# The stats name the method; a model with integrals refuses other methods,
# spans that are not a multiple of dt and histories past the limit.
"$ODESOLVE" $V --stats --save-final 2>"$TMPDIR/st" >/dev/null || die "stats failed"
grep -q "^solver: volterra" "$TMPDIR/st" || die "solver: $(grep solver "$TMPDIR/st")"
expect_status 2 "$ODESOLVE" $V --solver rk4 2>"$TMPDIR/e"
grep -q "solved by --solver volterra, not rk4" "$TMPDIR/e" || die "rk4: $(cat "$TMPDIR/e")"
expect_status 2 "$ODESOLVE" $V --dt 0.3 2>"$TMPDIR/e"
grep -q "not a multiple of dt" "$TMPDIR/e" || die "dt 0.3: $(cat "$TMPDIR/e")"
expect_status 2 "$ODESOLVE" $V --t1 1000 2>"$TMPDIR/e"
grep -q "set vmaxpts=N" "$TMPDIR/e" || die "long run: $(cat "$TMPDIR/e")"
expect_status 2 "$ODESOLVE" $V --sweep m=1:2:2 2>"$TMPDIR/e"
grep -q "do not run in ensembles" "$TMPDIR/e" || die "sweep: $(cat "$TMPDIR/e")"

# A window: vmaxpts=40 in the file; without it the integral is longer.
"$ODESOLVE" tests/xpp/window.ode --save-final >"$TMPDIR/w1.csv" || die "window failed"
sed 's/, vmaxpts=40//' tests/xpp/window.ode >"$TMPDIR/nowin.ode"
"$ODESOLVE" "$TMPDIR/nowin.ode" --save-final >"$TMPDIR/w2.csv" || die "no window failed"
cmp -s "$TMPDIR/w1.csv" "$TMPDIR/w2.csv" && die "vmaxpts changed nothing"
# --xpp keeps XPPAUT's 4000 points: 5000 steps see a window then, the
# same as vmaxpts=4000, and differ from the whole history.
"$ODESOLVE" "$TMPDIR/nowin.ode" --xpp --dt 0.0006 --t1 3 --save-final >"$TMPDIR/x1.csv" ||
    die "--xpp window failed"
sed 's/^@ total=3, dt=0.02, /@ total=3, dt=0.02, vmaxpts=4000, /' "$TMPDIR/nowin.ode" >"$TMPDIR/w4000.ode"
"$ODESOLVE" "$TMPDIR/w4000.ode" --xpp --dt 0.0006 --t1 3 --save-final >"$TMPDIR/x2.csv" ||
    die "vmaxpts=4000 failed"
"$ODESOLVE" "$TMPDIR/nowin.ode" --dt 0.0006 --t1 3 --save-final >"$TMPDIR/x3.csv" ||
    die "whole history failed"
cmp -s "$TMPDIR/x1.csv" "$TMPDIR/x2.csv" || die "--xpp's window is not vmaxpts=4000"
[ "$(tail -n 1 "$TMPDIR/x1.csv" | cut -d, -f2)" != "$(tail -n 1 "$TMPDIR/x3.csv" | cut -d, -f2)" ] ||
    die "--xpp kept the whole history of 5000 steps"
exit 0

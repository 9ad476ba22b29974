# Grid times print as the decimals they are: t0 + k*dt is the double
# nearest to that decimal, so `awk '$1 == 0.35'` finds its row, for the
# save grid and for fixed steps.
. tests/e2e/common.sh
# short_times FILE PLACES: every time after the header has at most PLACES
# decimals.
short_times() {
    n=$(tail -n +2 "$1" | wc -l)
    k=$(tail -n +2 "$1" | cut -d, -f1 | grep -cE "^-?[0-9]+(\.[0-9]{1,$2})?$")
    [ "$n" -gt 0 ] && [ "$n" -eq "$k" ] || die "$1: $((n - k)) of $n times are long: $(tail -n +2 "$1" | cut -d, -f1 | grep -vE "^-?[0-9]+(\.[0-9]{1,$2})?$" | head -n 3 | tr '\n' ' ')"
}
"$ODESOLVE" $M/decay.ode --save-every 0.05 >"$TMPDIR/g.csv" || die "run failed"
short_times "$TMPDIR/g.csv" 2
[ "$(awk -F, '$1 == 0.35' "$TMPDIR/g.csv" | wc -l)" -eq 1 ] || die "no row at 0.35"
[ "$(wc -l <"$TMPDIR/g.csv")" -eq 42 ] || die "41 rows from 0 to 2"
# Another start.
"$ODESOLVE" $M/decay.ode --t0 0.3 --t1 2.3 --save-every 0.01 >"$TMPDIR/b.csv" || die "t0 0.3 failed"
short_times "$TMPDIR/b.csv" 2
[ "$(wc -l <"$TMPDIR/b.csv")" -eq 202 ] || die "t0 0.3: 201 rows"
# A fixed step lands on the same decimals, every step saved.
"$ODESOLVE" $M/decay.ode --solver rk4 --dt 0.05 --save-steps >"$TMPDIR/f.csv" || die "rk4 failed"
short_times "$TMPDIR/f.csv" 2
[ "$(awk -F, '$1 == 0.35' "$TMPDIR/f.csv" | wc -l)" -eq 1 ] || die "rk4: no step at 0.35"
# (--xpp's fixed steps are XPPAUT's own, t advanced by adding dt, bit for
# bit: tests/e2e/xpp_rows.sh.)
# The default grid, (t1 - t0)/1000.
"$ODESOLVE" samples/lorenz.ode >"$TMPDIR/l.csv" || die "lorenz failed"
short_times "$TMPDIR/l.csv" 2
exit 0

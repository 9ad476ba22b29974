# XPPAUT settings that are not honoured, or not known, warn and never
# stop a run; --check prints the same warnings and exits 0.
. tests/e2e/common.sh
expect_status 0 "$ODESOLVE" $M/xpp-warnings.ode --rtol 1e-10 --atol 1e-12 >"$TMPDIR/o" 2>"$TMPDIR/e"
[ "$(grep -c ': warning: ' "$TMPDIR/e")" -eq 3 ] || die "3 warnings expected: $(cat "$TMPDIR/e")"
grep -q "xpp-warnings.ode:5:21: warning: unknown setting 'colour' ignored" "$TMPDIR/e" || die "colour: $(cat "$TMPDIR/e")"
grep -q "xpp-warnings.ode:5:41: warning: setting 'trans' is not honoured yet" "$TMPDIR/e" || die "trans: $(cat "$TMPDIR/e")"
grep -q "warning: setting 'maxstor' is not honoured yet: XPPAUT would keep the first 2 of about 5 rows" "$TMPDIR/e" || die "maxstor: $(cat "$TMPDIR/e")"
[ "$(wc -l <"$TMPDIR/o")" -eq 6 ] || die "rows: $(cat "$TMPDIR/o")"
tail -n 1 "$TMPDIR/o" | awk -F, '{ d = $2 - exp(-1); if (d < 0) d = -d; if ($1 != 1 || d > 1e-9) exit 1 }' ||
    die "last row $(tail -n 1 "$TMPDIR/o")"
expect_status 0 "$ODESOLVE" --check $M/xpp-warnings.ode >"$TMPDIR/o" 2>"$TMPDIR/e2"
cmp -s "$TMPDIR/e" "$TMPDIR/e2" || die "--check warns differently"
[ -s "$TMPDIR/o" ] && die "--check wrote to stdout"
# A large maxstor loses nothing and is silent.
printf "x' = -x\n@ total=100, dt=0.01, maxstor=100000\n" >"$TMPDIR/big.ode"
"$ODESOLVE" --check "$TMPDIR/big.ode" 2>"$TMPDIR/e" && [ ! -s "$TMPDIR/e" ] || die "maxstor=100000: $(cat "$TMPDIR/e")"
exit 0

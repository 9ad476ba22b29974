# -p and -i override the file; unknown names are errors listing valid names.
. tests/e2e/common.sh
"$ODESOLVE" $M/decay.ode -p k=2 -i x=3 -p x0=3 --rtol 1e-10 --atol 1e-12 >"$TMPDIR/o" || die "run failed"
tail -n 1 "$TMPDIR/o" | awk -F, '{ e = 3*exp(-4); d = $2 - e; if (d < 0) d = -d; if ($1 != 2 || d > 1e-9) exit 1
                                   d = $3 - e; if (d < 0) d = -d; if (d > 1e-15) exit 1 }' \
    || die "final row wrong: $(tail -n 1 "$TMPDIR/o")"
expect_status 2 "$ODESOLVE" $M/decay.ode -p kk=2 >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "kk" "$TMPDIR/e" && grep -q "k, x0" "$TMPDIR/e" || die "valid parameters not listed: $(cat "$TMPDIR/e")"
[ -s "$TMPDIR/o" ] && die "stdout written"
expect_status 2 "$ODESOLVE" $M/decay.ode -i y=2 >/dev/null 2>"$TMPDIR/e"
grep -q "states are: x" "$TMPDIR/e" || die "valid states not listed"
expect_status 2 "$ODESOLVE" $M/decay.ode -p k >/dev/null 2>&1
exit 0

# set NAME {...}: --set applies one block (parameters, initial values,
# settings; any case), -p and -i still win; without --set the blocks are
# read and ignored; an unknown name lists the sets.  x = x0 exp(-k t).
. tests/e2e/common.sh
last() { tail -n 1 "$TMPDIR/o"; }
near() {  # near ROW T X K: the row is (T, X, K) to 1e-7
    echo "$1" | awk -F, -v t="$2" -v x="$3" -v k="$4" '{
        d = $2 - x; if (d < 0) d = -d
        if ($1 != t || d > 1e-7 * (x < 1 ? 1 : x) || $3 != k) exit 1 }'
}
expect_status 0 "$ODESOLVE" $M/xpp-sets.ode >"$TMPDIR/o"
near "$(last)" 1 "$(awk "BEGIN { printf \"%.17g\", exp(-1) }")" 1 || die "no set: $(last)"
expect_status 0 "$ODESOLVE" $M/xpp-sets.ode --set fast >"$TMPDIR/o"
near "$(last)" 2 "$(awk "BEGIN { printf \"%.17g\", 2 * exp(-6) }")" 3 || die "fast: $(last)"
[ "$(wc -l <"$TMPDIR/o")" -eq 202 ] || die "fast: dt=0.01 over 2 gives 201 rows"
expect_status 0 "$ODESOLVE" $M/xpp-sets.ode --set SLOW -p k=0.25 -i x=4 >"$TMPDIR/o"
near "$(last)" 1 "$(awk "BEGIN { printf \"%.17g\", 4 * exp(-0.25) }")" 0.25 || die "slow with -p: $(last)"
[ "$(wc -l <"$TMPDIR/o")" -eq 6 ] || die "slow: dt=0.25 over 1 gives 5 rows"
expect_status 0 "$ODESOLVE" $M/xpp-sets.ode --set empty >"$TMPDIR/o"
near "$(last)" 1 "$(awk "BEGIN { printf \"%.17g\", exp(-1) }")" 1 || die "empty: $(last)"
expect_status 2 "$ODESOLVE" $M/xpp-sets.ode --set medium >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "no set 'medium'; sets are: fast, Slow, empty" "$TMPDIR/e" || die "unknown set: $(cat "$TMPDIR/e")"
[ -s "$TMPDIR/o" ] && die "unknown set wrote rows"
printf "x' = -x\n" >"$TMPDIR/none.ode"
expect_status 2 "$ODESOLVE" "$TMPDIR/none.ode" --set a 2>"$TMPDIR/e"
grep -q "has no set 'a'; it defines none" "$TMPDIR/e" || die "no sets: $(cat "$TMPDIR/e")"
exit 0

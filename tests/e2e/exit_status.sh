# Exit statuses 0, 1 and 2, stdout empty on model errors, messages on stderr.
. tests/e2e/common.sh
expect_status 0 "$ODESOLVE" $M/decay.ode >"$TMPDIR/o" 2>"$TMPDIR/e"
[ -s "$TMPDIR/o" ] || die "no output on success"
[ -s "$TMPDIR/e" ] && die "stderr on success: $(cat "$TMPDIR/e")"

expect_status 2 "$ODESOLVE" $M/bad.ode >"$TMPDIR/o" 2>"$TMPDIR/e"
[ -s "$TMPDIR/o" ] && die "stdout written for a bad model"
grep -q "bad.ode:2:.*error: .*'y'" "$TMPDIR/e" || die "no diagnostic naming y: $(cat "$TMPDIR/e")"

expect_status 2 "$ODESOLVE" $M/missing.ode >"$TMPDIR/o" 2>"$TMPDIR/e"
[ -s "$TMPDIR/o" ] && die "stdout written for a missing file"
grep -q "missing.ode" "$TMPDIR/e" || die "missing file not named"

expect_status 2 "$ODESOLVE" $M/decay.ode --no-such-option >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "no-such-option" "$TMPDIR/e" || die "unknown option not named"
expect_status 2 "$ODESOLVE" $M/decay.ode --rtol abc >/dev/null 2>&1
expect_status 2 "$ODESOLVE" $M/decay.ode --solver nosuch >/dev/null 2>&1
expect_status 2 "$ODESOLVE" >/dev/null 2>&1
expect_status 0 "$ODESOLVE" --help >/dev/null
expect_status 0 "$ODESOLVE" --version >/dev/null
"$ODESOLVE" --list-solvers | grep -q dopri5 || die "--list-solvers lacks dopri5"
expect_status 0 "$ODESOLVE" --check $M/decay.ode >"$TMPDIR/o"
[ -s "$TMPDIR/o" ] && die "--check wrote to stdout"
"$ODESOLVE" --emit-c $M/decay.ode | grep -q "exp" || die "--emit-c shows no code"
"$ODESOLVE" --emit-c samples/lorenz.ode | grep -q "^int cg_jac(" || die "--emit-c shows no Jacobian"

# A solve that fails: exit 1, t and the variable named, the rows before kept.
expect_status 1 "$ODESOLVE" $M/blowup.ode --rtol 1e-10 --dtmin 1e-9 >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "t = 0\.9999" "$TMPDIR/e" || die "failure time not near 1: $(cat "$TMPDIR/e")"
grep -q "'x'" "$TMPDIR/e" || die "failing variable not named: $(cat "$TMPDIR/e")"
grep -q "blowup.ode:3" "$TMPDIR/e" || die "equation line not named: $(cat "$TMPDIR/e")"
rows=$(wc -l <"$TMPDIR/o")
[ "$rows" -gt 400 ] || die "only $rows rows kept before the failure"
# Every kept row is whole and x matches 1/(1-t).
awk -F, 'NR > 1 { if (NF != 2) exit 1; e = 1/(1-$1); d = ($2 - e)/e; if (d < 0) d = -d; if (d > 1e-4) exit 1 }' \
    "$TMPDIR/o" || die "kept rows wrong"
exit 0

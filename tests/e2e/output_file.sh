# -o writes a whole file (CSV or TSV) or nothing; a closed pipe is quiet.
. tests/e2e/common.sh
"$ODESOLVE" $M/osc.ode -o "$TMPDIR/a.csv" >"$TMPDIR/o" || die "run failed"
[ -s "$TMPDIR/o" ] && die "stdout written with -o"
"$ODESOLVE" $M/osc.ode >"$TMPDIR/b.csv"
cmp -s "$TMPDIR/a.csv" "$TMPDIR/b.csv" || die "-o differs from stdout"
"$ODESOLVE" $M/osc.ode -o "$TMPDIR/a.tsv" || die "tsv failed"
head -n 1 "$TMPDIR/a.tsv" | grep -q "$(printf 't\tx\tv')" || die "tsv header"
ls "$TMPDIR" | grep -q tmp && die "temporary file left behind"
expect_status 2 "$ODESOLVE" $M/osc.ode -o /nonexistent/dir/x.csv 2>"$TMPDIR/e"
grep -q "/nonexistent/dir/x.csv" "$TMPDIR/e" || die "unwritable path not named"
# A failed solve keeps its rows in the file.
expect_status 1 "$ODESOLVE" $M/blowup.ode -o "$TMPDIR/f.csv" 2>/dev/null
[ "$(wc -l <"$TMPDIR/f.csv")" -gt 100 ] || die "failed solve lost its rows"
# A reader that stops early: no message, success.
"$ODESOLVE" $M/osc.ode --save-every 1e-5 2>"$TMPDIR/e" | head -n 2 >/dev/null
[ -s "$TMPDIR/e" ] && die "closed pipe printed: $(cat "$TMPDIR/e")"
exit 0

# --save-at (a list or a file), --save-final: rows at exactly the times
# asked for, by dense output; bad lists and clashing options are usage
# errors that write nothing on stdout.
. tests/e2e/common.sh
osc_rows_ok() {  # osc_rows_ok FILE TIMES: the rows are at TIMES and equal (cos t, -sin t)
    awk -F, -v want="$2" 'BEGIN { n = split(want, w, ",") }
        NR == 1 { if ($0 != "t,x,v") exit 1; next }
        { k++; if ($1 != w[k]) { print "row", k, "at", $1, "not", w[k]; exit 1 }
          dx = $2 - cos($1); dv = $3 + sin($1); if (dx < 0) dx = -dx; if (dv < 0) dv = -dv
          if (dx > 1e-8 || dv > 1e-8) { print "row", k, dx, dv; exit 1 } }
        END { if (k != n) { print k, "rows, not", n; exit 1 } }' "$1"
}
"$ODESOLVE" $M/osc.ode --rtol 1e-10 --atol 1e-12 --save-at 0.5,1.25,3,9.75 >"$TMPDIR/o" || die "list failed"
osc_rows_ok "$TMPDIR/o" 0.5,1.25,3,9.75 || die "rows of the list: $(cat "$TMPDIR/o")"
# The same times from a file, with comments and blank lines.
printf '# when to look\n0.5\n\n1.25   # after the kick\n 3\n9.75\n' >"$TMPDIR/times"
"$ODESOLVE" $M/osc.ode --rtol 1e-10 --atol 1e-12 --save-at "$TMPDIR/times" >"$TMPDIR/f" || die "file failed"
cmp -s "$TMPDIR/o" "$TMPDIR/f" || die "file and list differ"
# t0 and t1 may be listed; fixed-step solvers interpolate too.
"$ODESOLVE" $M/osc.ode --solver rk4 --dt 0.001 --save-at 0,2.5,10 >"$TMPDIR/o" || die "rk4 failed"
osc_rows_ok "$TMPDIR/o" 0,2.5,10 || die "rk4 rows"

# --save-final: the header and the row at t1, the same as the last row of
# --save-steps.
"$ODESOLVE" $M/osc.ode --save-final >"$TMPDIR/o" || die "save-final failed"
[ "$(wc -l <"$TMPDIR/o")" -eq 2 ] || die "save-final rows: $(cat "$TMPDIR/o")"
"$ODESOLVE" $M/osc.ode --save-steps | tail -n 1 >"$TMPDIR/s"
[ "$(tail -n 1 "$TMPDIR/o")" = "$(cat "$TMPDIR/s")" ] || die "save-final differs from the last step"

# Bad values: exit 2, a message naming the problem, nothing on stdout.
bad() {  # bad PATTERN ARGS...
    pat=$1; shift
    expect_status 2 "$ODESOLVE" $M/osc.ode "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
    [ -s "$TMPDIR/o" ] && die "stdout written for $*"
    grep -q -- "$pat" "$TMPDIR/e" || die "no '$pat' for $*: $(cat "$TMPDIR/e")"
}
bad "outside the span from 0 to 10" --save-at 1,11
bad "must increase: 1 follows 2" --save-at 2,1
bad "must increase" --save-at 1,1
bad "'x' is not a time" --save-at 1,x
bad "neither a file nor a time" --save-at "$TMPDIR/missing"
printf '1\n2\nthree\n' >"$TMPDIR/bad"
bad "bad:3: 'three' is not a time" --save-at "$TMPDIR/bad"
printf '# none\n' >"$TMPDIR/empty"
bad "holds no times" --save-at "$TMPDIR/empty"
bad "save-at and --save-final exclude each other" --save-at 1 --save-final
bad "save-every and --save-at exclude each other" --save-every 1 --save-at 1
bad "save-steps and --save-final exclude each other" --save-steps --save-final
exit 0

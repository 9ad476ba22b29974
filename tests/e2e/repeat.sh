# --repeat: the rows and counts are those of one solve, the extra solves
# are counted in --stats and write nothing; bad counts are usage errors.
. tests/e2e/common.sh
stat() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$2"; }

"$ODESOLVE" $M/osc.ode --rtol 1e-9 --stats >"$TMPDIR/one.csv" 2>"$TMPDIR/one.st" || die "one solve failed"
"$ODESOLVE" $M/osc.ode --rtol 1e-9 --stats --repeat 4 >"$TMPDIR/four.csv" 2>"$TMPDIR/four.st" \
    || die "--repeat 4 failed"
cmp -s "$TMPDIR/one.csv" "$TMPDIR/four.csv" || die "--repeat 4 changed the rows"
for k in steps rejected nfev rows; do
    [ "$(stat $k "$TMPDIR/one.st")" = "$(stat $k "$TMPDIR/four.st")" ] \
        || die "--repeat 4 changed $k: $(stat $k "$TMPDIR/one.st") vs $(stat $k "$TMPDIR/four.st")"
done
[ "$(stat repeats "$TMPDIR/one.st")" = 1 ] || die "repeats without --repeat: $(stat repeats "$TMPDIR/one.st")"
[ "$(stat repeats "$TMPDIR/four.st")" = 4 ] || die "repeats: $(stat repeats "$TMPDIR/four.st")"
t=$(stat solve_time_s "$TMPDIR/four.st")
awk -v t="$t" 'BEGIN { exit !(t > 0 && t < 10) }' || die "solve_time_s $t"
t=$(stat solve_time_first_s "$TMPDIR/four.st")
awk -v t="$t" 'BEGIN { exit !(t > 0 && t < 10) }' || die "solve_time_first_s $t"
[ "$(stat solve_time_first_s "$TMPDIR/one.st")" = "$(stat solve_time_s "$TMPDIR/one.st")" ] \
    || die "one solve: solve_time_first_s differs from solve_time_s"

# To a file too: one set of rows, not four.
"$ODESOLVE" $M/osc.ode --rtol 1e-9 --repeat 3 -o "$TMPDIR/three.csv" || die "--repeat 3 -o failed"
cmp -s "$TMPDIR/one.csv" "$TMPDIR/three.csv" || die "--repeat 3 -o wrote other rows"

# A signal during the repeats: the rows of the first solve are whole, the
# count says how many solves were done, exit 128 + signal.
"$ODESOLVE" $M/osc.ode --rtol 1e-9 --stats --repeat 1000000 -o "$TMPDIR/int.csv" \
    2>"$TMPDIR/int.st" &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] || die "--repeat interrupted: exit $rc, expected 143"
cmp -s "$TMPDIR/one.csv" "$TMPDIR/int.csv" || die "--repeat interrupted: the rows differ"
grep -q "interrupted after [0-9]* of the 1000000 solves of --repeat; the rows are complete" \
    "$TMPDIR/int.st" || die "--repeat interrupted: $(cat "$TMPDIR/int.st")"
n=$(stat repeats "$TMPDIR/int.st")
[ "$n" -ge 1 ] && [ "$n" -lt 1000000 ] || die "--repeat interrupted: repeats $n"

bad() {  # bad PATTERN ARGS...
    pat=$1; shift
    expect_status 2 "$ODESOLVE" $M/osc.ode "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
    [ -s "$TMPDIR/o" ] && die "stdout written for $*"
    grep -q -- "$pat" "$TMPDIR/e" || die "no '$pat' for $*: $(cat "$TMPDIR/e")"
}
bad "repeat" --repeat 0
bad "repeat" --repeat 2.5
bad "repeat" --repeat x
bad "repeat" --repeat 1e7
exit 0

# --tstops: a forcing switched on at t = 1.234.  Landing on the switch the
# solver rejects no step and is far more accurate, whether the stop is
# given or found in the model (heav(t - 1.234)); bad lists are usage
# errors.
. tests/e2e/common.sh
exact=$(awk 'BEGIN { ts = 1.234; printf "%.17g", 1 + (exp(-ts) - 1) * exp(-(3 - ts)) }')
stat() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$2"; }
err_of() { tail -n 1 "$1" | awk -F, -v e="$exact" '{ d = $2 - e; if (d < 0) d = -d; printf "%.3g\n", d }'; }

"$ODESOLVE" $M/switch.ode --save-final --stats --no-switches >"$TMPDIR/plain" 2>"$TMPDIR/plain.st" \
    || die "plain run failed"
"$ODESOLVE" $M/switch.ode --save-final --stats --no-switches --tstops 1.234 >"$TMPDIR/stop" \
    2>"$TMPDIR/stop.st" || die "run with --tstops failed"
# The model's own switch time is the same stop, found from heav(t - 1.234).
"$ODESOLVE" $M/switch.ode --save-final --stats >"$TMPDIR/auto" 2>"$TMPDIR/auto.st" \
    || die "run with the model's switch failed"
[ "$(stat rejected "$TMPDIR/auto.st")" -eq 0 ] || die "rejections at the model's switch"
[ "$(stat time_switches "$TMPDIR/auto.st")" -eq 1 ] || die "switches: $(cat "$TMPDIR/auto.st")"
cmp -s "$TMPDIR/auto" "$TMPDIR/stop" || die "the model's switch and --tstops differ"
[ "$(stat rejected "$TMPDIR/plain.st")" -gt 3 ] || die "the switch should cost rejections without a stop"
[ "$(stat rejected "$TMPDIR/stop.st")" -eq 0 ] || die "rejections with --tstops: $(cat "$TMPDIR/stop.st")"
e_plain=$(err_of "$TMPDIR/plain"); e_stop=$(err_of "$TMPDIR/stop")
awk -v a="$e_plain" -v b="$e_stop" 'BEGIN { exit !(b < a / 20) }' \
    || die "error $e_stop with the stop, $e_plain without"
# A step ends on the stop exactly; several stops, and stops on the ends.
"$ODESOLVE" $M/switch.ode --save-steps --tstops 0,0.5,1.234,3 >"$TMPDIR/s" || die "steps run failed"
grep -q '^1\.234,' "$TMPDIR/s" || die "no step ends at 1.234"
grep -q '^0\.5,' "$TMPDIR/s" || die "no step ends at 0.5"
# Fixed steps keep their grid and gain the stop.
"$ODESOLVE" $M/switch.ode --solver rk4 --dt 0.25 --save-steps --tstops 1.234 >"$TMPDIR/s" || die "rk4 failed"
[ "$(sed -n '6p;7p;8p' "$TMPDIR/s" | cut -d, -f1 | tr '\n' ' ')" = "1 1.234 1.25 " ] \
    || die "rk4 steps: $(cut -d, -f1 "$TMPDIR/s" | tr '\n' ' ')"

bad() {  # bad PATTERN ARGS...
    pat=$1; shift
    expect_status 2 "$ODESOLVE" $M/switch.ode "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
    [ -s "$TMPDIR/o" ] && die "stdout written for $*"
    grep -q -- "$pat" "$TMPDIR/e" || die "no '$pat' for $*: $(cat "$TMPDIR/e")"
}
bad "tstops time 4 lies outside the span from 0 to 3" --tstops 1,4
bad "tstops times must increase: 1 follows 2" --tstops 2,1
bad "'one' is not a time" --tstops one
bad "needs a value" --tstops
exit 0

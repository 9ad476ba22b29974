# --controller: every preset integrates the oscillator to the tolerance;
# gains override a preset; unknown names and adaptive controllers on
# fixed-step solvers are usage errors with nothing on stdout.
. tests/e2e/common.sh
final_ok() {  # the last row of FILE equals (cos 10, -sin 10) within 1e-5
    tail -n 1 "$1" | awk -F, '{ dx = $2 - cos(10); dv = $3 + sin(10); if (dx < 0) dx = -dx; if (dv < 0) dv = -dv
                                exit !($1 == 10 && dx < 1e-5 && dv < 1e-5) }'
}
steps_of() { awk -F': *' '$1 == "steps" { print $2 }' "$1"; }
for c in i pi pid h0211 h211b h211pi h0312 h312b h312pid h0321 h321 H312PID; do
    "$ODESOLVE" $M/osc.ode --controller $c --save-final --stats >"$TMPDIR/o" 2>"$TMPDIR/e" || die "$c failed"
    final_ok "$TMPDIR/o" || die "$c: $(tail -n 1 "$TMPDIR/o")"
    s=$(steps_of "$TMPDIR/e"); [ "$s" -gt 20 ] && [ "$s" -lt 400 ] || die "$c: $s steps"
done
"$ODESOLVE" $M/osc.ode --controller constant --dt 0.01 --save-final >"$TMPDIR/o" || die "constant failed"
final_ok "$TMPDIR/o" || die "constant: $(tail -n 1 "$TMPDIR/o")"
# Different filters take different paths; gains turn one into another.
"$ODESOLVE" $M/osc.ode --controller h312pid --save-steps >"$TMPDIR/a"
"$ODESOLVE" $M/osc.ode --controller h211pi --save-steps >"$TMPDIR/b"
cmp -s "$TMPDIR/a" "$TMPDIR/b" && die "h312pid and h211pi stepped alike"
# H312PID is kI = 2/9, kP = -2/9, kD = 1/18 (b = 1/18, 1/9, 1/18).
"$ODESOLVE" $M/osc.ode --controller pid --icoeff 0.2222222222222222 --pcoeff -0.2222222222222222 \
    --dcoeff 0.05555555555555555 --save-steps >"$TMPDIR/c"
[ "$(wc -l <"$TMPDIR/a")" -eq "$(wc -l <"$TMPDIR/c")" ] || die "pid with H312PID's gains steps otherwise"

bad() {  # bad PATTERN ARGS...
    pat=$1; shift
    expect_status 2 "$ODESOLVE" $M/osc.ode "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
    [ -s "$TMPDIR/o" ] && die "stdout written for $*"
    grep -q -- "$pat" "$TMPDIR/e" || die "no '$pat' for $*: $(cat "$TMPDIR/e")"
}
bad "unknown controller 'h312' (one of constant, i, pi, pid, .*h312pid" --controller h312
bad "rk4 has no error estimate" --solver rk4 --controller h211b
bad "'x' is not a number" --pcoeff x
exit 0

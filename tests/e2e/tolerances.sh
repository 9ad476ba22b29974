# --atol per state, --norm: the tolerance reaches the state it names, the
# max norm is stricter than the RMS norm; bad names and values are usage
# errors listing what is valid.
. tests/e2e/common.sh
stat() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$2"; }
steps_of() { "$ODESOLVE" $M/osc.ode --save-final --stats "$@" 2>&1 >/dev/null | awk -F': *' '$1 == "steps" { print $2 }'; }

# A loose atol for one state of two: fewer steps than both tight, more than
# both loose; naming every state equals the single value (with the first
# step given: its automatic choice looks at the single value only).
both_tight=$(steps_of --rtol 1e-12 --atol 1e-10)
one_loose=$(steps_of --rtol 1e-12 --atol 1e-10,v=1e-3)
both_loose=$(steps_of --rtol 1e-12 --atol 1e-3 --dt 0.01)
named=$(steps_of --rtol 1e-12 --atol x=1e-3,V=1e-3 --dt 0.01)
[ "$one_loose" -lt "$both_tight" ] && [ "$one_loose" -gt "$both_loose" ] \
    || die "steps: both tight $both_tight, one loose $one_loose, both loose $both_loose"
[ "$named" -eq "$both_loose" ] || die "naming every state: $named steps, not $both_loose"
# The file's @ atol is the default for states not named.
printf 'init x=1, v=0\nx'"'"' = v\nv'"'"' = -x\n@ total=10, atol=1e-3, tol=1e-12\ndone\n' >"$TMPDIR/f.ode"
from_file=$("$ODESOLVE" "$TMPDIR/f.ode" --save-final --stats --atol v=1e-10 2>&1 >/dev/null | awk -F': *' '$1 == "steps" { print $2 }')
swapped=$(steps_of --rtol 1e-12 --atol 1e-3,v=1e-10)
[ "$from_file" -eq "$swapped" ] || die "@ atol not the default: $from_file vs $swapped steps"

# The max norm asks more than the RMS norm.
rms=$(steps_of --rtol 1e-8 --norm rms); max=$(steps_of --rtol 1e-8 --norm max)
def=$(steps_of --rtol 1e-8)
[ "$rms" -eq "$def" ] || die "rms is not the default ($rms vs $def steps)"
[ "$max" -gt "$rms" ] || die "max norm $max steps, rms $rms"

bad() {  # bad PATTERN ARGS...
    pat=$1; shift
    expect_status 2 "$ODESOLVE" $M/osc.ode "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
    [ -s "$TMPDIR/o" ] && die "stdout written for $*"
    grep -q -- "$pat" "$TMPDIR/e" || die "no '$pat' for $*: $(cat "$TMPDIR/e")"
}
bad "'y' is not a state of .*osc.ode; states are: x, v" --atol y=1e-3
bad "must be positive" --atol x=0
bad "must be positive" --atol -1
bad "'abc' is not a number" --atol x=abc
bad "expected NAME=X" --atol =1
bad "unknown norm 'l2' (rms or max)" --norm l2
exit 0

# seulex (linearly implicit Euler extrapolation) through the command line:
# Robertson to t = 1e11 against the test set's reference at rtol 1e-6 and
# 1e-10 in a bounded number of steps, one Jacobian per step; the same bits
# from the interpreter; finite differences and every linear solver; a
# forcing switched on at a stop; the dense output on a save grid.
. tests/e2e/common.sh
stat() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$2"; }

# The bench's mixed error, max |y - ref| / (1e-10 + |ref|), of the last row
# against the IVP test set's y(1e11) (as in rosenbrock.sh).
rober_ok() {
    tail -n 1 "$1" | awk -F, -v tol="$2" '{
        split("2.083340149701255e-08 8.3333607703347131e-14 0.99999997916650496", r, " ")
        e = 0; for (i = 1; i <= 3; i++) { d = $(i + 1) - r[i]; if (d < 0) d = -d
                                          a = r[i] < 0 ? -r[i] : r[i]; q = d / (1e-10 + a); if (q > e) e = q }
        if ($1 != 1e11 || !(e < tol)) { printf "t %s error %g\n", $1, e; exit 1 } }'
}

# Measured: 130 steps, error 1.5e-6 at rtol 1e-6; 333 steps, 1.3e-10 at 1e-10.
for case in "1e-6 1e-16 200 1e-5" "1e-10 1e-20 500 1e-8"; do
    set -- $case
    "$ODESOLVE" $M/rober.ode --solver seulex --rtol "$1" --atol "$2" --save-final --stats \
        >"$TMPDIR/r" 2>"$TMPDIR/r.st" || die "seulex failed on rober: $(cat "$TMPDIR/r.st")"
    [ "$(stat family "$TMPDIR/r.st")" = Rosenbrock ] || die "family $(stat family "$TMPDIR/r.st")"
    steps=$(stat steps "$TMPDIR/r.st")
    [ "$steps" -lt "$3" ] || die "seulex: $steps steps on rober at rtol $1"
    [ "$(stat njev "$TMPDIR/r.st")" -eq "$steps" ] || die "njev $(stat njev "$TMPDIR/r.st") for $steps steps"
    [ "$(stat nlu "$TMPDIR/r.st")" -gt "$((3 * steps))" ] || die "nlu $(stat nlu "$TMPDIR/r.st")"
    rober_ok "$TMPDIR/r" "$4" || die "seulex: rober's final state is off at rtol $1"
done

# The exact Jacobian by default, the same bits from the interpreter;
# finite differences and each linear solver reach the reference too.
"$ODESOLVE" $M/rober.ode --solver seulex --save-final --stats >"$TMPDIR/j1" 2>"$TMPDIR/j1.st" \
    || die "seulex failed on rober"
[ "$(stat jacobian "$TMPDIR/j1.st")" = exact ] || die "jacobian: $(stat jacobian "$TMPDIR/j1.st")"
"$ODESOLVE" $M/rober.ode --solver seulex --save-final --no-jit >"$TMPDIR/j2" || die "--no-jit failed"
cmp -s "$TMPDIR/j1" "$TMPDIR/j2" || die "interpreter and tcc differ: $(tail -n 1 "$TMPDIR/j1") $(tail -n 1 "$TMPDIR/j2")"
for ls in dense band sparse; do
    for jac in exact fd; do
        "$ODESOLVE" $M/rober.ode --solver seulex --linsolve $ls --jacobian $jac --rtol 1e-8 \
            --atol 1e-18 --save-final --stats >"$TMPDIR/l" 2>"$TMPDIR/l.st" \
            || die "seulex --linsolve $ls --jacobian $jac failed: $(cat "$TMPDIR/l.st")"
        [ "$(stat linsolve "$TMPDIR/l.st")" = $ls ] || die "linsolve: $(stat linsolve "$TMPDIR/l.st")"
        rober_ok "$TMPDIR/l" 1e-5 || die "seulex --linsolve $ls --jacobian $jac: rober is off"
    done
done
"$ODESOLVE" $M/rober.ode --solver seulex --jacobian fd --save-final --stats >/dev/null \
    2>"$TMPDIR/j3.st" || die "--jacobian fd failed"
[ "$(stat jacobian "$TMPDIR/j3.st")" = "finite differences" ] || die "fd: $(stat jacobian "$TMPDIR/j3.st")"
[ "$(stat nfev "$TMPDIR/j3.st")" -gt "$(stat nfev "$TMPDIR/j1.st")" ] || die "fd costs no f calls"

# x' = -x + heav(t - 1.234): exact 1 + (exp(-ts) - 1) exp(-(t - ts)) after ts.
exact=$(awk 'BEGIN { ts = 1.234; printf "%.17g", 1 + (exp(-ts) - 1) * exp(-(3 - ts)) }')
"$ODESOLVE" $M/switch.ode --solver seulex --rtol 1e-8 --atol 1e-10 --tstops 1.234 --save-final \
    --stats >"$TMPDIR/s" 2>"$TMPDIR/s.st" || die "seulex failed on switch"
tail -n 1 "$TMPDIR/s" | awk -F, -v e="$exact" '{ d = $2 - e; if (d < 0) d = -d; exit !(d < 1e-8) }' \
    || die "switch ends at $(tail -n 1 "$TMPDIR/s"), exact $exact"

# Dense output: every grid row of the oscillator within 1e-6 of cos t
# (measured 4.7e-7 at rtol 1e-8: order 5 between steps of order 6-8).
"$ODESOLVE" $M/osc.ode --solver seulex --rtol 1e-8 --atol 1e-10 --save-every 0.1 >"$TMPDIR/o" \
    || die "seulex failed on osc"
[ "$(wc -l <"$TMPDIR/o")" -eq 102 ] || die "osc: $(wc -l <"$TMPDIR/o") lines"
awk -F, 'NR > 1 { d = $2 - cos($1); if (d < 0) d = -d; if (d > m) m = d } END { exit !(m < 1e-6) }' \
    "$TMPDIR/o" || die "seulex's dense output is off on osc"
exit 0

# The Rosenbrock methods through the command line: Robertson to t = 1e11
# against the test set's reference in a bounded number of steps, one
# Jacobian per step; a forcing switched on at a stop (df/dt and the
# restart after the stop); the dense output on the save grid; XPPAUT's
# meth=2rb.
. tests/e2e/common.sh
stat() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$2"; }

for case in "rodas5 1e-6 450 1e-5" "ros23 1e-6 6000 1e-3"; do
    set -- $case
    "$ODESOLVE" $M/rober.ode --solver "$1" --rtol "$2" --atol 1e-16 --save-final --stats \
        >"$TMPDIR/r" 2>"$TMPDIR/r.st" || die "$1 failed on rober: $(cat "$TMPDIR/r.st")"
    [ "$(stat family "$TMPDIR/r.st")" = Rosenbrock ] || die "$1: family $(stat family "$TMPDIR/r.st")"
    steps=$(stat steps "$TMPDIR/r.st")
    [ "$steps" -lt "$3" ] || die "$1: $steps steps on rober"
    [ "$(stat njev "$TMPDIR/r.st")" -eq "$steps" ] || die "$1: njev $(stat njev "$TMPDIR/r.st") for $steps steps"
    # The bench's mixed error, max |y - ref| / (1e-10 + |ref|).
    tail -n 1 "$TMPDIR/r" | awk -F, -v tol="$4" '{
        split("2.083340149701255e-08 8.3333607703347131e-14 0.99999997916650496", r, " ")
        e = 0; for (i = 1; i <= 3; i++) { d = $(i + 1) - r[i]; if (d < 0) d = -d
                                          a = r[i] < 0 ? -r[i] : r[i]; q = d / (1e-10 + a); if (q > e) e = q }
        if ($1 != 1e11 || !(e < tol)) { printf "t %s error %g\n", $1, e; exit 1 } }' \
        || die "$1: rober's final state is off"
done

# The model's exact Jacobian by default, the same bits from every backend;
# finite differences on request.
"$ODESOLVE" $M/rober.ode --solver rodas5 --save-final --stats >"$TMPDIR/j1" 2>"$TMPDIR/j1.st" \
    || die "rodas5 failed on rober"
[ "$(stat jacobian "$TMPDIR/j1.st")" = exact ] || die "jacobian: $(stat jacobian "$TMPDIR/j1.st")"
"$ODESOLVE" $M/rober.ode --solver rodas5 --save-final --no-jit >"$TMPDIR/j2" || die "--no-jit failed"
cmp -s "$TMPDIR/j1" "$TMPDIR/j2" || die "interpreter and tcc differ: $(tail -n 1 "$TMPDIR/j1") $(tail -n 1 "$TMPDIR/j2")"
"$ODESOLVE" $M/rober.ode --solver rodas5 --jacobian fd --save-final --stats >"$TMPDIR/j3" \
    2>"$TMPDIR/j3.st" || die "--jacobian fd failed"
[ "$(stat jacobian "$TMPDIR/j3.st")" = "finite differences" ] || die "fd: $(stat jacobian "$TMPDIR/j3.st")"
[ "$(stat nfev "$TMPDIR/j3.st")" -gt "$(stat nfev "$TMPDIR/j1.st")" ] || die "fd costs no f calls"

# x' = -x + heav(t - 1.234): exact 1 + (exp(-ts) - 1) exp(-(t - ts)) after ts.
exact=$(awk 'BEGIN { ts = 1.234; printf "%.17g", 1 + (exp(-ts) - 1) * exp(-(3 - ts)) }')
for case in "rodas5 1e-7" "ros23 1e-6"; do
    set -- $case
    s=$1
    "$ODESOLVE" $M/switch.ode --solver $s --rtol 1e-8 --atol 1e-10 --tstops 1.234 --save-final \
        --stats >"$TMPDIR/s" 2>"$TMPDIR/s.st" || die "$s failed on switch"
    [ "$(stat rejected "$TMPDIR/s.st")" -eq 0 ] || die "$s: rejections with the stop"
    tail -n 1 "$TMPDIR/s" | awk -F, -v e="$exact" -v tol="$2" '{ d = $2 - e; if (d < 0) d = -d; exit !(d < tol) }' \
        || die "$s: switch ends at $(tail -n 1 "$TMPDIR/s"), exact $exact"
done

# Dense output: every grid row of the oscillator within 1e-6 of cos t.
"$ODESOLVE" $M/osc.ode --solver rodas5 --rtol 1e-8 --atol 1e-10 --save-every 0.1 >"$TMPDIR/o" \
    || die "rodas5 failed on osc"
[ "$(wc -l <"$TMPDIR/o")" -eq 102 ] || die "osc: $(wc -l <"$TMPDIR/o") lines"
awk -F, 'NR > 1 { d = $2 - cos($1); if (d < 0) d = -d; if (d > m) m = d } END { exit !(m < 1e-6) }' \
    "$TMPDIR/o" || die "rodas5's dense output is off on osc"

# XPPAUT's name for a Rosenbrock 2(3) method.
sed 's/^@ total=3/@ total=3, meth=2rb/' $M/switch.ode >"$TMPDIR/xpp.ode"
"$ODESOLVE" "$TMPDIR/xpp.ode" --save-final --stats >/dev/null 2>"$TMPDIR/x.st" || die "meth=2rb failed"
[ "$(stat solver "$TMPDIR/x.st")" = ros23 ] || die "meth=2rb ran $(stat solver "$TMPDIR/x.st")"
exit 0

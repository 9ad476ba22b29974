# --solver bdf through the command line: Robertson to t = 1e11 against the
# IVP test set's reference (Mazzia & Magherini, Univ. Bari), few
# factorisations for its steps; the switched forcing with a stop and dense
# output against its closed form.
. tests/e2e/common.sh
stat() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$2"; }

"$ODESOLVE" $M/rober.ode --solver bdf --rtol 1e-8 --atol 1e-18 --save-final --stats \
    >"$TMPDIR/r" 2>"$TMPDIR/r.st" || die "rober failed: $(cat "$TMPDIR/r.st")"
tail -n 1 "$TMPDIR/r" | awk -F, '{
    split("2.083340149701255e-08 8.3333607703347131e-14 0.99999997916650496", ref, " ")
    e = 0
    for (i = 1; i <= 3; i++) { d = ($(i + 1) - ref[i]) / (1e-10 + (ref[i] < 0 ? -ref[i] : ref[i]))
                               if (d < 0) d = -d; if (d > e) e = d }
    if (!(e < 1e-6)) { print "rober mixed error " e; exit 1 } }' || die "rober: $(tail -n 1 "$TMPDIR/r")"
steps=$(stat steps "$TMPDIR/r.st"); nlu=$(stat nlu "$TMPDIR/r.st")
[ "$steps" -lt 5000 ] || die "rober: $steps steps"
[ $((nlu * 4)) -lt "$steps" ] || die "rober: $nlu LU for $steps steps"
[ "$(stat solver "$TMPDIR/r.st")" = bdf ] || die "rober: $(cat "$TMPDIR/r.st")"

# x = exp(-t) before 1.234, 1 + (exp(-ts) - 1) exp(-(t - ts)) after; the
# history restarts at the stop.
"$ODESOLVE" $M/switch.ode --solver bdf --rtol 1e-8 --atol 1e-10 --tstops 1.234 \
    --save-every 0.01 --stats >"$TMPDIR/s" 2>"$TMPDIR/s.st" || die "switch failed"
awk -F, 'NR > 1 { t = $1; ts = 1.234
                  x = t <= ts ? exp(-t) : 1 + (exp(-ts) - 1) * exp(-(t - ts))
                  d = $2 - x; if (d < 0) d = -d; if (d > e) e = d; n++ }
         END { if (n != 301 || !(e < 1e-6)) { print n " rows, error " e; exit 1 } }' "$TMPDIR/s" \
    || die "switch: dense rows off"
[ "$(stat rejected "$TMPDIR/s.st")" -lt 20 ] || die "switch: $(cat "$TMPDIR/s.st")"
exit 0

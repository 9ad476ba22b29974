# Switch times of t alone: the Morris-Lecar cell given a 5 ms pulse at
# t = 500 fires with every solver family, as in xppaut's own run
# (tests/e2e/ml_pulse.xpp, made by make_ml_pulse_ref.sh: RK4, dt 0.05);
# the stiff solvers' steps at rest are far longer than the pulse, so they
# need the pulse's switch times to see it at all.
. tests/e2e/common.sh
for s in dopri5 rodas5 radau5 bdf auto; do
    "$ODESOLVE" $M/ml_pulse.ode --solver $s --save-every 0.05 --stats >"$TMPDIR/ml" 2>"$TMPDIR/ml.st" \
        || die "$s failed"
    grep -q '^time_switches: 2$' "$TMPDIR/ml.st" || die "$s: $(grep switch "$TMPDIR/ml.st")"
    # xppaut prints 8 digits of float times: match rows within 0.01.
    awk -F'[, ]' 'NR == FNR { x[sprintf("%.2f", $1)] = $2; next }
        FNR > 1 { k = sprintf("%.2f", $1); if (k in x) { n++; d = $2 - x[k]; if (d < 0) d = -d; if (d > m) m = d } }
        END { if (n < 1000 || m > 0.5) { print "rows " n ", max |dv| " m; exit 1 } }' \
        tests/e2e/ml_pulse.xpp "$TMPDIR/ml" || die "$s differs from xppaut"
done
"$ODESOLVE" $M/ml_pulse.ode --solver rodas5 --no-switches --stats >/dev/null 2>"$TMPDIR/ml.st" \
    || die "--no-switches failed"
grep -q 'time_switches' "$TMPDIR/ml.st" && die "--no-switches still switched"
exit 0

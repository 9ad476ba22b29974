# Events (global): spike times of an integrate-and-fire neuron against
# their closed form k T, T = tau ln((I - vr)/(I - vth)), to 1e-10; the two
# rows of each event and --no-event-rows; --stop-after-events; --stats;
# the three backends write the same bytes.
. tests/e2e/common.sh
"$ODESOLVE" $M/fire.ode --save-final --rtol 1e-12 --atol 1e-14 --stats >"$TMPDIR/f" 2>"$TMPDIR/f.st" \
    || die "fire.ode failed"
grep -q '^events: 13$' "$TMPDIR/f.st" || die "events: $(grep events "$TMPDIR/f.st")"
# Rows 2 .. 27 are the event pairs: t, v before (vth), v after (vr).
awk -F, 'NR > 1 && NR < 28 {
        k = int(NR / 2); T = 0.8 * log(2.6); d = $1 - k * T; if (d < 0) d = -d
        if (d > 1e-10) { print "spike " k " at " $1 ", error " d; bad = 1 }
        want = NR % 2 == 0 ? 1 : 0.2; e = $2 - want; if (e < 0) e = -e
        if (e > 1e-9) { print "row " NR " v " $2; bad = 1 } }
    END { exit bad }' "$TMPDIR/f" || die "spike times"
[ "$(wc -l <"$TMPDIR/f")" -eq 28 ] || die "rows: $(wc -l <"$TMPDIR/f")"
"$ODESOLVE" $M/fire.ode --save-final --no-event-rows >"$TMPDIR/n" || die "--no-event-rows failed"
[ "$(wc -l <"$TMPDIR/n")" -eq 2 ] || die "--no-event-rows wrote $(wc -l <"$TMPDIR/n") lines"
"$ODESOLVE" $M/fire.ode --save-every 1 --stop-after-events 3 >"$TMPDIR/s" || die "--stop-after-events failed"
tail -n 1 "$TMPDIR/s" | awk -F, '{ d = $1 - 3 * 0.8 * log(2.6); if (d < 0) d = -d; exit !(d < 1e-6 && $2 == 0.2) }' \
    || die "last row after 3 events: $(tail -n 1 "$TMPDIR/s")"
expect_status 2 "$ODESOLVE" $M/fire.ode --stop-after-events 0 >/dev/null 2>&1
# The same bytes from tcc, the interpreter and the system compiler.
"$ODESOLVE" $M/ball.ode >"$TMPDIR/b.tcc" || die "ball failed"
"$ODESOLVE" $M/ball.ode --no-jit >"$TMPDIR/b.int" || die "ball --no-jit failed"
cmp -s "$TMPDIR/b.tcc" "$TMPDIR/b.int" || die "tcc and interpreter differ"
if command -v cc >/dev/null 2>&1; then
    "$ODESOLVE" $M/ball.ode --jit cc >"$TMPDIR/b.cc" || die "ball --jit cc failed"
    cmp -s "$TMPDIR/b.tcc" "$TMPDIR/b.cc" || die "tcc and cc differ"
fi
# The ball's impacts: the first at sqrt(2/g), then 2 e^k v0/g apart.
awk -F, 'NR > 1 && NR % 1 == 0 && p != "" && $1 == p {
        n++; want = sqrt(2 / 9.81); v = sqrt(2 * 9.81)
        for (k = 1; k < n; k++) { v *= 0.8; want += 2 * v / 9.81 }
        d = $1 - want; if (d < 0) d = -d; if (d > 1e-8) { print "impact " n " at " $1; bad = 1 } }
    { p = $1 } END { exit bad || n < 6 }' "$TMPDIR/b.tcc" || die "impact times"
exit 0

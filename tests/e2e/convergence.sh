# Observed order of the methods at fixed steps, explicit and implicit,
# through the command line:
# errors at dt and dt/2 on the oscillator give the order within 0.2.
. tests/e2e/common.sh
err_at() {  # err_at SOLVER DT -> max error at t1 = 10
    "$ODESOLVE" $M/osc.ode --solver "$1" --controller constant --dt "$2" --save-every 10 |
        tail -n 1 | awk -F, '{ dx = $2 - cos(10); dv = $3 + sin(10); if (dx < 0) dx = -dx; if (dv < 0) dv = -dv
                               printf "%.17g\n", (dx > dv ? dx : dv) }'
}
for case in "rk4 4 0.05" "heun 2 0.01" "euler 1 0.001" "dopri5 5 0.1" \
            "backeul 1 0.001" "trapezoid 2 0.01" "kvaerno3 3 0.05" "kvaerno5 5 0.1"; do
    set -- $case
    e1=$(err_at "$1" "$3"); e2=$(err_at "$1" "$(awk -v h="$3" 'BEGIN { print h / 2 }')")
    awk -v a="$e1" -v b="$e2" -v p="$2" 'BEGIN { q = log(a / b) / log(2); d = q - p; if (d < 0) d = -d; exit !(d < 0.2) }' \
        || die "$1: errors $e1 $e2 do not show order $2"
done
exit 0

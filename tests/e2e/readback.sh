# The CSV reads back as the solution: every row of the oscillator equals
# (cos t, -sin t) to the tolerance, the grid is the decimal t0 + k*dt (k/100,
# one rounding, not k*0.01), t1 is the last row.
. tests/e2e/common.sh
"$ODESOLVE" $M/osc.ode --rtol 1e-10 --atol 1e-12 --save-every 0.01 >"$TMPDIR/o" || die "run failed"
head -n 1 "$TMPDIR/o" | grep -qx 't,x,v' || die "header: $(head -n 1 "$TMPDIR/o")"
awk -F, 'NR > 1 { k = NR - 2; if ($1 != k / 100 && NR < 1002) { print "t", $1; exit 1 }
                   dx = $2 - cos($1); dv = $3 + sin($1)
                   if (dx < 0) dx = -dx; if (dv < 0) dv = -dv
                   if (dx > 1e-8 || dv > 1e-8) { print "row", NR, dx, dv; exit 1 } n++ }
         END { if (n != 1001 || $1 != 10) { print "rows", n, "last t", $1; exit 1 } }' "$TMPDIR/o" || die "values"
# --save-steps: strictly increasing t ending at t1.
"$ODESOLVE" $M/osc.ode --save-steps >"$TMPDIR/s" || die "save-steps failed"
awk -F, 'NR > 2 && $1 <= prev { exit 1 } NR > 1 { prev = $1 } END { if (prev != 10) exit 1 }' "$TMPDIR/s" \
    || die "save-steps times"
# The JIT and the interpreter agree byte for byte.
"$ODESOLVE" $M/osc.ode --no-jit --rtol 1e-10 --atol 1e-12 --save-every 0.01 >"$TMPDIR/i" || die "no-jit"
cmp -s "$TMPDIR/o" "$TMPDIR/i" || die "interpreter differs"
exit 0

# Difference equations, the symplectic method and bdry statements.
. tests/e2e/common.sh
# A map iterates once per unit of t over the whole iterates in total
# (12.5: 12), whatever the file's dt; each row is the iterate itself.
expect_status 0 "$ODESOLVE" $M/map-affine.ode >"$TMPDIR/o" 2>"$TMPDIR/e"
[ -s "$TMPDIR/e" ] && die "map: $(cat "$TMPDIR/e")"
awk 'BEGIN { x = 0.1; y = 2; print "t,x,y,z"
             for (t = 0; t <= 12; t++) { printf "%d,%.17g,%.17g,%.17g\n", t, x, y, x*y
                                         xn = 0.5*x + 1; y = y - 1.25*x + t; x = xn } }' |
    sed 's/,\([0-9-]*\)\.0*,/,\1,/g' >"$TMPDIR/want"
awk -F, 'NR == FNR { w[FNR] = $0; n = FNR; next }
         { split(w[FNR], a, ","); for (i = 1; i <= NF; i++) if (FNR > 1 && a[i] + 0 != $i + 0) exit 1 }
         END { if (FNR != n) exit 1 }' "$TMPDIR/want" "$TMPDIR/o" || die "map rows: $(cat "$TMPDIR/o")"
# The method is the map's: meth= in the file warns, --solver refuses.
sed 's/@ total=12.5, dt=0.1/@ total=3, meth=rk4/' $M/map-affine.ode >"$TMPDIR/rk4.ode"
expect_status 0 "$ODESOLVE" "$TMPDIR/rk4.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "rk4.ode:8:17: warning: method 'rk4' is not used: difference equations are iterated (meth=discrete)" "$TMPDIR/e" ||
    die "meth=rk4: $(cat "$TMPDIR/e")"
[ "$(wc -l <"$TMPDIR/o")" -eq 5 ] || die "meth=rk4 rows: $(cat "$TMPDIR/o")"
expect_status 2 "$ODESOLVE" --solver rk4 $M/map-affine.ode >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "map-affine.ode:5:1: error: difference equations are iterated by the discrete method; --solver rk4 cannot run them" "$TMPDIR/e" ||
    die "--solver rk4: $(cat "$TMPDIR/e")"
[ -s "$TMPDIR/o" ] && die "--solver rk4 wrote rows"
# meth=discrete makes x' = ... a map too, and --solver discrete as well.
printf "init x=0.1, y=2\nx' = 0.5*x + 1\ny' = y - 1.25*x + t\naux z = x*y\n@ meth=discrete, total=12\n" >"$TMPDIR/prime.ode"
"$ODESOLVE" "$TMPDIR/prime.ode" >"$TMPDIR/p1" && "$ODESOLVE" $M/map-affine.ode >"$TMPDIR/p2" &&
    cmp -s "$TMPDIR/p1" "$TMPDIR/p2" || die "meth=discrete with primes: $(cat "$TMPDIR/p1")"
sed 's/meth=discrete, //' "$TMPDIR/prime.ode" >"$TMPDIR/prime2.ode"
"$ODESOLVE" --solver discrete "$TMPDIR/prime2.ode" >"$TMPDIR/p3" && cmp -s "$TMPDIR/p1" "$TMPDIR/p3" ||
    die "--solver discrete: $(cat "$TMPDIR/p3")"
# The symplectic method is third order: halving dt divides the error at
# t = 10 by 8.
for dt in 0.05 0.025; do
    "$ODESOLVE" $M/osc-symplectic.ode --dt $dt --save-final >"$TMPDIR/s$dt" || die "symplectic dt=$dt"
done
awk -F, 'FNR == 2 { d = $2 - cos(10); e[++n] = d < 0 ? -d : d }
         END { r = e[1] / e[2]; if (!(e[1] < 1e-5 && r > 7 && r < 9)) { print e[1], e[2], r; exit 1 } }' \
    "$TMPDIR/s0.05" "$TMPDIR/s0.025" || die "symplectic order"
printf "x' = 1\n@ meth=ymp\n" >"$TMPDIR/odd.ode"
expect_status 2 "$ODESOLVE" "$TMPDIR/odd.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "symplectic needs its states in pairs" "$TMPDIR/e" || die "odd symplectic: $(cat "$TMPDIR/e")"
[ -s "$TMPDIR/o" ] && die "odd symplectic wrote rows"
# bdry: an error, except under --xpp, which integrates the initial value
# problem as xppaut -silent does, with one warning naming the lines.
printf "init u=0, up=1\nu' = up\nup' = -u\nbdry u\nbndry u'-1\n@ total=1\n" >"$TMPDIR/bvp.ode"
expect_status 2 "$ODESOLVE" "$TMPDIR/bvp.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "bvp.ode:4:1: error: 'bdry' statements are not supported" "$TMPDIR/e" || die "bdry: $(cat "$TMPDIR/e")"
[ -s "$TMPDIR/o" ] && die "bdry wrote rows"
expect_status 0 "$ODESOLVE" --xpp "$TMPDIR/bvp.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
[ "$(grep -c ': warning: ' "$TMPDIR/e")" -eq 1 ] || die "--xpp bdry: $(cat "$TMPDIR/e")"
grep -q "bvp.ode:4:1: warning: boundary conditions (lines 4, 5) are not solved; the initial value problem is integrated, as xppaut -silent does" "$TMPDIR/e" ||
    die "--xpp bdry: $(cat "$TMPDIR/e")"
tail -n 1 "$TMPDIR/o" | awk -F, '{ d = $2 - sin(1); if (d < 0) d = -d; if ($1 - 1 > 1e-12 || d > 1e-7) exit 1 }' ||
    die "--xpp bdry rows: $(tail -n 1 "$TMPDIR/o")"
exit 0

# Arrays (lang/array.c): a 10,000-cell diffusion chain written with arrays
# gives the same bytes as the same model written out cell by cell, with
# every backend and with the band solver of the stiff methods (the chain's
# Jacobian stays tridiagonal); an array with a closed-form solution.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/arrays.XXXXXX")

N=10000
A=$TMPDIR/chain.ode
L=$TMPDIR/chain_long.ode
cat >"$A" <<EOT
number n=$((N - 1))
par d=1
u0' = d*(u1 - u0)
u[1..n]' = d*(u[j-1] - 2*u[j] + u[j+1])
u$N' = d*(u$((N - 1)) - u$N)
init u[4990..5010]=1
@ total=0.5
done
EOT
awk -v n=$N 'BEGIN {
    print "par d=1"
    print "u0'"'"' = d*(u1 - u0)"
    for (j = 1; j < n; j++)
        printf "u%d'"'"' = d*(u%d - 2*u%d + u%d)\n", j, j - 1, j, j + 1
    printf "u%d'"'"' = d*(u%d - u%d)\n", n, n - 1, n
    for (j = 4990; j <= 5010; j++)
        printf "u%d(0)=1\n", j
    print "@ total=0.5"
}' >"$L"

# The array form is one loop, not one line per cell.
"$ODESOLVE" --emit-c "$A" >"$TMPDIR/a.c" || die "emit-c failed"
grep -q "for (long j = 0; j < 9999; j++)" "$TMPDIR/a.c" || die "no loop in the C of the chain"
[ "$(grep -c 'dydt\[' "$TMPDIR/a.c")" -lt 10 ] || die "the chain's right-hand side is unrolled"
# So is its Jacobian: rows 1 .. 9999 are one loop of three values.
grep -q "val\[1 + 3 \* j\] = " "$TMPDIR/a.c" || die "no loop in the chain's Jacobian"
[ "$(grep -c 'val\[' "$TMPDIR/a.c")" -lt 20 ] || die "the chain's Jacobian is unrolled"

for opts in "" "--no-jit" "--solver rodas5" "--solver rodas5 --no-jit" "--solver bdf"; do
    "$ODESOLVE" "$A" $opts --save-every 0.25 >"$TMPDIR/a.csv" || die "arrays $opts failed"
    "$ODESOLVE" "$L" $opts --save-every 0.25 >"$TMPDIR/l.csv" || die "long form $opts failed"
    cmp -s "$TMPDIR/a.csv" "$TMPDIR/l.csv" || die "arrays and long form differ ($opts)"
done
"$ODESOLVE" "$A" --solver rodas5 --stats --save-every 0.5 2>"$TMPDIR/s" >/dev/null
grep -q "linsolve: band" "$TMPDIR/s" || die "the chain does not get the band solver: $(grep linsolve "$TMPDIR/s")"

# x_j' = -j x_j, x_j(0) = 1: x_j(1) = exp(-j).
cat >"$TMPDIR/decay.ode" <<EOT
x[1..4]' = -[j]*x[j]
init x[1..4]=1
aux y[1..4] = exp(-[j]*t) - x[j]
EOT
"$ODESOLVE" "$TMPDIR/decay.ode" --rtol 1e-10 --atol 1e-12 --t1 1 --save-every 1 >"$TMPDIR/d.csv" || die "decay failed"
head -1 "$TMPDIR/d.csv" | grep -qx "t,x1,x2,x3,x4,y1,y2,y3,y4" || die "columns: $(head -1 "$TMPDIR/d.csv")"
tail -1 "$TMPDIR/d.csv" | awk -F, '{
    for (j = 1; j <= 4; j++) {
        d = $(j + 1) - exp(-j); if (d < 0) d = -d
        if (d > 1e-9) { printf "x%d(1) = %s\n", j, $(j + 1); exit 1 }
    }
}' || die "decay: wrong x_j(1)"

# -i and -p name elements as the columns do.
"$ODESOLVE" "$TMPDIR/decay.ode" -i x3=2 --t1 1 --save-every 1 | sed -n 2p | grep -q "^0,1,1,2,1," || die "-i x3=2 not applied"
# XPPAUT's own rows for an XPPAUT-style array model (made by
# scripts/make_array_refs.sh): same names, same numbers to xppaut's 8
# printed digits, with the file's rk4 and dt.
"$ODESOLVE" "$M/arrays-xpp.ode" --save-every 0.5 | tail -n +2 | tr , ' ' >"$TMPDIR/x.txt" || die "arrays-xpp failed"
"$ODESOLVE" "$M/arrays-xpp.ode" --save-every 0.5 | head -1 |
    grep -qx "t,u0,u1,u2,u3,u4,u5,u6,u7,u8,v1,v2,v3,x0,x1,y1,x2,y2,x3,y3,e0,e1,e2" || die "arrays-xpp columns"
awk 'NR == FNR { for (i = 1; i <= NF; i++) r[FNR, i] = $i; nf[FNR] = NF; n = FNR; next }
     {
         if (NF != nf[FNR]) { print "row " FNR ": " NF " fields"; bad = 1; exit }
         for (i = 1; i <= NF; i++) {
             d = $i - r[FNR, i]; if (d < 0) d = -d
             s = r[FNR, i] < 0 ? -r[FNR, i] : r[FNR, i]; if (s < 1e-2) s = 1e-2
             if (d > 1e-7 * s + 1e-9) { print "row " FNR " field " i ": " $i " vs " r[FNR, i]; bad = 1; exit }
         }
         m = FNR
     }
     END { exit bad || m != n }' tests/e2e/arrays-xpp.ref "$TMPDIR/x.txt" || die "arrays-xpp differs from xppaut"
exit 0

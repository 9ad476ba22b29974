# XPPAUT's sum(lo,hi)of(...) and shift() (lang/array.c): the sum is one
# loop in the generated C, not a line per term, also in a 400-cell model;
# every backend gives the same bytes; the stiff solvers' exact Jacobian
# through the sums gives the closed-form answer of tests/xpp/meanfield.ode
# and agrees with finite differences; `init u[3..5]=1, v[j]=2` gives both
# ranges their values.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/sums.XXXXXX")
MF=tests/xpp/meanfield.ode

"$ODESOLVE" --emit-c "$MF" >"$TMPDIR/m.c" || die "emit-c failed"
grep -q "for (long si = 0; si <= 4; si++)" "$TMPDIR/m.c" || die "no loop for the sum in the C"
grep -q "y\[0 + 1 \* si\]" "$TMPDIR/m.c" || die "shift(x0,i') is not read through the counter"
grep -q "v\[[0-9]* + 1 \* si\]" "$TMPDIR/m.c" || die "shift(g0,i') is not read through the counter"

# 400 cells, each reading all 400 through one sum: one loop over j with
# one loop over i' inside.
N=400
cat >"$TMPDIR/big.ode" <<EOT
number n=$N
par a=0.5
u[0..$((N - 1))]' = -u[j] + a*sum(0,$((N - 1)))of(cos(([j]-i')/n)*shift(u0,i'))/n
init u[0..9]=1
EOT
"$ODESOLVE" --emit-c "$TMPDIR/big.ode" >"$TMPDIR/big.c" 2>/dev/null || die "emit-c of the 400 cells failed"
grep -q "for (long j = 0; j < $N; j++)" "$TMPDIR/big.c" || die "the cells are not one loop"
[ "$(wc -c <"$TMPDIR/big.c")" -lt 400000 ] || die "the C of the 400 cells is $(wc -c <"$TMPDIR/big.c") bytes"
"$ODESOLVE" "$TMPDIR/big.ode" --t1 1 --save-every 0.5 >"$TMPDIR/big1.csv" 2>/dev/null || die "400 cells failed"
"$ODESOLVE" "$TMPDIR/big.ode" --t1 1 --save-every 0.5 --no-jit >"$TMPDIR/big2.csv" 2>/dev/null || die "400 cells --no-jit failed"
cmp -s "$TMPDIR/big1.csv" "$TMPDIR/big2.csv" || die "400 cells: JIT and interpreter differ"

# Every backend, the same bytes.
"$ODESOLVE" "$MF" >"$TMPDIR/tcc.csv" || die "meanfield failed"
for opts in "--no-jit" "--jit cc"; do
    "$ODESOLVE" "$MF" $opts >"$TMPDIR/o.csv" || die "meanfield $opts failed"
    cmp -s "$TMPDIR/tcc.csv" "$TMPDIR/o.csv" || die "meanfield: $opts differs from the default backend"
done

# Stiff solvers with the exact Jacobian through the sums (and with finite
# differences): the closed form within the tolerance.
tail -n +3 tests/xpp/meanfield.out >"$TMPDIR/want"
for opts in "--solver rodas5" "--solver bdf" "--solver radau5 --no-jit" "--solver rodas5 --jacobian fd"; do
    "$ODESOLVE" "$MF" $opts --rtol 1e-9 --atol 1e-11 --stats >"$TMPDIR/s.csv" 2>"$TMPDIR/s.err" ||
        die "meanfield $opts failed: $(cat "$TMPDIR/s.err")"
    case $opts in
    *fd*) ;;
    *) grep -q "jacobian: exact" "$TMPDIR/s.err" || die "meanfield $opts: not the exact Jacobian: $(grep -i jacobian "$TMPDIR/s.err")" ;;
    esac
    tail -n +2 "$TMPDIR/s.csv" | awk -F, -v want="$TMPDIR/want" '
        { getline w <want; n = split(w, v, ",")
          for (i = 1; i <= n; i++) { d = $i - v[i]; if (d < 0) d = -d
              if (d > 1e-6) { printf "row %d col %d: %s, closed form %s\n", NR, i, $i, v[i]; exit 1 } } }' ||
        die "meanfield $opts is off the closed form"
done

# init u[3..5]=1, v[j]=2: v takes u's range.
cat >"$TMPDIR/init.ode" <<EOT
u[0..5]' = 0
v[0..5]' = 0
init u[3..5]=1, v[j]=2
EOT
"$ODESOLVE" "$TMPDIR/init.ode" --t1 1 --save-every 1 >"$TMPDIR/i.csv" || die "init with v[j] failed"
sed -n 2p "$TMPDIR/i.csv" | grep -qx "0,0,0,0,1,1,1,0,0,0,2,2,2" || die "init v[j]: $(sed -n 2p "$TMPDIR/i.csv")"
exit 0

# Settings that change the rows, honoured in every mode, and --xpp's
# defaults and rows (XPPAUT 6.11's, checked against xppaut -silent).
. tests/e2e/common.sh
f=$M/xpp-rows.ode
r4() {  # r4 H K: RK4's factor for x' = -x after K steps of H
    awk -v h="$1" -v k="$2" 'BEGIN { r = 1 - h + h*h/2 - h*h*h/6 + h*h*h*h/24; printf "%.17g", r^k }'
}
close() {  # close A B: |A - B| <= 1e-12 (1 + |B|)
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(d <= 1e-12 * (1 + s)) }'
}
field() { sed -n "$1p" "$TMPDIR/o" | awk -F"${3:-,}" -v k="$2" '{ print $k }'; }

# trans: rows with |t| < trans are not written (XPPAUT compares |t|).
sed 's/@ dt=0.1/@ trans=0.35, dt=0.1/' $f >"$TMPDIR/trans.ode"
expect_status 0 "$ODESOLVE" "$TMPDIR/trans.ode" >"$TMPDIR/o"
[ "$(field 2 1)" = 0.4 ] || die "trans: first row at $(field 2 1)"
[ "$(wc -l <"$TMPDIR/o")" -eq 8 ] || die "trans: 7 rows from 0.4 to 1"
close "$(field 2 2)" "$(r4 0.1 4)" || die "trans: x(0.4) $(field 2 2)"

# A negative dt integrates backwards over total: x(-1) = e.
sed 's/@ dt=0.1/@ dt=-0.1/' $f >"$TMPDIR/back.ode"
expect_status 0 "$ODESOLVE" "$TMPDIR/back.ode" >"$TMPDIR/o"
[ "$(tail -n 1 "$TMPDIR/o" | cut -d, -f1)" = -1 ] || die "backwards: ends at $(tail -n 1 "$TMPDIR/o")"
close "$(tail -n 1 "$TMPDIR/o" | cut -d, -f2)" "$(awk -v h=-0.1 'BEGIN { r = 1 - h + h*h/2 - h*h*h/6 + h*h*h*h/24; printf "%.17g", r^10 }')" ||
    die "backwards: x(-1) = $(tail -n 1 "$TMPDIR/o")"

# nout under --xpp: every nout-th step, whole rows of nout steps over about
# total (dt=0.3, total=1, nout=2: rows at 0, 0.6 and 1.2, as xppaut).
sed 's/@ dt=0.1, total=1/@ dt=0.3, total=1, nout=2/' $f >"$TMPDIR/nout.ode"
expect_status 0 "$ODESOLVE" --xpp "$TMPDIR/nout.ode" >"$TMPDIR/o"
[ "$(cut -d, -f1 "$TMPDIR/o" | tr '\n' ' ')" = "t 0 0.6 1.2 " ] || die "nout: $(cut -d, -f1 "$TMPDIR/o" | tr '\n' ' ')"
close "$(field 4 2)" "$(r4 0.3 4)" || die "nout: x(1.2) $(field 4 2)"

# An adaptive method under --xpp writes every dt whatever nout (xppaut
# -silent with meth=qualrk, dt=0.1, total=1, nout=2: 11 rows); XPPAUT's
# qualrk, replayed, gives its rows to its printed digits (x(0.5) =
# 0.60653067 there).
printf "init x=1\nx' = -x\n@ meth=qualrk, dt=0.1, total=1, nout=2\n" >"$TMPDIR/qnout.ode"
expect_status 0 "$ODESOLVE" --xpp "$TMPDIR/qnout.ode" >"$TMPDIR/o"
[ "$(wc -l <"$TMPDIR/o")" -eq 12 ] || die "adaptive nout: $(wc -l <"$TMPDIR/o") lines"
[ "$(field 7 1)" = 0.5 ] || die "adaptive nout: row 6 at t=$(field 7 1)"
awk -v a="$(field 7 2)" 'BEGIN { d = a - 0.60653067; exit !(d < 1e-7 && d > -1e-7) }' ||
    die "adaptive nout: x(0.5) = $(field 7 2)"

# --xpp's defaults: rk4, dt=0.05, total=20: 401 rows.
printf "init x=1\nx' = -x\n" >"$TMPDIR/bare.ode"
expect_status 0 "$ODESOLVE" --xpp "$TMPDIR/bare.ode" >"$TMPDIR/o"
[ "$(wc -l <"$TMPDIR/o")" -eq 402 ] || die "defaults: $(wc -l <"$TMPDIR/o") lines"
close "$(field 22 2)" "$(r4 0.05 20)" || die "defaults: x(1) $(field 22 2)"

# An adaptive method under --xpp steps from row to row, as XPPAUT's
# integrate() does: no step longer than dt (here 20 rows of 0.5 need at
# least 20 steps; dopri5 alone takes 10 at tol 1e-3).
printf "init x=1\nx' = -x\n@ meth=dopri5, dt=0.5, total=10, tol=1e-3, atol=1e-3\n" >"$TMPDIR/adapt.ode"
expect_status 0 "$ODESOLVE" --xpp --stats -q "$TMPDIR/adapt.ode" >/dev/null 2>"$TMPDIR/e"
[ "$(sed -n 's/^steps: //p' "$TMPDIR/e")" -ge 20 ] || die "adaptive --xpp: $(grep '^steps' "$TMPDIR/e")"

# bound under --xpp: checked on the rows (aux too), the offending row not
# written, exit 1 naming the variable and t.  Default bound 100.
printf "init x=1\nx' = x\n@ total=10, dt=0.1\n" >"$TMPDIR/grow.ode"
expect_status 1 "$ODESOLVE" --xpp "$TMPDIR/grow.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "stopped at t = 4.[67].*: x = 109.9.* is out of bounds (|value| > bound = 100" "$TMPDIR/e" || die "bound: $(cat "$TMPDIR/e")"
close "$(tail -n 1 "$TMPDIR/o" | cut -d, -f1)" 4.6 || die "bound: last row $(tail -n 1 "$TMPDIR/o")"
printf "init x=1\nx' = 0\naux big = 200*x\n@ total=1, dt=0.1\n" >"$TMPDIR/auxb.ode"
expect_status 1 "$ODESOLVE" --xpp "$TMPDIR/auxb.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
grep -q "big = 200 is out of bounds" "$TMPDIR/e" || die "aux bound: $(cat "$TMPDIR/e")"
[ "$(wc -l <"$TMPDIR/o")" -eq 2 ] || die "aux bound: only the first row: $(cat "$TMPDIR/o")"
# Without --xpp the file's bound is checked at every step by the solver.
printf "init x=1\nx' = x\n@ total=10, dt=0.1, bound=5\n" >"$TMPDIR/grow5.ode"
expect_status 1 "$ODESOLVE" "$TMPDIR/grow5.ode" >/dev/null 2>"$TMPDIR/e"
grep -q "in 'x': exceeds bound 5" "$TMPDIR/e" || die "solver bound: $(cat "$TMPDIR/e")"

# maxstor under --xpp: at most that many rows, exit 0 with a note;
# without --xpp every row.
printf "init x=1\nx' = -x\n@ total=10, dt=0.1, maxstor=7\n" >"$TMPDIR/stor.ode"
expect_status 0 "$ODESOLVE" --xpp "$TMPDIR/stor.ode" >"$TMPDIR/o" 2>"$TMPDIR/e"
[ "$(wc -l <"$TMPDIR/o")" -eq 8 ] || die "maxstor: $(wc -l <"$TMPDIR/o") lines"
close "$(tail -n 1 "$TMPDIR/o" | cut -d, -f1)" 0.6 || die "maxstor: last row $(tail -n 1 "$TMPDIR/o")"
grep -q "7 rows, XPPAUT's maxstor" "$TMPDIR/e" || die "maxstor note: $(cat "$TMPDIR/e")"
expect_status 0 "$ODESOLVE" "$TMPDIR/stor.ode" >"$TMPDIR/o" 2>/dev/null
[ "$(wc -l <"$TMPDIR/o")" -eq 102 ] || die "maxstor without --xpp: $(wc -l <"$TMPDIR/o") lines"

# only: the columns in its order; CSV keeps t first; --format xpp writes
# t only when listed, each value followed by a blank, no header.
{ cat $f; echo "only s, x"; } | sed '/^done/d' >"$TMPDIR/only.ode"
expect_status 0 "$ODESOLVE" "$TMPDIR/only.ode" >"$TMPDIR/o"
[ "$(head -n 1 "$TMPDIR/o")" = "t,s,x" ] || die "only: header $(head -n 1 "$TMPDIR/o")"
expect_status 0 "$ODESOLVE" --xpp --format xpp "$TMPDIR/only.ode" >"$TMPDIR/o"
[ "$(head -n 1 "$TMPDIR/o")" = "1 1 " ] || die "only xpp: '$(head -n 1 "$TMPDIR/o")'"
[ "$(wc -l <"$TMPDIR/o")" -eq 11 ] || die "only xpp: $(wc -l <"$TMPDIR/o") rows"
printf "x' = -x\nonly t x\n" >"$TMPDIR/onlyt.ode"
expect_status 0 "$ODESOLVE" --xpp --format xpp "$TMPDIR/onlyt.ode" >"$TMPDIR/o"
[ "$(sed -n 2p "$TMPDIR/o")" = "0.05 0 " ] || die "only t: '$(sed -n 2p "$TMPDIR/o")'"
expect_status 0 "$ODESOLVE" --format xpp $f >"$TMPDIR/o"
[ "$(head -n 1 "$TMPDIR/o")" = "0 1 0 1 " ] || die "format xpp: '$(head -n 1 "$TMPDIR/o")'"
expect_status 2 "$ODESOLVE" --format xpp -o "$TMPDIR/x.h5" $f 2>/dev/null
expect_status 2 "$ODESOLVE" --format json $f 2>/dev/null
exit 0

# What a user of other tools types: the model on standard input, lists in
# -p and -i, a -p that names a state or a constant, a misspelt option,
# other tools' solver names, a tolerance below double precision.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/newcomer_cli.XXXXXX")
D=$TMPDIR
# err_is WANT CMD...: exit 2, nothing on stdout, stderr's first line WANT.
err_is() {
    want=$1; shift
    "$@" >"$D/o" 2>"$D/e"
    rc=$?
    [ $rc -eq 2 ] || die "$*: exit $rc, expected 2"
    [ -s "$D/o" ] && die "$*: wrote to stdout"
    [ "$(head -n 1 "$D/e")" = "$want" ] || die "$*: got '$(head -n 1 "$D/e")', expected '$want'"
    return 0
}

# - reads the model from standard input; diagnostics name it <stdin>.
"$ODESOLVE" $M/decay.ode >"$D/want.csv"
"$ODESOLVE" - <$M/decay.ode | cmp -s - "$D/want.csv" || die "- differs from the file"
cat $M/decay.ode | "$ODESOLVE" - --no-jit | cmp -s - "$D/want.csv" || die "- from a pipe"
printf "x' = -yy\n" | err_is "<stdin>:1:7: error: unknown variable 'yy'" "$ODESOLVE" -
printf "x' = -yy\n" | err_is "<stdin>:1:7: error: unknown variable 'yy'" "$ODESOLVE" --check -

# -p and -i take lists; the same as repeating them.
"$ODESOLVE" $M/decay.ode -p k=2 -p x0=3 -i x=3 >"$D/rep.csv"
"$ODESOLVE" $M/decay.ode -p k=2,x0=3 -i x=3 | cmp -s - "$D/rep.csv" || die "-p list"
printf "init v=1, w=2\nv' = -v\nw' = -w\n@ total=1\n" >"$D/vw.ode"
"$ODESOLVE" "$D/vw.ode" -i v=-60,w=0.1 --save-final >"$D/o" || die "-i list"
awk -F, 'NR == 2 { e = exp(-1); d1 = $2 + 60 * e; d2 = $3 - 0.1 * e
                   if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2
                   exit !(d1 < 1e-4 && d2 < 1e-7) }' "$D/o" || die "-i list values: $(cat "$D/o")"
err_is "odesolve: -p: expected NAME=VALUE[,NAME=VALUE...], got 'k=2,'" "$ODESOLVE" $M/decay.ode -p k=2,

# -p naming what is not a parameter says what it is.
cat >"$D/pend.ode" <<'ODE'
number g=9.8
par l=1
!w = sqrt(g/l)
init theta=0.1
theta' = om
om' = -w^2*sin(theta)
aux e = om^2
ODE
err_is "odesolve: -p theta=1: 'theta' is a state variable of $D/pend.ode: set its initial value with -i theta=1" \
    "$ODESOLVE" "$D/pend.ode" -p theta=1
err_is "odesolve: -p G=2: 'G' is a constant of $D/pend.ode (number g=9.8): it is set in the file; declare it with par instead to set it from the command line" \
    "$ODESOLVE" "$D/pend.ode" -p G=2
err_is "odesolve: -p w=2: 'w' is a derived parameter of $D/pend.ode (!w = ...): it is computed in the file from the parameters; set those" \
    "$ODESOLVE" "$D/pend.ode" -p w=2
err_is "odesolve: -p e=2: 'e' is an aux output of $D/pend.ode: it is computed in the file, not set" \
    "$ODESOLVE" "$D/pend.ode" -p e=2
err_is "odesolve: -i l=2: 'l' is a parameter of $D/pend.ode, not a state: use -p l=2" \
    "$ODESOLVE" "$D/pend.ode" -i l=2
err_is "odesolve: -p nosuch=2: 'nosuch' is not a parameter of $D/pend.ode; parameters are: l" \
    "$ODESOLVE" "$D/pend.ode" -p nosuch=2

# A misspelt option gets a suggestion.
err_is "odesolve: unknown option '--sav-final' (did you mean '--save-final'?)" \
    "$ODESOLVE" $M/decay.ode --sav-final
err_is "odesolve: unknown option '--no-headr' (did you mean '--no-header'?)" \
    "$ODESOLVE" $M/decay.ode --no-headr

# Other tools' solver names run our same method, in any case.
for pair in ode45:dopri5 RK45:dopri5 ode23:bosh3 rk23:bosh3 DOP853:dop853 Tsit5:tsit5 \
            VERN7:vern7 Vern9:vern9 ode15s:bdf ode23s:ros23 Radau:radau5; do
    "$ODESOLVE" $M/decay.ode --solver "${pair#*:}" >"$D/a.csv" || die "${pair#*:} failed"
    "$ODESOLVE" $M/decay.ode --solver "${pair%:*}" | cmp -s - "$D/a.csv" || die "alias $pair"
done
err_is "odesolve: --solver: unknown solver 'ode113'; the closest of its kind is 'vern7' (adaptive explicit, order 7); see --list-solvers" \
    "$ODESOLVE" $M/decay.ode --solver ode113
err_is "odesolve: --solver: unknown solver 'radau3'; the closest of its kind is 'radau5' (adaptive implicit RK, order 5); see --list-solvers" \
    "$ODESOLVE" $M/decay.ode --solver radau3

# A tolerance double precision cannot deliver is raised, with a warning.
"$ODESOLVE" $M/decay.ode --rtol 1e-20 >"$D/r20.csv" 2>"$D/e" || die "--rtol 1e-20 failed"
[ "$(cat "$D/e")" = "odesolve: warning: --rtol 1e-20 is below what double precision can deliver; using 2.22e-14 (100 times the machine epsilon)" ] ||
    die "rtol warning: $(cat "$D/e")"
"$ODESOLVE" $M/decay.ode --rtol 2.220446049250313e-14 2>"$D/e" | cmp -s - "$D/r20.csv" || die "rtol not raised to 100 eps"
[ -s "$D/e" ] && die "100 eps warned: $(cat "$D/e")"
sed 's/@ total=2/@ total=2, tol=1e-17/' $M/decay.ode >"$D/tol.ode"
"$ODESOLVE" "$D/tol.ode" 2>"$D/e" | cmp -s - "$D/r20.csv" || die "file tol not raised"
grep -q "the file's tol 1e-17 is below" "$D/e" || die "file tol warning: $(cat "$D/e")"
# A fixed-step method has no tolerance to warn about.
"$ODESOLVE" $M/decay.ode --rtol 1e-20 --solver rk4 2>"$D/e" >/dev/null
[ -s "$D/e" ] && die "rk4 warned: $(cat "$D/e")"

# Bad @ settings are errors at their place, by the file's name for them;
# names that differ in case only clash, and say so.
printf "x' = -x\n@ tol=-1, total=-5\n" >"$D/set.ode"
"$ODESOLVE" "$D/set.ode" >"$D/o" 2>"$D/e"
[ $? -eq 2 ] || die "bad settings: exit"
grep -q "set.ode:2:7: error: setting 'tol' must be positive" "$D/e" || die "tol: $(cat "$D/e")"
grep -q "set.ode:2:17: error: setting 'total' must be positive" "$D/e" || die "total: $(cat "$D/e")"
printf "par A=1\na' = -a\n" >"$D/case.ode"
"$ODESOLVE" "$D/case.ode" >"$D/o" 2>"$D/e"
[ $? -eq 2 ] || die "case clash: exit"
grep -q "case.ode:2:1: error: .*'a'.*(names are case-insensitive)" "$D/e" || die "case clash: $(cat "$D/e")"
exit 0

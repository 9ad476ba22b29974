# The progress line: drawn on a terminal after a second when the rows go
# elsewhere, wiped before any message; never with -q, never when the rows
# go to the same terminal, never for a short run.  `script` (util-linux)
# gives the run a terminal.
. tests/e2e/common.sh
# A directory of its own: run.sh shares $TMPDIR between the cases.
TMPDIR=$(mktemp -d "$TMPDIR/progress.XXXXXX")
command -v script >/dev/null || die "script (util-linux) is missing"
M2=$TMPDIR/long.ode
printf "init x=1, v=0\nx' = v\nv' = -x\n" >"$M2"
LONG="$M2 --t1 1e12 --max-steps 1e15"

# on_tty SECONDS ARGS...: odesolve ARGS with a terminal as stdin, stdout
# and stderr, stopped by SIGTERM after SECONDS; what the terminal showed
# is in $TMPDIR/tty.
on_tty() {
    secs=$1; shift
    # --foreground: timeout signals odesolve once, not its whole group
    # (a second signal would end the run at once, without the message).
    script -qec "timeout --foreground -s TERM $secs $ODESOLVE $*" /dev/null >"$TMPDIR/tty"
}
line='odesolve: *[0-9.]*%  t = [-0-9.e+]*  steps [0-9]*  dt [-0-9.e+]*'

on_tty 2.5 "$LONG -o $TMPDIR/p.csv"
grep -q "$line" "$TMPDIR/tty" || die "no progress line: $(head -c 300 "$TMPDIR/tty")"
# Redrawn in place, then wiped (spaces, carriage return) before the message.
[ "$(tr -cd '\r' <"$TMPDIR/tty" | wc -c)" -ge 3 ] || die "progress line not redrawn in place"
tr '\r' '\n' <"$TMPDIR/tty" | grep -v '^ *$' | tail -n 1 |
    grep -q "^odesolve: interrupted at t = " || die "message not on a wiped line: $(tail -c 200 "$TMPDIR/tty")"

# --save-final: the one row comes after the line is gone.
on_tty 2.5 "$LONG --save-final"
grep -q "$line" "$TMPDIR/tty" || die "no progress line with --save-final"

# -q: none.
on_tty 1.5 "$LONG -q -o $TMPDIR/p.csv"
grep -q "%  t = " "$TMPDIR/tty" && die "progress line despite -q"
grep -q "interrupted at t = " "$TMPDIR/tty" || die "-q: no message: $(cat "$TMPDIR/tty")"

# Rows on the same terminal: none.
on_tty 1.5 "$LONG --save-every 1e9"
grep -q "%  t = " "$TMPDIR/tty" && die "progress line among the rows"

# A short run: nothing at all on the terminal.
on_tty 30 "samples/lorenz.ode -o $TMPDIR/p.csv"
[ -s "$TMPDIR/tty" ] && die "a short run wrote to the terminal: $(cat "$TMPDIR/tty")"
exit 0

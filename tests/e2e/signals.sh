# SIGINT and SIGTERM during a long run: the rows computed so far are kept,
# the output ends with a whole row, a message names the t reached, and the
# exit status is 128 + the signal.
. tests/e2e/common.sh
# A directory of its own: run.sh shares $TMPDIR between the cases.
TMPDIR=$(mktemp -d "$TMPDIR/signals.XXXXXX")
M2=$TMPDIR/long.ode
# x = cos(t) forever; one row per time unit.
printf "init x=1, v=0\nx' = v\nv' = -x\n" >"$M2"

# wait_for_rows PATTERN: waits (up to 30 s) until a file matching the glob
# PATTERN has more than a few rows, so that the solver is running when the
# signal comes.
wait_for_rows() {
    i=0
    while [ $i -lt 300 ]; do
        for f in $1; do
            [ -f "$f" ] && [ "$(wc -l <"$f")" -gt 2 ] && return 0
        done
        sleep 0.1
        i=$((i + 1))
    done
    die "no rows in $1 after 30 s"
}

# check_interrupted CSV ERR STATUS WANT: the run stopped with status WANT,
# said where, and CSV is whole rows t,x,v ending with a newline, one per
# time unit up to the time named, with x = cos(t) in the first ones.
check_interrupted() {
    [ "$3" -eq "$4" ] || die "exit $3, expected $4: $(cat "$2")"
    grep -q "^odesolve: interrupted at t = [0-9]" "$2" || die "no message: $(cat "$2")"
    tstop=$(sed -n 's/^odesolve: interrupted at t = \([0-9.e+-]*\).*/\1/p' "$2")
    [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || die "$1 does not end with a newline"
    head -n 1 "$1" | grep -q '^t,x,v$' || die "$1: bad header"
    awk -F, -v tstop="$tstop" '
        NR == 1 { next }
        NF != 3 || $1 != NR - 2 { print "bad row " NR ": " $0; exit 1 }
        $3 !~ /^-?[0-9]/ { print "bad row " NR ": " $0; exit 1 }
        NR < 100 { d = $2 - cos($1); if (d < 0) d = -d; if (d > 1e-4) { print "row " NR ": " $0; exit 1 } }
        END { if (NR < 3 || $1 > tstop + 0) { print "last t " $1 " vs " tstop; exit 1 } }
    ' "$1" || die "$1: rows are not complete"
}

for sig in INT TERM; do
    want=130
    [ $sig = TERM ] && want=143
    # To a file with -o: the file appears under its name only at the end.
    out=$TMPDIR/run-$sig.csv
    "$ODESOLVE" "$M2" --t1 1e9 --save-every 1 -o "$out" 2>"$TMPDIR/err" &
    pid=$!
    wait_for_rows "$TMPDIR/run-$sig.csv.tmp.*"
    kill -$sig $pid
    wait $pid
    check_interrupted "$out" "$TMPDIR/err" $? $want
    ls "$TMPDIR" | grep -q 'tmp\.' && die "temporary file left behind"

    # To standard output.  The previous signal's file goes first: the
    # shell truncates it only in the child, so on a loaded machine its old
    # rows could pass for the new run's before that run has even started.
    rm -f "$TMPDIR/stdout.csv"
    "$ODESOLVE" "$M2" --t1 1e9 --save-every 1 >"$TMPDIR/stdout.csv" 2>"$TMPDIR/err" &
    pid=$!
    wait_for_rows "$TMPDIR/stdout.csv"
    kill -$sig $pid
    wait $pid
    check_interrupted "$TMPDIR/stdout.csv" "$TMPDIR/err" $? $want
done

# HDF5 (when built in): the file is closed cleanly, /t and /y hold the same
# rows, one per time unit up to the time named.
if command -v h5ls >/dev/null &&
   "$ODESOLVE" "$M2" --t1 1 -o "$TMPDIR/probe.h5" 2>/dev/null; then
    "$ODESOLVE" "$M2" --t1 1e9 --save-every 1 -o "$TMPDIR/run.h5" 2>"$TMPDIR/err" &
    pid=$!
    i=0
    while [ $i -lt 300 ]; do
        for f in "$TMPDIR"/run.h5.tmp.*; do
            [ -f "$f" ] && [ "$(wc -c <"$f")" -gt 100000 ] && i=300
        done
        sleep 0.1
        i=$((i + 1))
    done
    kill -INT $pid
    wait $pid
    rc=$?
    [ $rc -eq 130 ] || die "HDF5: exit $rc, expected 130: $(cat "$TMPDIR/err")"
    tstop=$(sed -n 's/^odesolve: interrupted at t = \([0-9.e+-]*\).*/\1/p' "$TMPDIR/err")
    h5ls -r "$TMPDIR/run.h5" >"$TMPDIR/ls" 2>&1 || die "HDF5 file unreadable: $(cat "$TMPDIR/ls")"
    nt=$(sed -n 's|^/t  *Dataset {\([0-9]*\)/.*|\1|p' "$TMPDIR/ls")
    ny=$(sed -n 's|^/y  *Dataset {\([0-9]*\)/.*, 2}$|\1|p' "$TMPDIR/ls")
    [ -n "$nt" ] && [ "$nt" = "$ny" ] && [ "$nt" -gt 2 ] || die "HDF5 datasets: $(cat "$TMPDIR/ls")"
    awk -v n="$nt" -v t="$tstop" 'BEGIN { exit !(n - 1 <= t + 0) }' ||
        die "HDF5: $nt rows, but stopped at t = $tstop"
fi

# The interpreter stops the same way.
"$ODESOLVE" --no-jit "$M2" --t1 1e9 --save-every 1 -o "$TMPDIR/int.csv" 2>"$TMPDIR/err" &
pid=$!
wait_for_rows "$TMPDIR/int.csv.tmp.*"
kill -INT $pid
wait $pid
check_interrupted "$TMPDIR/int.csv" "$TMPDIR/err" $? 130
# A hang-up stops the run like SIGTERM, keeping the rows.
"$ODESOLVE" "$M2" --t1 1e9 --save-every 1 -o "$TMPDIR/hup.csv" 2>"$TMPDIR/err" &
pid=$!
wait_for_rows "$TMPDIR/hup.csv.tmp.*"
kill -HUP $pid
wait $pid
check_interrupted "$TMPDIR/hup.csv" "$TMPDIR/err" $? 129
exit 0

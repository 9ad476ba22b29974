# --ensemble FILE and --sweep: every member's rows are those of the same
# member run on its own, the bytes do not depend on -j, a failing member
# leaves the others written, bad members files and sweeps are refused
# with a message naming the place and nothing written, the HDF5 layout
# reads back, and SIGINT keeps the finished members.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/ensemble.XXXXXX")
D=$M/decay.ode

# --- members equal the same runs one by one -------------------------------
"$ODESOLVE" $D --sweep k=0.5:2:4 --sweep x=1,3 --save-every 0.5 >"$TMPDIR/grid.csv" ||
    die "the grid failed"
head -n 1 "$TMPDIR/grid.csv" | grep -qx 'member,k,x(0),status,t,x,exact' ||
    die "header: $(head -n 1 "$TMPDIR/grid.csv")"
# 4 x 2 members, 5 rows each, k the outer loop.
[ "$(tail -n +2 "$TMPDIR/grid.csv" | cut -d, -f1 | uniq | paste -sd' ' -)" = "0 1 2 3 4 5 6 7" ] ||
    die "members out of order"
[ "$(tail -n +2 "$TMPDIR/grid.csv" | wc -l)" -eq 40 ] || die "not 40 rows"
[ "$(awk -F, 'NR > 1 && $1 == 5 { print $2 " " $3; exit }' "$TMPDIR/grid.csv")" = "1.5 3" ] ||
    die "member 5 is not k=1.5, x=3"
for k in 0 1 2 3 4 5 6 7; do
    set -- $(awk -F, -v k=$k 'NR > 1 && $1 == k { print $2, $3; exit }' "$TMPDIR/grid.csv")
    "$ODESOLVE" $D -p k=$1 -i x=$2 --save-every 0.5 | tail -n +2 >"$TMPDIR/one.csv" ||
        die "member $k alone failed"
    awk -F, -v k=$k 'NR > 1 && $1 == k { $1 = $2 = $3 = $4 = ""; print substr($0, 5) }' OFS=, \
        "$TMPDIR/grid.csv" >"$TMPDIR/mine.csv"
    cmp -s "$TMPDIR/one.csv" "$TMPDIR/mine.csv" || {
        diff "$TMPDIR/one.csv" "$TMPDIR/mine.csv" | head; die "member $k differs from its own run"; }
done
# The rows are also right: x = x0 exp(-k t) to the tolerance.
awk -F, 'NR > 1 { want = $3 * exp(-$2 * $5); d = $6 - want; if (d < 0) d = -d
                  if (d > 1e-5 * $3) { print "row " NR ": " $0; exit 1 } }' "$TMPDIR/grid.csv" ||
    die "a member is not x0 exp(-k t)"

# --save-final: one row per member, the run's last row.
"$ODESOLVE" $D --sweep k=0.5,1,2 --save-final >"$TMPDIR/final.csv" || die "--save-final failed"
[ "$(wc -l <"$TMPDIR/final.csv")" -eq 4 ] || die "--save-final: not one row per member"
for k in 0.5 1 2; do
    "$ODESOLVE" $D -p k=$k | tail -n 1 >"$TMPDIR/last"
    grep -q ",k*$k,ok,$(cat "$TMPDIR/last")\$" "$TMPDIR/final.csv" ||
        die "--save-final k=$k: $(cat "$TMPDIR/last") not in $(cat "$TMPDIR/final.csv")"
done

# --- the bytes do not depend on -j, nor on the backend ----------------------
L=bench/lorenz.ode
for j in 1 2 7; do
    "$ODESOLVE" $L --sweep r=20:40:60 --t1 3 --save-every 0.25 -j $j >"$TMPDIR/j$j.csv" ||
        die "-j $j failed"
done
cmp -s "$TMPDIR/j1.csv" "$TMPDIR/j2.csv" || die "-j 2 differs from -j 1"
cmp -s "$TMPDIR/j1.csv" "$TMPDIR/j7.csv" || die "-j 7 differs from -j 1"
"$ODESOLVE" --no-jit $L --sweep r=20:40:60 --t1 3 --save-every 0.25 -j 3 >"$TMPDIR/int.csv" ||
    die "--no-jit -j 3 failed"
cmp -s "$TMPDIR/j1.csv" "$TMPDIR/int.csv" || die "the interpreter's batch differs"
"$ODESOLVE" $L --sweep r=20:40:60 --t1 3 --save-final -j 2 -o "$TMPDIR/f2.tsv" || die "TSV"
"$ODESOLVE" $L --sweep r=20:40:60 --t1 3 --save-final -j 1 -o "$TMPDIR/f1.tsv" || die "TSV"
cmp -s "$TMPDIR/f1.tsv" "$TMPDIR/f2.tsv" || die "TSV -j 2 differs"
head -n 1 "$TMPDIR/f1.tsv" | grep -q "^member	r	status	t	x	y	z\$" || die "TSV header"

# Derived parameters are recomputed for each member, events fire in each,
# and --jit cc gives the same bytes.
printf 'par a=1, b=2\n!k = a*b\ninit x=1\ndx/dt = -k*x\naux kk = k\ndone\n' >"$TMPDIR/der.ode"
"$ODESOLVE" "$TMPDIR/der.ode" --sweep a=1,3 --save-final -j 2 >"$TMPDIR/der.csv" || die "derived"
for a in 1 3; do
    "$ODESOLVE" "$TMPDIR/der.ode" -p a=$a --save-final | tail -n 1 >"$TMPDIR/last"
    grep -q "^[01],$a,ok,$(cat "$TMPDIR/last")\$" "$TMPDIR/der.csv" ||
        die "derived a=$a: $(cat "$TMPDIR/last") not in $(cat "$TMPDIR/der.csv")"
done
"$ODESOLVE" $M/ball.ode --sweep e=0.5,0.8 --save-every 0.1 -j 2 >"$TMPDIR/ball.csv" || die "events"
for e in 0.5 0.8; do
    "$ODESOLVE" $M/ball.ode -p e=$e --save-every 0.1 | tail -n +2 >"$TMPDIR/one.csv"
    awk -F, -v e=$e 'NR > 1 && $2 == e { $1 = $2 = $3 = ""; print substr($0, 4) }' OFS=, \
        "$TMPDIR/ball.csv" >"$TMPDIR/mine.csv"
    cmp -s "$TMPDIR/one.csv" "$TMPDIR/mine.csv" || die "events: member e=$e differs"
done
if command -v "${ODESOLVE_CC:-cc}" >/dev/null 2>&1; then
    "$ODESOLVE" --jit cc $L --sweep r=20:40:60 --t1 3 --save-every 0.25 -j 2 >"$TMPDIR/cc.csv" ||
        die "--jit cc batch failed"
    cmp -s "$TMPDIR/j1.csv" "$TMPDIR/cc.csv" || die "--jit cc's batch differs"
fi

# --- members files -----------------------------------------------------------
printf 'k,x\n0.5,1\n0.5,3\n1,1\n1,3\n' >"$TMPDIR/m.csv"
"$ODESOLVE" $D --ensemble "$TMPDIR/m.csv" --save-every 0.5 >"$TMPDIR/file.csv" || die "--ensemble"
"$ODESOLVE" $D --sweep k=0.5,1 --sweep x=1,3 --save-every 0.5 >"$TMPDIR/same.csv" || die "sweep"
cmp -s "$TMPDIR/file.csv" "$TMPDIR/same.csv" || die "the file and the sweeps differ"
# A BOM, CRLF, comments, blanks, spaces, NAME(0) and tabs read the same.
printf '\357\273\277# members\r\nk, x(0)\r\n\r\n0.5, 1\r\n0.5,3\r\n1 ,1\r\n1,3' >"$TMPDIR/crlf.csv"
"$ODESOLVE" $D --ensemble "$TMPDIR/crlf.csv" --save-every 0.5 >"$TMPDIR/crlf.out" ||
    die "BOM/CRLF file refused"
cmp -s "$TMPDIR/file.csv" "$TMPDIR/crlf.out" || die "BOM/CRLF file read differently"
printf 'k\tx\n0.5\t1\n0.5\t3\n1\t1\n1\t3\n' >"$TMPDIR/tab.csv"
"$ODESOLVE" $D --ensemble "$TMPDIR/tab.csv" --save-every 0.5 >"$TMPDIR/tab.out" || die "tabs"
cmp -s "$TMPDIR/file.csv" "$TMPDIR/tab.out" || die "tab-separated file read differently"
# A file and a sweep make a grid.
printf 'k\n0.5\n1\n' >"$TMPDIR/k.csv"
"$ODESOLVE" $D --ensemble "$TMPDIR/k.csv" --sweep x=1,3 --save-every 0.5 >"$TMPDIR/mix.csv" ||
    die "file and sweep"
cmp -s "$TMPDIR/file.csv" "$TMPDIR/mix.csv" || die "file x sweep differs"

# bad CASE WANT ARGS...: exit 2, nothing on stdout, no file under -o nor
# a temporary one, and a message matching WANT.
bad() {
    name=$1; want=$2; shift 2
    rm -f "$TMPDIR"/out.csv*
    "$ODESOLVE" $D "$@" -o "$TMPDIR/out.csv" >"$TMPDIR/stdout" 2>"$TMPDIR/err"
    rc=$?
    [ $rc -eq 2 ] || die "$name: exit $rc, expected 2: $(cat "$TMPDIR/err")"
    [ -s "$TMPDIR/stdout" ] && die "$name: wrote to stdout"
    ls "$TMPDIR" | grep -q '^out\.csv' && die "$name: left an output file"
    grep -q -- "$want" "$TMPDIR/err" || die "$name: message '$(cat "$TMPDIR/err")' lacks '$want'"
    "$ODESOLVE" $D "$@" >"$TMPDIR/stdout" 2>/dev/null
    [ -s "$TMPDIR/stdout" ] && die "$name: wrote to stdout without -o"
    return 0
}
f=$TMPDIR/bad.csv
printf 'k,kk\n1,2\n' >"$f"
bad unknown "bad.csv:1: unknown column 'kk': not a parameter or state of .*decay.ode; parameters are: k, x0; states are: x" --ensemble "$f"
printf 'k,x\n1,2\n3,abc\n' >"$f"
bad not-a-number "bad.csv:3: row 2, column 'x': 'abc' is not a number" --ensemble "$f"
printf 'k,x\n1,2\n3\n' >"$f"
bad ragged "bad.csv:3: row 2 has 1 value; the header has 2 columns" --ensemble "$f"
printf 'k,x\n1,2,3\n' >"$f"
bad ragged-long "bad.csv:2: row 1 has 3 values; the header has 2 columns" --ensemble "$f"
printf 'k,x\n1,\n' >"$f"
bad empty-cell "bad.csv:2: row 1, column 'x': the cell is empty" --ensemble "$f"
: >"$f"
bad empty "bad.csv: the file is empty" --ensemble "$f"
printf '\357\273\277\r\n# nothing\r\n' >"$f"
bad empty-bom "bad.csv: the file is empty" --ensemble "$f"
printf 'k,x\n' >"$f"
bad header-only "bad.csv:1: the header is not followed by any row" --ensemble "$f"
printf 'k,x\n1,nan\n' >"$f"
bad nan "bad.csv:2: row 1, column 'x': 'nan' is not a finite number" --ensemble "$f"
printf 'k,x\n1,1e999\n' >"$f"
bad overflow "'1e999' is not a finite number" --ensemble "$f"
printf 'k,x,k\n1,2,3\n' >"$f"
bad twice "bad.csv:1: column 'k' appears twice (columns 1 and 3)" --ensemble "$f"
printf 'k,X\n1,2\n' >"$f"
printf 'k,x(0),x\n1,2,3\n' >"$f"
bad same-target "columns 'x(0)' and 'x' set the same initial value" --ensemble "$f"
printf 'k,,x\n1,2,3\n' >"$f"
bad no-name "bad.csv:1: column 2 of the header has no name" --ensemble "$f"
printf '\377\376k\0,\0x\0\n\0' >"$f"
bad utf16 "bad.csv: the file is UTF-16" --ensemble "$f"
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "c%d,", i; print "k"; print "1" }' >"$f"
bad million-columns "bad.csv:1: the header has 1000001 columns, more than the 3 parameters" --ensemble "$f"
bad no-file "nosuch.csv: No such file" --ensemble "$TMPDIR/nosuch.csv"
bad sweep-name "--sweep kk=1,2: 'kk' is not a parameter or state of" --sweep kk=1,2
bad sweep-twice "--sweep k=1,2: 'k' is already set by --sweep k=0:1:3" --sweep k=0:1:3 --sweep k=1,2
printf 'k\n1\n' >"$f"
bad sweep-file "'k' is already set by column 'k' of" --ensemble "$f" --sweep k=1,2
bad sweep-count "--sweep k=0:1:2.5: the count '2.5' is not a whole number" --sweep k=0:1:2.5
bad sweep-range "--sweep k=0:1: a range is START:STOP:COUNT" --sweep k=0:1
bad sweep-value "--sweep k=1,x: 'x' is not a finite number" --sweep k=1,x
bad sweep-form "--sweep: expected NAME=START:STOP:COUNT" --sweep k
bad jobs "-j: expected a number of threads" --sweep k=1 -j 0

# --- a failing member does not stop the others -------------------------------
B=$M/blowup.ode
"$ODESOLVE" $B --sweep x=-1,0.1,1,0.2 --save-final --dtmin 1e-9 -j 2 >"$TMPDIR/fail.csv" 2>"$TMPDIR/err"
rc=$?
[ $rc -eq 1 ] || die "a failing member: exit $rc, expected 1"
[ "$(cut -d, -f3 "$TMPDIR/fail.csv" | paste -sd' ' -)" = "status ok ok dtmin ok" ] ||
    die "statuses: $(cat "$TMPDIR/fail.csv")"
# x' = x^2 from 0.2 to t = 2 is 0.2/(1 - 0.2 t) = 1/3.
awk -F, '$1 == 3 { d = $5 - 1/3; if (d < 0) d = -d; exit !(d < 1e-6) }' "$TMPDIR/fail.csv" ||
    die "member 3 is wrong: $(cat "$TMPDIR/fail.csv")"
# The failed member's row: the t reached (near the blow-up at 1), no value.
awk -F, '$1 == 2 { exit !($4 > 0.99 && $4 < 1.01 && $5 == "") }' "$TMPDIR/fail.csv" ||
    die "the failed member's row: $(grep '^2,' "$TMPDIR/fail.csv")"
grep -q "^odesolve: member 2 (x(0)=1) failed at t = 1.0000.* in 'x': step size .* fell below dtmin" \
    "$TMPDIR/err" || die "no summary of member 2: $(cat "$TMPDIR/err")"
grep -q "^odesolve: 1 of 4 members failed" "$TMPDIR/err" || die "no count: $(cat "$TMPDIR/err")"
"$ODESOLVE" $B --sweep x=1,0.1 --max-steps 20 --save-final >"$TMPDIR/steps.csv" 2>"$TMPDIR/err"
[ $? -eq 1 ] || die "--max-steps member: not exit 1"
grep -q '^0,1,max-steps,' "$TMPDIR/steps.csv" || die "no max-steps status: $(cat "$TMPDIR/steps.csv")"
grep -q '^1,0.1,ok,2,' "$TMPDIR/steps.csv" || die "member 1 lost: $(cat "$TMPDIR/steps.csv")"

# --- HDF5: members x times x states ------------------------------------------
"$ODESOLVE" $D -o "$TMPDIR/probe.h5" 2>/dev/null && h5=1 || h5=0
if [ $h5 -eq 1 ] && command -v h5dump >/dev/null; then
    "$ODESOLVE" $D --sweep k=0.5:2:4 --sweep x=1,3 --save-every 0.5 -j 2 -o "$TMPDIR/e.h5" ||
        die "HDF5 batch failed"
    dims() { h5dump -H -d "$2" "$1" | sed -n 's/^ *DATASPACE  SIMPLE { \(.*\) }$/\1/p' | head -n 1; }
    vals() { h5dump -A 0 -d "$2" -m %.17g -y -w 0 "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' |
             tr -s ', \n' '\n' | sed '/^$/d'; }
    [ "$(dims "$TMPDIR/e.h5" /y)" = "( 8, 5, 1 ) / ( 8, H5S_UNLIMITED, 1 )" ] ||
        die "/y is $(dims "$TMPDIR/e.h5" /y)"
    [ "$(dims "$TMPDIR/e.h5" /t)" = "( 8, 5 ) / ( 8, H5S_UNLIMITED )" ] || die "/t dims"
    [ "$(dims "$TMPDIR/e.h5" /aux)" = "( 8, 5, 1 ) / ( 8, H5S_UNLIMITED, 1 )" ] || die "/aux dims"
    [ "$(dims "$TMPDIR/e.h5" /params)" = "( 8, 2 ) / ( 8, 2 )" ] || die "/params dims"
    [ "$(vals "$TMPDIR/e.h5" /params | paste -sd' ' -)" = "0.5 1 0.5 3 1 1 1 3 1.5 1 1.5 3 2 1 2 3" ] ||
        die "/params: $(vals "$TMPDIR/e.h5" /params | paste -sd' ' -)"
    [ "$(vals "$TMPDIR/e.h5" /rows | sort -u)" = 5 ] || die "/rows"
    vals "$TMPDIR/e.h5" /status | grep -vx '"ok"' && die "/status not all ok"
    # The same doubles as the CSV of the same batch, member by member.
    vals "$TMPDIR/e.h5" /y >"$TMPDIR/y.txt"
    vals "$TMPDIR/e.h5" /t >"$TMPDIR/t.txt"
    tail -n +2 "$TMPDIR/grid.csv" | cut -d, -f6 >"$TMPDIR/ycsv.txt"
    tail -n +2 "$TMPDIR/grid.csv" | cut -d, -f5 >"$TMPDIR/tcsv.txt"
    awk 'NR == FNR { a[FNR] = $1; n = FNR; next } { if ($1 + 0 != a[FNR] + 0) exit 1 } END { exit FNR != n }' \
        "$TMPDIR/ycsv.txt" "$TMPDIR/y.txt" || die "/y differs from the CSV"
    awk 'NR == FNR { a[FNR] = $1; n = FNR; next } { if ($1 + 0 != a[FNR] + 0) exit 1 } END { exit FNR != n }' \
        "$TMPDIR/tcsv.txt" "$TMPDIR/t.txt" || die "/t differs from the CSV"
    # A failed member: its status and t_end, its missing rows NaN.
    "$ODESOLVE" $B --sweep x=-1,1 --save-every 0.5 --dtmin 1e-9 -o "$TMPDIR/f.h5" 2>/dev/null
    [ $? -eq 1 ] || die "HDF5 with a failing member: not exit 1"
    [ "$(vals "$TMPDIR/f.h5" /status | paste -sd' ' -)" = '"ok" "dtmin"' ] ||
        die "/status: $(vals "$TMPDIR/f.h5" /status)"
    [ "$(vals "$TMPDIR/f.h5" /rows | paste -sd' ' -)" = "5 3" ] || die "/rows of the failed"
    vals "$TMPDIR/f.h5" /t | tail -n 2 | grep -qix nan || die "missing rows are not NaN"
fi

# --- SIGINT keeps the finished members ---------------------------------------
# Members of about 0.1 s each: x = cos(t) for 10^5 time units.
printf "init x=1, v=0\nx' = v\nv' = -x\n" >"$TMPDIR/long.ode"
"$ODESOLVE" "$TMPDIR/long.ode" --sweep v=0:1:400 --t1 1e5 --save-final -j 2 \
    -o "$TMPDIR/int.csv" 2>"$TMPDIR/err" &
pid=$!
i=0
while [ $i -lt 600 ]; do
    for tmp in "$TMPDIR"/int.csv.tmp.*; do
        [ -f "$tmp" ] && break 2
    done
    sleep 0.1
    i=$((i + 1))
done
# The rows reach the temporary file in blocks of 256 KiB: give the first
# members time to finish (how many do is not the point).
sleep 2
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || die "SIGINT: exit $rc, expected 130: $(cat "$TMPDIR/err")"
n=$(sed -n 's/^odesolve: interrupted: \([0-9]*\) of 400 members finished.*/\1/p' "$TMPDIR/err")
[ -n "$n" ] || die "no message: $(cat "$TMPDIR/err")"
[ "$(tail -n +2 "$TMPDIR/int.csv" | wc -l)" -eq "$n" ] ||
    die "$n members finished, $(($(wc -l <"$TMPDIR/int.csv") - 1)) written"
awk -F, 'NR > 1 && ($3 != "ok" || NF != 6) { exit 1 }' "$TMPDIR/int.csv" || die "a row is not whole"
exit 0

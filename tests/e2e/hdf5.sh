# -o FILE.h5 writes HDF5: /t, /y (and /aux) with the very numbers of the
# CSV output of the same run, column names as attributes, and a failed solve
# still leaves a whole, readable file with the rows computed.  Read back with
# h5dump.  Skipped only when the binary was built without HDF5.
. tests/e2e/common.sh

"$ODESOLVE" $M/osc.ode -o "$TMPDIR/x.h5" 2>"$TMPDIR/e"
rc=$?
if [ $rc -eq 2 ] && grep -q "needs a build with HDF5" "$TMPDIR/e"; then
    echo "skipped: odesolve was built without HDF5"
    exit 0
fi
[ $rc -eq 0 ] || die "-o x.h5: exit $rc: $(cat "$TMPDIR/e")"
command -v h5dump >/dev/null || die "h5dump not found (install hdf5-tools)"

# h5num FILE DATASET OUT: the values of DATASET, one per line, row by row,
# with 17 significant digits (enough to read back the same double).
h5num() {
    h5dump -d "$2" -m %.17g -y -w 0 -o "$3.raw" "$1" >/dev/null ||
        die "h5dump -d $2 $1 failed"
    { cat "$3.raw"; echo; } | tr -s ', \n' '\n' | sed '/^$/d' >"$3"
}

# has_dataset FILE NAME
has_dataset() {
    h5dump -H "$1" | grep -q "^   DATASET \"$2\""
}

# dims FILE DATASET: its extent and maximum, e.g. "( 1001, 2 ) / ( H5S_UNLIMITED, 2 )"
dims() {
    h5dump -H -d "$2" "$1" | sed -n 's/^ *DATASPACE  SIMPLE { \(.*\) }$/\1/p' | head -n 1
}

# names FILE DATASET: the attribute "names", one per line
names() {
    h5dump -a "$2/names" -y -w 0 "$1" |
        sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr ',' '\n' |
        sed 's/^ *"//; s/" *$//' | sed '/^ *$/d'
}

# attr FILE NAME: the value of the root attribute NAME (strings unquoted)
attr() {
    h5dump -a "/$2" -y -m %.17g "$1" | sed -n '/DATA {/{n;p;}' |
        sed 's/^ *"\{0,1\}//; s/"\{0,1\} *$//'
}

# same_as_csv CSV H5: H5 holds the rows of CSV: t, then the states (/y),
# then the aux outputs (/aux, when there are any), every number the same
# double.
same_as_csv() {
    rows=$(($(wc -l <"$1") - 1))
    ncol=$(head -n 1 "$1" | awk -F, '{ print NF - 1 }')
    [ "$(dims "$2" /t)" = "( $rows ) / ( H5S_UNLIMITED )" ] ||
        die "$2: /t is $(dims "$2" /t), expected $rows rows"
    ny=$ncol
    na=0
    if has_dataset "$2" aux; then
        na=$(names "$2" /aux | wc -l)
        ny=$((ncol - na))
        [ "$(dims "$2" /aux)" = "( $rows, $na ) / ( H5S_UNLIMITED, $na )" ] ||
            die "$2: /aux is $(dims "$2" /aux)"
    fi
    [ "$(dims "$2" /y)" = "( $rows, $ny ) / ( H5S_UNLIMITED, $ny )" ] ||
        die "$2: /y is $(dims "$2" /y), expected $rows x $ny"
    [ "$(names "$2" /t)" = t ] || die "$2: /t names: $(names "$2" /t)"
    {
        names "$2" /y
        [ $na -eq 0 ] || names "$2" /aux
    } | paste -sd, - >"$TMPDIR/h5names"
    [ "t,$(cat "$TMPDIR/h5names")" = "$(head -n 1 "$1")" ] ||
        die "$2: names $(cat "$TMPDIR/h5names") vs CSV header $(head -n 1 "$1")"
    h5num "$2" /t "$TMPDIR/t.txt"
    h5num "$2" /y "$TMPDIR/y.txt"
    : >"$TMPDIR/aux.txt"
    [ $na -eq 0 ] || h5num "$2" /aux "$TMPDIR/aux.txt"
    awk -F, -v ny=$ny -v na=$na -v tf="$TMPDIR/t.txt" -v yf="$TMPDIR/y.txt" \
        -v af="$TMPDIR/aux.txt" '
        function bad(msg) { print msg; failed = 1; exit 1 }
        NR == 1 { next }
        {
            if ((getline t <tf) <= 0) bad("/t too short")
            if ($1 + 0 != t + 0) bad("row " NR - 1 ": t " $1 " vs " t)
            for (j = 1; j <= ny + na; j++) {
                f = j <= ny ? yf : af
                if ((getline v <f) <= 0) bad("data too short")
                if ($(j + 1) + 0 != v + 0)
                    bad("row " NR - 1 " column " j ": " $(j + 1) " vs " v)
            }
        }
        END {
            if (failed) exit 1
            if ((getline t <tf) > 0 || (getline v <yf) > 0 || (getline v <af) > 0)
                bad("more data than CSV rows")
        }' "$1" || die "$2 differs from $1"
}

# The oscillator: no aux outputs, so no /aux.
"$ODESOLVE" $M/osc.ode >"$TMPDIR/x.csv" || die "CSV run failed"
same_as_csv "$TMPDIR/x.csv" "$TMPDIR/x.h5"
has_dataset "$TMPDIR/x.h5" aux && die "/aux written for a model without aux"
[ "$(names "$TMPDIR/x.h5" /y | paste -sd, -)" = "x,v" ] || die "/y names"

# A model with an aux output, 20001 rows: over two chunks of 16384 rows.
"$ODESOLVE" $M/decay.ode --t1 20 --save-every 1e-3 >"$TMPDIR/d.csv" ||
    die "CSV run failed"
"$ODESOLVE" $M/decay.ode --t1 20 --save-every 1e-3 -o "$TMPDIR/d.hdf5" ||
    die "HDF5 run failed"
[ "$(wc -l <"$TMPDIR/d.csv")" -gt 16385 ] || die "decay: expected more than a chunk of rows"
same_as_csv "$TMPDIR/d.csv" "$TMPDIR/d.hdf5"

# A failed solve: exit 1, and a whole file with the rows computed so far.
expect_status 1 "$ODESOLVE" $M/blowup.ode >"$TMPDIR/f.csv" 2>/dev/null
expect_status 1 "$ODESOLVE" $M/blowup.ode -o "$TMPDIR/f.h5" 2>"$TMPDIR/e"
grep -q "solve failed" "$TMPDIR/e" || die "failed solve: $(cat "$TMPDIR/e")"
[ "$(wc -l <"$TMPDIR/f.csv")" -gt 100 ] || die "failed solve lost its rows"
same_as_csv "$TMPDIR/f.csv" "$TMPDIR/f.h5"

# The run's settings and statistics (out.h lists the names), checked once
# main writes them: then /status is there.
if h5dump -A -H "$TMPDIR/f.h5" | grep -q '^   ATTRIBUTE "status"'; then
    [ "$(attr "$TMPDIR/f.h5" status)" = failed ] || die "status: $(attr "$TMPDIR/f.h5" status)"
    [ "$(attr "$TMPDIR/x.h5" status)" = done ] || die "status: $(attr "$TMPDIR/x.h5" status)"
    [ "$(attr "$TMPDIR/x.h5" solver)" = dopri5 ] || die "solver: $(attr "$TMPDIR/x.h5" solver)"
    [ "$(attr "$TMPDIR/x.h5" model)" = $M/osc.ode ] || die "model: $(attr "$TMPDIR/x.h5" model)"
    [ "$(attr "$TMPDIR/x.h5" t1)" = 10 ] || die "t1: $(attr "$TMPDIR/x.h5" t1)"
    [ "$(attr "$TMPDIR/x.h5" steps)" -gt 10 ] || die "steps: $(attr "$TMPDIR/x.h5" steps)"
    for a in odesolve_version controller backend rtol atol t0 rejected nfev; do
        h5dump -A -H "$TMPDIR/x.h5" | grep -q "^   ATTRIBUTE \"$a\"" || die "no attribute $a"
    done
fi

# Interrupted (SIGINT): exit 130, and a whole file with the rows up to
# the signal, t = 0, 1, 2, ...
printf "init x=1, v=0\nx' = v\nv' = -x\n" >"$TMPDIR/long.ode"
"$ODESOLVE" "$TMPDIR/long.ode" --t1 1e9 --save-every 1 -o "$TMPDIR/int.h5" 2>"$TMPDIR/e" &
pid=$!
i=0
while [ $i -lt 300 ] && ! ls "$TMPDIR" | grep -q '^int\.h5\.tmp\.'; do
    sleep 0.1
    i=$((i + 1))
done
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || die "interrupted run: exit $rc: $(cat "$TMPDIR/e")"
h5num "$TMPDIR/int.h5" /t "$TMPDIR/it.txt"
n=$(wc -l <"$TMPDIR/it.txt")
[ "$n" -gt 2 ] || die "interrupted run kept no rows"
[ "$(dims "$TMPDIR/int.h5" /y)" = "( $n, 2 ) / ( H5S_UNLIMITED, 2 )" ] ||
    die "interrupted run: /y is $(dims "$TMPDIR/int.h5" /y) for $n times"
awk '$1 + 0 != NR - 1 { print "t[" NR - 1 "] = " $1; exit 1 }' "$TMPDIR/it.txt" ||
    die "interrupted run: bad times"

# An existing file is replaced; nothing temporary is left behind.
"$ODESOLVE" $M/decay.ode -o "$TMPDIR/x.h5" || die "rewrite failed"
has_dataset "$TMPDIR/x.h5" t || die "rewritten file unreadable"
ls "$TMPDIR" | grep -q 'tmp\.' && die "temporary file left behind"

# The run's model and values as root attributes: the file's name and
# SHA-256 (as sha256sum says), the parameters after -p, the initial values
# after -i, names and values in the model's order.
"$ODESOLVE" $M/decay.ode -p k=2 -i x=3 -o "$TMPDIR/sw.h5" || die "sweep run failed"
[ "$(attr "$TMPDIR/sw.h5" model_file)" = "$M/decay.ode" ] || die "model_file: $(attr "$TMPDIR/sw.h5" model_file)"
[ "$(attr "$TMPDIR/sw.h5" model_sha256)" = "$(sha256sum <$M/decay.ode | cut -d' ' -f1)" ] ||
    die "model_sha256: $(attr "$TMPDIR/sw.h5" model_sha256)"
# arr FILE NAME: an array attribute's values, comma-separated
arr() {
    h5dump -a "/$2" -y -w 0 -m %.17g "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' |
        tr -d ' "\n'
}
[ "$(arr "$TMPDIR/sw.h5" parameter_names)" = "k,x0" ] || die "parameter_names: $(arr "$TMPDIR/sw.h5" parameter_names)"
[ "$(arr "$TMPDIR/sw.h5" parameter_values)" = "2,1" ] || die "parameter_values: $(arr "$TMPDIR/sw.h5" parameter_values)"
[ "$(arr "$TMPDIR/sw.h5" state_names)" = "x" ] || die "state_names: $(arr "$TMPDIR/sw.h5" state_names)"
[ "$(arr "$TMPDIR/sw.h5" initial_values)" = "3" ] || die "initial_values: $(arr "$TMPDIR/sw.h5" initial_values)"
# From standard input: named <stdin>, the same hash.
"$ODESOLVE" - -o "$TMPDIR/in.h5" <$M/decay.ode || die "stdin run failed"
[ "$(attr "$TMPDIR/in.h5" model_file)" = "<stdin>" ] || die "stdin model_file: $(attr "$TMPDIR/in.h5" model_file)"
[ "$(attr "$TMPDIR/in.h5" model_sha256)" = "$(attr "$TMPDIR/sw.h5" model_sha256)" ] || die "stdin hash"
[ "$(arr "$TMPDIR/in.h5" parameter_values)" = "1,1" ] || die "stdin parameter_values"

# Unwritable places: exit 2, the path named, nothing written.
expect_status 2 "$ODESOLVE" $M/osc.ode -o /nonexistent/dir/x.h5 2>"$TMPDIR/e"
grep -q "/nonexistent/dir/x.h5" "$TMPDIR/e" || die "unwritable path not named"
mkfifo "$TMPDIR/fifo.h5"
expect_status 2 "$ODESOLVE" $M/osc.ode -o "$TMPDIR/fifo.h5" 2>"$TMPDIR/e"
grep -q "regular file" "$TMPDIR/e" || die "FIFO: $(cat "$TMPDIR/e")"
exit 0

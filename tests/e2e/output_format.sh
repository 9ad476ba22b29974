# The output format comes from -o's name (.csv, .tsv, .h5/.hdf5) or from
# --format; a name that says none (.xlsx, no extension) is refused before
# anything is written; -o - is standard output; --no-header drops the
# header line of CSV and TSV.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/output_format.XXXXXX")
D=$TMPDIR
"$ODESOLVE" $M/decay.ode >"$D/want.csv" || die "plain run failed"
tail -n +2 "$D/want.csv" >"$D/want-rows.csv"

for name in run.xlsx run RUN.Dat; do
    expect_status 2 "$ODESOLVE" $M/decay.ode -o "$D/$name" >"$D/o" 2>"$D/e"
    grep -q "^odesolve: -o $D/$name: the name does not say the format: end it in .csv, .tsv or .h5, or give --format csv|tsv|h5|xpp$" "$D/e" ||
        die "$name: $(cat "$D/e")"
    [ -s "$D/o" ] && die "$name: wrote to stdout"
    [ -e "$D/$name" ] && die "$name: written"
done
ls "$D" | grep -q tmp && die "temporary left: $(ls "$D")"
# Letter case does not matter, in names and in --format.
"$ODESOLVE" $M/decay.ode -o "$D/UP.CSV" && cmp -s "$D/UP.CSV" "$D/want.csv" || die ".CSV"
"$ODESOLVE" $M/decay.ode -o "$D/run.dat" --format TSV || die "--format TSV"
tr '\t' , <"$D/run.dat" | cmp -s - "$D/want.csv" || die "--format tsv rows differ"
"$ODESOLVE" $M/decay.ode -o "$D/run.tsv" --format csv || die "--format csv"
cmp -s "$D/run.tsv" "$D/want.csv" || die "--format csv wins over .tsv"
expect_status 2 "$ODESOLVE" $M/decay.ode --format xlsx 2>"$D/e"
grep -q "unknown format 'xlsx' (csv, tsv, h5 or xpp)" "$D/e" || die "--format xlsx: $(cat "$D/e")"
# --format xpp takes any name (XPPAUT's output.dat).
"$ODESOLVE" $M/decay.ode --format xpp -o "$D/output.dat" || die "--format xpp -o output.dat"
[ "$(head -n 1 "$D/output.dat")" = "0 1 1 " ] || die "xpp layout: $(head -n 1 "$D/output.dat")"
# -o - is standard output.
"$ODESOLVE" $M/decay.ode -o - | cmp -s - "$D/want.csv" || die "-o - differs from stdout"
# HDF5 by --format, whatever the name (when the build has HDF5).
if "$ODESOLVE" $M/decay.ode -o "$D/probe.h5" 2>/dev/null; then
    "$ODESOLVE" $M/decay.ode --format h5 -o "$D/run.bin" || die "--format h5"
    [ "$(od -An -c -N4 "$D/run.bin" | tr -d ' ')" = "211HDF" ] || die "--format h5: not HDF5"
    expect_status 2 "$ODESOLVE" $M/decay.ode --format hdf5 -o - >"$D/o" 2>"$D/e"
    grep -q "standard output: HDF5 output needs a regular file" "$D/e" || die "h5 on stdout: $(cat "$D/e")"
    [ -s "$D/o" ] && die "h5 on stdout wrote"
fi
# --no-header: the same rows without the first line, CSV and TSV; with
# --format xpp it changes nothing.
"$ODESOLVE" $M/decay.ode --no-header | cmp -s - "$D/want-rows.csv" || die "--no-header csv"
"$ODESOLVE" $M/decay.ode --no-header -o "$D/nh.tsv" || die "--no-header tsv"
tr '\t' , <"$D/nh.tsv" | cmp -s - "$D/want-rows.csv" || die "--no-header tsv rows"
"$ODESOLVE" $M/decay.ode --no-header --format xpp | cmp -s - "$D/output.dat" || die "--no-header xpp"
# Rows sorted by a column, as a pipeline wants them (x falls: reversed).
"$ODESOLVE" $M/decay.ode --no-header | sort -t, -k2,2g | head -n 1 | cut -d, -f1 | grep -qx 2 ||
    die "--no-header | sort"
exit 0

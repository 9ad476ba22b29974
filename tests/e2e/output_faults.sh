# Output that cannot be written: a clear error naming the output and the
# reason, exit 2, and no half-written file under the final name; a reader
# that goes away early (`odesolve ... | head`) is not an error at all.
. tests/e2e/common.sh
# A directory of its own: run.sh shares $TMPDIR between the cases.
TMPDIR=$(mktemp -d "$TMPDIR/output_faults.XXXXXX")
LONG="$M/osc.ode --t1 1e5 --save-every 0.1"

# fails WANT_PATTERN ARGS...: odesolve ARGS exits 2 with WANT_PATTERN on
# stderr.
fails() {
    pat=$1; shift
    "$ODESOLVE" "$@" >"$TMPDIR/o" 2>"$TMPDIR/e"
    rc=$?
    [ $rc -eq 2 ] || die "$*: exit $rc, expected 2"
    grep -q "$pat" "$TMPDIR/e" || die "$*: no '$pat' in: $(cat "$TMPDIR/e")"
    return 0
}

# A full disk, as a device and as standard output.
if [ -w /dev/full ]; then
    fails "No space left on device" $LONG -o /dev/full
    "$ODESOLVE" $LONG >/dev/full 2>"$TMPDIR/e"
    rc=$?
    [ $rc -eq 2 ] || die "stdout on /dev/full: exit $rc, expected 2"
    grep -q "standard output.*No space left on device" "$TMPDIR/e" ||
        die "stdout on /dev/full: $(cat "$TMPDIR/e")"
fi

# A file that grows past its limit (RLIMIT_FSIZE: EFBIG, like a full disk):
# the old file keeps its content and no temporary is left.
mkdir "$TMPDIR/out"
echo "previous content" >"$TMPDIR/out/run.csv"
( trap '' XFSZ; ulimit -f 20; exec "$ODESOLVE" $LONG -o "$TMPDIR/out/run.csv" ) 2>"$TMPDIR/e"
rc=$?
[ $rc -eq 2 ] || die "file size limit: exit $rc, expected 2"
grep -q "run.csv: File too large" "$TMPDIR/e" || die "file size limit: $(cat "$TMPDIR/e")"
[ "$(cat "$TMPDIR/out/run.csv")" = "previous content" ] || die "the old file was overwritten"
[ "$(ls "$TMPDIR/out")" = run.csv ] || die "left behind: $(ls "$TMPDIR/out")"
# Without an old file, nothing appears.
rm "$TMPDIR/out/run.csv"
( trap '' XFSZ; ulimit -f 20; exec "$ODESOLVE" $LONG -o "$TMPDIR/out/run.csv" ) 2>/dev/null
[ -z "$(ls "$TMPDIR/out")" ] || die "left behind: $(ls "$TMPDIR/out")"

# Directories that cannot hold the file.
fails "No such file or directory" $M/osc.ode -o "$TMPDIR/nonexistent/run.csv"
echo "a file" >"$TMPDIR/plain"
fails "Not a directory" $M/osc.ode -o "$TMPDIR/plain/run.csv"
fails "Is a directory" $M/osc.ode -o "$TMPDIR"
if [ "$(id -u)" -ne 0 ]; then
    # root writes anywhere, so this needs an ordinary user.
    mkdir "$TMPDIR/ro"
    chmod 555 "$TMPDIR/ro"
    fails "Permission denied" $M/osc.ode -o "$TMPDIR/ro/run.csv"
    [ -z "$(ls "$TMPDIR/ro")" ] || die "left behind in a read-only directory"
    chmod 755 "$TMPDIR/ro"
fi
# A model error or a bad option leaves no output file either.
fails "error" $M/bad.ode -o "$TMPDIR/out/bad.csv"
[ -e "$TMPDIR/out/bad.csv" ] && die "output written for a bad model"

# A reader that stops early: quiet, status 0, with either backend.
for b in "" --no-jit; do
    { "$ODESOLVE" $b $LONG 2>"$TMPDIR/e"; echo $? >"$TMPDIR/status"; } | head -n 3 >"$TMPDIR/o"
    [ "$(cat "$TMPDIR/status")" -eq 0 ] || die "odesolve $b | head: exit $(cat "$TMPDIR/status")"
    [ -s "$TMPDIR/e" ] && die "odesolve $b | head printed: $(cat "$TMPDIR/e")"
    [ "$(wc -l <"$TMPDIR/o")" -eq 3 ] || die "head got $(wc -l <"$TMPDIR/o") lines"
done
# Also when the pipe closes before the first row.
{ "$ODESOLVE" $LONG 2>"$TMPDIR/e"; echo $? >"$TMPDIR/status"; } | true
[ "$(cat "$TMPDIR/status")" -eq 0 ] || die "odesolve | true: exit $(cat "$TMPDIR/status")"
[ -s "$TMPDIR/e" ] && die "odesolve | true printed: $(cat "$TMPDIR/e")"
exit 0

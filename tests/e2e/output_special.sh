# -o onto what is not a plain file: a symbolic link keeps being a link and
# its target gets the rows; a character device, FIFO or socket is written
# into, never replaced; a block device is refused.  Everything is made in
# this test's own folder (mknod needs root, as CI runs: those cases are
# skipped otherwise), never on the system's /dev.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/output_special.XXXXXX")
D=$TMPDIR
"$ODESOLVE" $M/decay.ode >"$D/want.csv" || die "plain run failed"
# is_link PATH TARGET: PATH is still a symbolic link to TARGET.
is_link() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ] || die "$1 is no longer a link to $2"; }

# A link to a regular file: the target is replaced atomically, the link stays.
echo "old rows" >"$D/target.csv"
ln -s target.csv "$D/link.csv"
"$ODESOLVE" $M/decay.ode -o "$D/link.csv" || die "-o link failed"
is_link "$D/link.csv" target.csv
cmp -s "$D/target.csv" "$D/want.csv" || die "the link's target did not get the rows"
# A chain of links, one of them absolute, into another directory.
mkdir "$D/sub"
echo "old" >"$D/sub/deep.csv"
ln -s "$D/sub/deep.csv" "$D/abs.csv"
ln -s abs.csv "$D/chain.csv"
"$ODESOLVE" $M/decay.ode -o "$D/chain.csv" || die "-o chain failed"
is_link "$D/chain.csv" abs.csv
is_link "$D/abs.csv" "$D/sub/deep.csv"
cmp -s "$D/sub/deep.csv" "$D/want.csv" || die "the chain's target did not get the rows"
[ "$(ls "$D/sub")" = deep.csv ] || die "left behind in sub: $(ls "$D/sub")"
# A dangling link: the file is made where it points.
ln -s sub/new.csv "$D/dangling.csv"
"$ODESOLVE" $M/decay.ode -o "$D/dangling.csv" || die "-o dangling link failed"
is_link "$D/dangling.csv" sub/new.csv
cmp -s "$D/sub/new.csv" "$D/want.csv" || die "the dangling link's target did not get the rows"
# A failed solve or an interrupted write never touches the target's old rows.
echo "old rows" >"$D/target.csv"
expect_status 2 "$ODESOLVE" $M/bad.ode -o "$D/link.csv" 2>/dev/null
[ "$(cat "$D/target.csv")" = "old rows" ] || die "a bad model changed the link's target"
# A loop of links is an error naming the output.
ln -s loop2 "$D/loop1"
ln -s loop1 "$D/loop2"
expect_status 2 "$ODESOLVE" $M/decay.ode -o "$D/loop1" 2>"$D/e"
grep -q "loop1: Too many levels of symbolic links" "$D/e" || die "loop: $(cat "$D/e")"
is_link "$D/loop1" loop2

# A link to an open descriptor (what /dev/stdout is): written through, the
# link stays, and a file opened with >> keeps what it held.
if [ -e /proc/self/fd/1 ]; then
    ln -s /proc/self/fd/1 "$D/stdout"
    "$ODESOLVE" $M/decay.ode -o "$D/stdout" >"$D/via.csv" || die "-o stdout link failed"
    is_link "$D/stdout" /proc/self/fd/1
    cmp -s "$D/via.csv" "$D/want.csv" || die "rows through the stdout link differ"
    echo "first line" >"$D/app.csv"
    "$ODESOLVE" $M/decay.ode -o "$D/stdout" >>"$D/app.csv" || die "-o stdout link >> failed"
    [ "$(head -n 1 "$D/app.csv")" = "first line" ] || die ">> lost the file's first line"
    [ "$(tail -n +2 "$D/app.csv" | cmp - "$D/want.csv" && echo same)" = same ] ||
        die ">> rows differ"
    "$ODESOLVE" $M/decay.ode -o "$D/stdout" | cmp -s - "$D/want.csv" || die "stdout link to a pipe"
    # HDF5 seeks back into its file: not through a descriptor.
    ln -s /proc/self/fd/1 "$D/stdout.h5"
    expect_status 2 "$ODESOLVE" $M/decay.ode -o "$D/stdout.h5" >"$D/h5-via" 2>/dev/null
    is_link "$D/stdout.h5" /proc/self/fd/1
fi

# A FIFO: a reader gets the rows, the FIFO stays a FIFO.
mkfifo "$D/fifo"
cat "$D/fifo" >"$D/from-fifo" &
reader=$!
"$ODESOLVE" $M/decay.ode -o "$D/fifo" || die "-o fifo failed"
wait $reader
[ -p "$D/fifo" ] || die "the FIFO was replaced"
cmp -s "$D/from-fifo" "$D/want.csv" || die "rows through the FIFO differ"

# A socket that listens: the rows are sent to it.
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
with open(sys.argv[3], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b: break
        f.write(b)
' "$D/sock" "$D/listening" "$D/from-sock" &
    server=$!
    i=0
    while [ ! -e "$D/listening" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    "$ODESOLVE" $M/decay.ode -o "$D/sock" || die "-o socket failed"
    wait $server
    [ -S "$D/sock" ] || die "the socket was replaced"
    cmp -s "$D/from-sock" "$D/want.csv" || die "rows through the socket differ"
fi

# Device nodes of our own (root only): a copy of /dev/null and of /dev/full
# are written into and stay character devices; a block device is refused
# before anything is opened.
if [ "$(id -u)" -eq 0 ] && mknod "$D/null" c 1 3 2>/dev/null; then
    "$ODESOLVE" $M/decay.ode -o "$D/null" || die "-o null device failed"
    [ -c "$D/null" ] || die "the null device was replaced"
    mknod "$D/full" c 1 7
    expect_status 2 "$ODESOLVE" $M/decay.ode --save-every 1e-5 -o "$D/full" 2>"$D/e"
    grep -q "full: No space left on device" "$D/e" || die "full device: $(cat "$D/e")"
    [ -c "$D/full" ] || die "the full device was replaced"
    ln -s null "$D/null-link"
    "$ODESOLVE" $M/decay.ode -o "$D/null-link" || die "-o link to a device failed"
    is_link "$D/null-link" null
    [ -c "$D/null" ] || die "the device behind a link was replaced"
    mknod "$D/block" b 7 250
    expect_status 2 "$ODESOLVE" $M/decay.ode -o "$D/block" 2>"$D/e"
    grep -q "block: a block device: not written" "$D/e" || die "block device: $(cat "$D/e")"
    [ -b "$D/block" ] || die "the block device was replaced"
    ln -s null "$D/null.h5"
    expect_status 2 "$ODESOLVE" $M/decay.ode -o "$D/null.h5" 2>/dev/null
    [ -c "$D/null" ] || die "HDF5 replaced the device"
fi
# Nothing but what the test made is left in its folder.
ls "$D" | grep -q 'tmp\.' && die "temporary left: $(ls "$D")"
exit 0

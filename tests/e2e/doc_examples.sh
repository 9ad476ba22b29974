# The documentation says what the program does: every command of
# README.md's sh blocks and of the man pages' EXAMPLES is run, from a
# folder of its own where samples/ is the repository's, and must end with
# the exit status it documents (0 unless its comment says "exit N").  In a
# transcript ("$ " before each command) the lines after a command are its
# output and must match within 1e-6; "$ cat FILE" followed by the file
# makes FILE.  A README command runs when it starts with odesolve (or
# gnuplot) or pipes into it; the set-up's (scripts, make) are left out; commands that need gnuplot run with GNUTERM=dumb, and
# are left out when it is not installed.  Last, the failure message the
# man pages quote is the one the program prints.
. tests/e2e/common.sh
TMPDIR=$(mktemp -d "$TMPDIR/doc_examples.XXXXXX")
W=$TMPDIR
ROOT=$(pwd)
mkdir "$W/bin" "$W/cmd" "$W/work"
ln -s "$ROOT/samples" "$W/work/samples"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$ODESOLVE" >"$W/bin/odesolve"
chmod +x "$W/bin/odesolve"

# README.md: sh blocks.  Writes cmd/N.sh, N.want, N.from and, in a
# transcript, N.out; "$ cat FILE" writes work/FILE.
awk -v dir="$W/cmd" -v work="$W/work" -v src=README.md '
    function flush() {
        if (cur != "") { close(cur) }
        if (outf != "") { close(outf) }
        cur = ""; outf = ""; catf = ""
    }
    function start(cmd, line,   want) {
        flush()
        if (cmd ~ /^cat [^ |<>]+$/) { catf = work "/" substr(cmd, 5); printf "" >catf; return }
        if (cmd !~ /^(odesolve|gnuplot)( |$)/ && cmd !~ /^[^#]*\| *odesolve( |$)/) { skipped++; return }
        n++
        want = 0
        if (match(cmd, /# exit [0-9]+/)) want = substr(cmd, RSTART + 7, RLENGTH - 7) + 0
        cur = sprintf("%s/%03d", dir, n)
        print cmd >(cur ".sh")
        print want >(cur ".want")
        print src ":" line >(cur ".from")
        close(cur ".sh"); close(cur ".want"); close(cur ".from")
        if (transcript) { outf = cur ".out"; printf "" >outf }
    }
    /^```sh$/ { inb = 1; nb = 0; delete blk; next }
    /^```$/ && inb {
        inb = 0; transcript = 0
        for (i = 1; i <= nb; i++) if (blk[i] ~ /^\$ /) transcript = 1
        for (i = 1; i <= nb; i++) {
            l = blk[i]
            if (transcript && l ~ /^\$ /) start(substr(l, 3), at[i])
            else if (transcript && catf != "") print l >>catf
            else if (transcript && outf != "") print l >>outf
            else if (!transcript && l != "") start(l, at[i])
        }
        flush()
        next
    }
    inb { blk[++nb] = $0; at[nb] = FNR }
    END { print n + 0, skipped + 0 >(dir "/readme.count") }
' README.md

# The man pages: .EX blocks of EXAMPLES, "$ " starting a command, indented
# lines continuing it; roff escapes undone.
for page in man/odesolve.1 man/odesolve-model.5; do
    awk -v dir="$W/cmd" -v src="$page" -v base="$(ls "$W/cmd" | grep -c '\.sh$')" '
        function unroff(s) {
            gsub(/\\-/, "-", s); gsub(/\\\(aq/, "\047", s); gsub(/\\\(dq/, "\"", s)
            gsub(/\\\(en/, "-", s); gsub(/\\&/, "", s); gsub(/\\e/, "\\", s)
            return s
        }
        function flush() {
            if (cmd == "") return
            n++
            f = sprintf("%s/%03d", dir, base + n)
            want = 0
            if (match(cmd, /# exit [0-9]+/)) want = substr(cmd, RSTART + 7, RLENGTH - 7) + 0
            print cmd >(f ".sh"); print want >(f ".want"); print src ":" line >(f ".from")
            close(f ".sh"); close(f ".want"); close(f ".from")
            cmd = ""
        }
        /^\.SH / { ex = ($0 ~ /^\.SH EXAMPLES/); next }
        ex && /^\.EX/ { inb = 1; next }
        ex && /^\.EE/ { flush(); inb = 0; next }
        inb && /^\$ / { flush(); cmd = unroff(substr($0, 3)); line = FNR; next }
        inb && /^[ \t]/ && cmd != "" { cmd = cmd "\n" unroff($0); next }
        inb { flush() }
    ' "$page"
done

total=$(ls "$W/cmd" | grep -c '\.sh$')
set -- $(cat "$W/cmd/readme.count")
[ "$1" -ge 20 ] || die "only $1 commands found in README.md"
[ "$total" -ge $(($1 + 10)) ] || die "only $(($total - $1)) commands found in the man pages' EXAMPLES"
have_gnuplot=$(command -v gnuplot >/dev/null 2>&1 && echo 1 || echo 0)
run=0
cd "$W/work" || die "no work folder"
for c in "$W"/cmd/*.sh; do
    f=${c%.sh}
    from=$(cat "$f.from")
    if grep -q gnuplot "$c" && [ "$have_gnuplot" = 0 ]; then
        echo "left out (no gnuplot): $from"
        continue
    fi
    PATH="$W/bin:$PATH" GNUTERM=dumb timeout 300 sh "$c" </dev/null >"$f.stdout" 2>"$f.stderr"
    got=$?
    want=$(cat "$f.want")
    [ "$got" -eq "$want" ] ||
        die "$from: exit $got, documented $want: $(cat "$c")
$(head -c 600 "$f.stderr")"
    if [ -f "$f.out" ]; then
        awk '
            NR == FNR { a[FNR] = $0; na = FNR; next }
            {
                nb = FNR
                if (!(FNR in a)) exit 1
                if (a[FNR] == $0) next
                n1 = split(a[FNR], x, ","); n2 = split($0, y, ",")
                if (n1 != n2) exit 1
                for (i = 1; i <= n1; i++) {
                    if (x[i] == y[i]) continue
                    d = x[i] - y[i]; if (d < 0) d = -d
                    s = x[i] < 0 ? -x[i] : x[i]; if (s < 1) s = 1
                    if (d > 1e-6 * s) exit 1
                }
            }
            END { if (nb != na) exit 1 }
        ' "$f.out" "$f.stdout" || die "$from: output differs from the transcript: $(cat "$c")
$(diff "$f.out" "$f.stdout" | head -n 10)"
    fi
    run=$((run + 1))
done
echo "$run commands run"

# The failure message the man pages quote, as the program prints it.
for page in man/odesolve.1 man/odesolve-model.5; do
    quoted=$(sed -n '/^\$ odesolve samples\/pendulum.ode \\-i omega=5000$/{n;p;}' "$ROOT/$page" |
             sed 's/\\-/-/g; s/\\(aq/'"'"'/g' | head -n 1)
    [ -n "$quoted" ] || die "$page: no quoted failure of samples/pendulum.ode"
    "$ODESOLVE" samples/pendulum.ode -i omega=5000 >/dev/null 2>"$W/pend.err"
    [ $? -eq 1 ] || die "the pendulum does not fail with exit 1"
    [ "$(cat "$W/pend.err")" = "$quoted" ] ||
        die "$page quotes '$quoted'; the program prints '$(cat "$W/pend.err")'"
done
exit 0

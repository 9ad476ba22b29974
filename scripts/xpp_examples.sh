#!/bin/sh
# xpp_examples.sh - how far odesolve reads the example models of Debian's
# xppaut package: `odesolve --check` on each, then a table of the files
# that check, those that fail and on which constructs (from the closing
# "not supported yet" note), and the other errors.  Needs the xppaut
# package (not make check).
#   scripts/xpp_examples.sh [ODESOLVE [DIR...]]
set -u
ODESOLVE=${1:-build/odesolve}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- /usr/share/doc/xppaut/examples/ode /usr/share/doc/xppaut/html/odes
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for dir in "$@"; do
    for f in "$dir"/*.ode; do
        [ -e "$f" ] || continue
        "$ODESOLVE" --check "$f" >/dev/null 2>"$TMP/err"
        rc=$?
        need=$(sed -n 's/^.*: note: not supported yet: //p' "$TMP/err" |
               sed 's/ (line[^)]*)//g')
        other=$(grep ' error: ' "$TMP/err" | grep -v 'not supported' |
                sed 's/^[^ ]* error: //' | sort -u | head -3 | tr '\n' ';')
        printf '%s\t%s\t%s\t%s\n' "$(basename "$f")" "$rc" "$need" "$other"
    done
done >"$TMP/all"
total=$(wc -l <"$TMP/all")
ok=$(awk -F'\t' '$2 == 0' "$TMP/all" | wc -l)
echo "files: $total, check: $ok, fail: $((total - ok))"
echo
echo "| construct | files needing it | of which it is the only one |"
echo "|---|---|---|"
awk -F'\t' '$2 != 0 && $3 != "" {
        n = split($3, c, ", ")
        for (i = 1; i <= n; i++) { files[c[i]]++; if (n == 1 && $4 == "") only[c[i]]++ }
    }
    END { for (k in files) printf "| %s | %d | %d |\n", k, files[k], only[k] }' "$TMP/all" |
    sort -t'|' -k3,3nr
echo
echo "| file | needs | other errors |"
echo "|---|---|---|"
awk -F'\t' '$2 != 0 { printf "| %s | %s | %s |\n", $1, $3, $4 }' "$TMP/all"

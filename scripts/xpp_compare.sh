#!/bin/sh
# xpp_compare.sh - the bar of XPPAUT compatibility: on the example models
# of Debian's xppaut package, does `odesolve --xpp --format xpp FILE` give
# the rows `xppaut FILE -silent` writes to output.dat?  Needs xppaut (not
# part of make check).
#   scripts/xpp_compare.sh [ODESOLVE [FILE...]]
# Files are skipped when they use what has its own issue (noise, delays,
# algebraic equations, special kernels) or when xppaut does not finish
# headless in 30 s or writes nothing; the other statements we refuse
# (markov, bdry, volterra, export) count as failures.  A file passes when the row count and times match and
# every value matches: fixed-step methods to xppaut's printed precision
# (it stores floats: |a - b| <= 2^-22 |b| + 1e-30, about two float ulps),
# adaptive ones within ten times the file's tolerance,
# |a - b| <= 10 max(tol, atol) max(1, |b|) (XPPAUT's defaults 1e-3).
# Prints one line per file (file, verdict, why) and a summary.
set -u
ODESOLVE=$(cd "$(dirname "${1:-build/odesolve}")" && pwd)/$(basename "${1:-build/odesolve}")
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- $(dpkg -L xppaut | grep '\.ode$' | sort)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0
for f in "$@"; do
    b=$(basename "$f")
    # Statements and functions of the companion issue, by XPPAUT's first
    # letters at the start of a line, and the kernels in expressions.
    # A statement word is followed by a blank and not by '=', '(', a prime
    # or a slash (XPPAUT's rule: `v = 1` is a name, `volt u=...` is not).
    if grep -Eiq "^[[:space:]]*((w|sp|so)[a-z0-9_]*[[:space:]]+[^=(/' 	]|0[[:space:]]*=)" "$f" ||
       grep -Eiq "(delay|del_shft|ran|normal)[[:space:]]*\(" "$f"; then
        echo "$b	skip	noise, delays, algebraic equations or special kernels"
        skip=$((skip + 1)); continue
    fi
    rm -rf "$TMP/run"; mkdir "$TMP/run"
    cp "$(dirname "$f")"/* "$TMP/run/" 2>/dev/null
    (cd "$TMP/run" && timeout 30 xppaut "$b" -silent >/dev/null 2>&1 </dev/null)
    if [ ! -s "$TMP/run/output.dat" ]; then
        echo "$b	skip	xppaut writes no rows headless"
        skip=$((skip + 1)); continue
    fi
    (cd "$TMP/run" && timeout 120 "$ODESOLVE" --xpp --format xpp -q --stats "$b" >"$TMP/ours" 2>"$TMP/err")
    rc=$?
    if [ ! -s "$TMP/ours" ]; then
        why=$(grep -m1 -E 'error|odesolve:' "$TMP/err" | sed 's/^[^ ]* //' | cut -c1-110)
        echo "$b	fail	exit $rc: $why"
        fail=$((fail + 1)); continue
    fi
    tol=$(sed -n 's/.*@.*\btol[a-z]*=\([0-9.eE+-]*\).*/\1/Ip' "$f" | tail -n 1)
    atol=$(sed -n 's/.*@.*\batol[a-z]*=\([0-9.eE+-]*\).*/\1/Ip' "$f" | tail -n 1)
    meth=$(sed -n 's/^solver: //p' "$TMP/err")
    case $meth in
        euler|midpoint|heun|ralston|rk4|discrete|symplectic|backeul|trapezoid|volterra) mode=fixed ;;
        *) mode=adaptive ;;
    esac
    verdict=$(awk -v mode="$mode" -v tol="${tol:-1e-3}" -v atol="${atol:-1e-3}" '
        NR == FNR { a[FNR] = $0; na = FNR; next }
        {
            nb = FNR
            if (!(FNR in a)) next
            n1 = split(a[FNR], x, " "); n2 = split($0, y, " ")
            if (n1 != n2) { why = "row " FNR ": " n1 " columns, xppaut " n2; exit }
            for (i = 1; i <= n2; i++) {
                d = x[i] - y[i]; if (d < 0) d = -d
                s = y[i] < 0 ? -y[i] : y[i]
                if (mode == "fixed") lim = s * 2^-22 + 1e-30
                else lim = 10 * (tol > atol ? tol : atol) * (s > 1 ? s : 1)
                if (i == 1) lim = s * 2^-22 + 1e-6 * (1 + s)
                if (d > lim && !bad) { bad = 1; why = sprintf("row %d col %d: %s vs xppaut %s", FNR, i, x[i], y[i]) }
                if (s > 0 && d / s > worst) worst = d / s
            }
        }
        END {
            if (why == "" && na != nb) why = sprintf("%d rows, xppaut %d", na, nb)
            if (why != "") print "fail\t" mode ": " why
            else printf "pass\t%s, %d rows, max rel. difference %.2g\n", mode, nb, worst
        }' "$TMP/ours" "$TMP/run/output.dat")
    # An adaptive run that differs: who is nearer the solution?  Both
    # against dop853 at rtol = atol = 1e-12 on the same rows.
    case $mode:$verdict in
    adaptive:fail*)
        (cd "$TMP/run" && timeout 300 "$ODESOLVE" --xpp --format xpp -q --solver dop853 \
            --rtol 1e-12 --atol 1e-12 "$b" >"$TMP/ref" 2>/dev/null)
        err() {
            awk 'NR == FNR { a[FNR] = $0; next } (FNR in a) {
                    n = split(a[FNR], x, " "); split($0, y, " ")
                    for (i = 2; i <= n; i++) {
                        d = x[i] - y[i]; if (d < 0) d = -d
                        s = y[i] < 0 ? -y[i] : y[i]; if (s < 1) s = 1
                        if (d / s > e) e = d / s
                    }
                } END { printf "%.1e", e }' "$1" "$TMP/ref"
        }
        verdict="$verdict; error against dop853 at 1e-12: ours $(err "$TMP/ours"), xppaut's $(err "$TMP/run/output.dat")"
        ;;
    esac
    echo "$b	$verdict"
    case $verdict in pass*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
done
echo "compared: $((pass + fail)), pass: $pass, fail: $fail, skipped: $skip"

#!/bin/sh
# run.sh - `make bench`: odesolve against hand-written C and its own
# backends, in one run on this machine.  Quotes medians (hyperfine when
# available, else repeated runs).  Writes bench/results.md.
set -eu
O=${O:-build}
ODESOLVE=$(pwd)/$O/odesolve
B=$O/bench
mkdir -p "$B"
CC=${CC:-cc}
RES=bench/results.md

median_time() {  # median_time RUNS CMD... -> seconds (median wall time)
    runs=$1; shift
    i=0
    while [ $i -lt "$runs" ]; do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
        echo "$s $e" | awk '{ printf "%.6f\n", $2 - $1 }'
        i=$((i + 1))
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

{
echo "# odesolve benchmarks"
echo
echo "Machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d). Times are medians of whole-process runs."
echo

# 1. Lorenz, dopri5, rtol 1e-8, atol 1e-10, t in [0,100], 1001 saved rows.
$CC -O2 -ffp-contract=off -o "$B/lorenz_dp5" bench/lorenz_dp5.c -lm
echo "## Lorenz, dopri5, rtol=1e-8 atol=1e-10, [0,100], 1001 rows"
echo
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N -w 3 -r 30 --export-json "$B/lorenz.json" \
        "$B/lorenz_dp5 1e-8 1e-10" \
        "$ODESOLVE bench/lorenz.ode --rtol 1e-8 --atol 1e-10" \
        "$ODESOLVE bench/lorenz.ode --rtol 1e-8 --atol 1e-10 --no-jit" >/dev/null
    awk '
        /"command"/ { gsub(/.*"command": "|",$/, ""); cmd = $0 }
        /"median"/ { gsub(/.*"median": |,$/, ""); med[++n] = $0; name[n] = cmd }
        END {
            print "| program | median ms | ratio to hand-written C |"
            print "|---|---|---|"
            for (i = 1; i <= n; i++) printf "| `%s` | %.2f | %.2f |\n", name[i], med[i] * 1000, med[i] / med[1]
        }' "$B/lorenz.json"
else
    c=$(median_time 21 "$B/lorenz_dp5" 1e-8 1e-10)
    j=$(median_time 21 "$ODESOLVE" bench/lorenz.ode --rtol 1e-8 --atol 1e-10)
    echo "| program | median s | ratio |"; echo "|---|---|---|"
    echo "| hand-written C | $c | 1 |"
    echo "| odesolve | $j | $(awk -v a="$j" -v b="$c" 'BEGIN { printf "%.2f", a / b }') |"
fi
echo
"$ODESOLVE" bench/lorenz.ode --rtol 1e-8 --atol 1e-10 --stats 2>&1 >/dev/null | sed 's/^/    /'
echo

# 2. Compile time: Lorenz and a generated 10,000-equation model.
awk 'BEGIN { n = 10000
    print "# generated chain of " n " coupled equations"
    print "par a=0.5, b=0.1"
    for (i = 1; i <= n; i++) {
        l = i > 1 ? i - 1 : n; r = i < n ? i + 1 : 1
        printf "x%d'"'"' = -x%d + a*x%d*sin(x%d) + b*cos(t)\n", i, i, l, r
        printf "init x%d=%g\n", i, (i % 7) / 7.0
    }
    print "@ total=0.01"
    print "done" }' >"$B/chain10k.ode"
echo "## Compile time (code generation + libtcc), median of 11 runs"
echo
echo "| model | equations | compile ms |"
echo "|---|---|---|"
for m in bench/lorenz.ode:3 "$B/chain10k.ode:10000"; do
    f=${m%:*}; n=${m#*:}
    i=0
    while [ $i -lt 11 ]; do
        "$ODESOLVE" "$f" --save-every 1 --stats 2>&1 >/dev/null | awk -F': ' '/compile_time_s/ { print $2 * 1000 }'
        i=$((i + 1))
    done | sort -n | awk -v f="$(basename "$f")" -v n="$n" '{ a[NR] = $1 } END { printf "| %s | %s | %.2f |\n", f, n, a[6] }'
done
echo

# 3. Interpreter against the JIT, and output speed.
[ -x bench/interp_bench.sh ] && O=$O bench/interp_bench.sh && echo
[ -x bench/out_bench.sh ] && O=$O bench/out_bench.sh && echo
} | tee "$RES"

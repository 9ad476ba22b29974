#!/bin/sh
# jac_bench.sh - cost of the exact Jacobian: differentiation, libtcc
# compile of f alone and of f with J, J calls against f calls.  Links
# bench/jac_bench.c against $O/libodesolve.a (build it first: make).
# Usage: bench/jac_bench.sh [PROBLEMS_DIR [ONLY]]
set -eu
O=${O:-build}
CC=${CC:-cc}
B=$O/bench
mkdir -p "$B"
$CC -std=c11 -O2 -g -ffp-contract=off -D_POSIX_C_SOURCE=200809L -DWITH_TCC=1 \
    -iquote lang -iquote solver -iquote tests/unit -o "$B/jac_bench" \
    bench/jac_bench.c "$O/libodesolve.a" -ltcc -ldl -lm -pthread
"$B/jac_bench" "$@"

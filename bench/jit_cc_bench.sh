#!/bin/sh
# jit_cc_bench.sh - --jit cc against libtcc and the interpreter: build times
# and right-hand-side cost on Lorenz, pleiades, bruss1d and a 10,000-equation
# chain.  Links bench/jit_cc_bench.c against $O/libodesolve.a (build it
# first: make).  Usage: bench/jit_cc_bench.sh [PROBLEMS_DIR [CALL_SCALE]]
set -eu
O=${O:-build}
CC=${CC:-cc}
B=$O/bench
mkdir -p "$B"
$CC -std=c11 -O2 -g -ffp-contract=off -D_POSIX_C_SOURCE=200809L -DWITH_TCC=1 \
    -iquote lang -iquote solver -iquote tests/unit -o "$B/jit_cc_bench" \
    bench/jit_cc_bench.c "$O/libodesolve.a" -ltcc -ldl -lm -pthread
# Build times are the point here: no cache of compiled models.
ODESOLVE_CACHE_DIR= "$B/jit_cc_bench" "$@"

#!/bin/sh
# interp_bench.sh - JIT vs interpreter: Lorenz RHS cost and build times.
# Builds bench/interp_bench.c with the backend sources directly (no parser
# needed) into $O/bench and runs it.  Usage: bench/interp_bench.sh [calls]
set -eu
O=${O:-build}
CC=${CC:-cc}
B=$O/bench
mkdir -p "$B"
$CC -std=c11 -O2 -g -ffp-contract=off -D_POSIX_C_SOURCE=200809L -DWITH_TCC=1 \
    -Ilang -Isolver -Itests/unit -o "$B/interp_bench" bench/interp_bench.c \
    lang/model.c lang/builtins.c lang/codegen.c lang/jit.c lang/interp.c \
    -ltcc -ldl -lm -pthread
"$B/interp_bench" "$@"

#!/bin/sh
# ls_bench.sh - build and run bench/ls_bench.c: dense, band and sparse LU of
# solver/linsolve.c on diffusion patterns, to place ls_choose's thresholds.
#   bench/ls_bench.sh [complex]      (run from the repository root, after make)
set -eu
O=${O:-build}
CC=${CC:-cc}
mkdir -p "$O/bench"
$CC -std=c11 -Wall -Wextra -Wpedantic -Wshadow -O2 -Isolver \
    -o "$O/bench/ls_bench" bench/ls_bench.c "$O/libodesolve.a" \
    -lklu -lamd -lcolamd -lbtf -lsuitesparseconfig -llapack -lblas -lm
echo "ls_bench: $(uname -m), $(nproc) cores"
"$O/bench/ls_bench" "$@"

#!/bin/sh
# out_bench.sh - build and run bench/out_bench.c: CSV writing speed of
# cli/out.c + cli/fmt.c against fprintf("%.17g").
#   bench/out_bench.sh [REPS]      (run from the repository root)
# O (default build) holds the binary; DIR (default a fresh directory under
# ${TMPDIR:-/tmp}) receives the files, which are removed afterwards.
set -eu
O=${O:-build}
CC=${CC:-cc}
REPS=${1:-5}
mkdir -p "$O/bench"
$CC -std=c11 -Wall -Wextra -Wpedantic -Wshadow -ffp-contract=off -O2 \
    -D_POSIX_C_SOURCE=200809L -Icli -Isolver \
    -o "$O/bench/out_bench" bench/out_bench.c cli/out.c cli/fmt.c -lm
if [ -n "${DIR:-}" ]; then
    dir=$DIR
    cleanup=
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/out_bench.XXXXXX")
    cleanup=$dir
fi
trap '[ -z "$cleanup" ] || rm -rf "$cleanup"' EXIT INT TERM
echo "out_bench: $(uname -m), $(nproc) cores, files in $dir ($(df -PT "$dir" | awk 'NR==2 {print $2}')), median of $REPS"
"$O/bench/out_bench" "$dir" "$REPS"

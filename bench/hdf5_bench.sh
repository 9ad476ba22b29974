#!/bin/sh
# hdf5_bench.sh - HDF5 output speed (issue 3 bar: 10^6 saved rows to HDF5
# in under 1 s).  Builds and runs bench/hdf5_bench.c (10^6 Lorenz rows and a
# 2000-state model through the out_* API, to .h5 and .csv, and one plain
# H5Dwrite of the whole arrays), then times whole odesolve runs writing
# 10^6 + 1 rows of Lorenz (--save-every 1e-4 over [0,100]) to .h5 and .csv.
#   bench/hdf5_bench.sh [REPS]      (run from the repository root)
# O (default build) holds odesolve, built with WITH_HDF5=1; DIR (default a
# fresh directory under ${TMPDIR:-/tmp}) receives the files, removed after.
set -eu
O=${O:-build}
CC=${CC:-cc}
REPS=${1:-5}
ODESOLVE=${ODESOLVE:-$O/odesolve}
mkdir -p "$O/bench"
# Same pkg-config package as the Makefile.
HDF5_CFLAGS=$(pkg-config --cflags hdf5)
HDF5_LIBS=$(pkg-config --libs hdf5)
$CC -std=c11 -Wall -Wextra -Wpedantic -Wshadow -ffp-contract=off -O2 \
    -D_POSIX_C_SOURCE=200809L -DWITH_HDF5=1 -Icli -Isolver $HDF5_CFLAGS \
    -o "$O/bench/hdf5_bench" bench/hdf5_bench.c cli/out.c cli/out_hdf5.c \
    cli/fmt.c $HDF5_LIBS -lm
if [ -n "${DIR:-}" ]; then
    dir=$DIR
    cleanup=
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/hdf5_bench.XXXXXX")
    cleanup=$dir
fi
trap '[ -z "$cleanup" ] || rm -rf "$cleanup"' EXIT INT TERM
echo "hdf5_bench: $(uname -m), $(nproc) cores, HDF5 $(pkg-config --modversion hdf5)," \
    "files in $dir ($(df -PT "$dir" | awk 'NR==2 {print $2}')), median of $REPS"
"$O/bench/hdf5_bench" "$dir" "$REPS"

# median RUNS CMD...: median wall time in seconds
median() {
    runs=$1; shift
    i=0
    while [ $i -lt "$runs" ]; do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        e=$(date +%s.%N)
        echo "$s $e" | awk '{ printf "%.6f\n", $2 - $1 }'
        i=$((i + 1))
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo
echo "whole process: $ODESOLVE bench/lorenz.ode --save-every 1e-4 (10^6 + 1 rows)"
for ext in h5 csv; do
    sec=$(median "$REPS" "$ODESOLVE" bench/lorenz.ode --save-every 1e-4 -o "$dir/x.$ext")
    printf '  -o x.%-4s %10.3f s %8.1f MB\n' "$ext" "$sec" \
        "$(ls -l "$dir/x.$ext" | awk '{ print $5 / 1e6 }')"
done
printf '  %-9s %7.3f s  (the solve alone, no rows)\n' "--save-final" \
    "$(median "$REPS" "$ODESOLVE" bench/lorenz.ode --save-final)"

#!/bin/sh
# deps.sh - install the Debian packages odesolve needs.  Does nothing when
# all of them are present.  Runs apt-get through sudo when not root.
#   scripts/deps.sh            build and test (make, make check)
#   scripts/deps.sh --bench    also the peers of `make bench`
#   scripts/deps.sh --fuzz     also the fuzzer of `make fuzz`
set -eu

PACKAGES="gcc make pkg-config flex bison libtcc-dev check libsubunit-dev
libhdf5-dev hdf5-tools valgrind bsdutils liblapack-dev libsuitesparse-dev"
BENCH_PACKAGES="hyperfine gnuplot-nox libsundials-dev libgsl-dev python3-scipy
python3-numpy time"
FUZZ_PACKAGES="clang libclang-rt-14-dev"

for arg in "$@"; do
    case "$arg" in
        --bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
        --fuzz) PACKAGES="$PACKAGES $FUZZ_PACKAGES" ;;
        *) echo "usage: scripts/deps.sh [--bench] [--fuzz]" >&2; exit 2 ;;
    esac
done

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done

[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $missing

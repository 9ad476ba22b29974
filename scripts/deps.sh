#!/bin/sh
# deps.sh - install the Debian packages odesolve needs to build and test.
# Does nothing when all of them are present.  Runs apt-get through sudo
# when not root.
set -eu

PACKAGES="gcc make pkg-config flex bison libtcc-dev check libsubunit-dev
libhdf5-dev hdf5-tools valgrind"

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

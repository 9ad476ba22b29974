# Helpers for the scripted end-to-end cases (sourced, not run).
M=tests/e2e/models
die() { echo "$*"; exit 1; }
expect_status() {  # expect_status WANT CMD...
    want=$1; shift
    "$@"; got=$?
    [ "$got" -eq "$want" ] || die "exit $got, expected $want: $*"
}

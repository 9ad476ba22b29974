# --jit cc keeps the object of a model: a second run needs no compiler and
# writes the same bytes; with the cache off it does need one.
. tests/e2e/common.sh
command -v "${ODESOLVE_CC:-cc}" >/dev/null 2>&1 || exit 0
TMPDIR=$(mktemp -d "$TMPDIR/cc_cache.XXXXXX")
export ODESOLVE_CACHE_DIR=$TMPDIR/cache
mkdir "$TMPDIR/nocc"

"$ODESOLVE" --jit cc samples/fitzhugh.ode >"$TMPDIR/first.csv" || die "first --jit cc run failed"
PATH=$TMPDIR/nocc "$ODESOLVE" --jit cc samples/fitzhugh.ode >"$TMPDIR/second.csv" 2>"$TMPDIR/err" \
    || die "second run not served from the cache: $(cat "$TMPDIR/err")"
cmp -s "$TMPDIR/first.csv" "$TMPDIR/second.csv" || die "the cached object wrote other rows"
# Parameters and initial values are not part of the object.
PATH=$TMPDIR/nocc "$ODESOLVE" --jit cc samples/fitzhugh.ode -p a=0.8 -i v=0.5 >"$TMPDIR/p.csv" \
    2>"$TMPDIR/err" || die "-p/-i not served from the cache: $(cat "$TMPDIR/err")"
"$ODESOLVE" samples/fitzhugh.ode -p a=0.8 -i v=0.5 | cmp -s - "$TMPDIR/p.csv" \
    || die "cached object with -p/-i differs from tcc"
[ "$(ls "$TMPDIR/cache" | wc -l)" -eq 1 ] || die "cache entries: $(ls "$TMPDIR/cache")"
[ "$(stat -c %a "$TMPDIR/cache")" = 700 ] || die "cache directory mode $(stat -c %a "$TMPDIR/cache")"

# Off: the compiler is needed, and its absence is a usage error.
expect_status 2 env ODESOLVE_CACHE_DIR= PATH=$TMPDIR/nocc "$ODESOLVE" --jit cc samples/fitzhugh.ode \
    >/dev/null 2>"$TMPDIR/err"
grep -q "cannot run 'cc'" "$TMPDIR/err" || die "cache off: $(cat "$TMPDIR/err")"
exit 0

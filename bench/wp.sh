#!/bin/bash
# wp.sh - work-precision of odesolve's adaptive explicit methods against the
# C peers of the shared harness (../shared/bench), all measured in this run.
#
#   bench/wp.sh                  (from the repository root; `make bench` calls it)
#
# Prints a Markdown section on stdout (bench/run.sh puts it in
# bench/results.md), progress on stderr, keeps the raw records in
# $O/bench/wp/wp.csv and draws bench/wp.png with bench/wp.gp.
# Environment (defaults in brackets):
#   SHARED_BENCH  the peer harness [../shared/bench]; skipped when absent.
#                 It is read-only, so it is copied to PEERS_DIR and built there.
#   PEERS_DIR     [$O/peers]
#   ODESOLVE      [$O/odesolve]
#   PROBLEMS      [arenstorf pleiades bruss1d]
#   TOLS          [1e-4 1e-6 1e-8 1e-10 1e-12]; atol = eta * rtol, eta from
#                 the problem's reference.txt, as the shared harness does
#   METHODS       odesolve solvers [every adaptive explicit one that
#                 `odesolve --list-solvers` prints]
#   JITS          odesolve backends [tcc, and cc when `--help` offers
#                 `--jit cc`]; a backend other than tcc is named
#                 odesolve-BACKEND in the tables
#   PEERS         peer:method pairs
#                 [dp5gcc:dopri5 gsl:rk8pd gsl:rkf45 arkode:dp5 cvode:adams]
#   REPS          timed processes per point, median reported [7]
#   CAP           seconds; a point whose first run is slower is timed
#                 3 times, one slower than 5*CAP only once [2]
#   PNG           plot file [bench/wp.png]
#
# Timing.  Every run is a fresh process.  Each point is run once untimed
# (it warms the page cache and gives the counts and the error), then REPS
# times; the tables give medians of those.
#   solve    odesolve: `--stats` solve_time_s (one solve per process);
#            peer: the driver's time_s with --reps 1 (also one solve).
#   warm     the median of five solves in one process (caches, page
#            tables and lazy binding warm), the figure the shared harness
#            reports; 3 solves over 2 s, 1 over 10 s.  Peers: a --reps 5
#            run after the --reps 1 one.  odesolve: one --repeat 5 run
#            gives both, `--stats` solve_time_first_s (solve) and
#            solve_time_s (warm, the median).  Median over the rounds.
#   process  wall time of the whole process, from $EPOCHREALTIME around the
#            command (odesolve: parse, compile, solve, output; less the
#            extra solves of --repeat; with --jit cc the object comes from
#            the cache, built by the untimed first run).
# The bar compares warm with warm, the shared harness's measure; the
# one-solve-each ratio (cold caches on both sides) is shown beside it.
#
# Error: max_i |y_i - ref_i| / (eta + |ref_i|) at t1, from the last CSV row
# (odesolve, with --save-final when it has it, else --save-every t1-t0) or
# from the driver's record (peers): the shared harness's metric.  At equal
# error, a peer's cost at odesolve's error is interpolated log-log along
# the peer's own runs (its Pareto front: the cheapest run reaching each
# error), and extrapolated (marked ~) at most one decade past its ends.
# Errors under a problem's reference accuracy (arenstorf: 1e-9, see the
# shared README; others: 1e-13) count as equal to it.
set -eu

O=${O:-build}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
PEERS_DIR=${PEERS_DIR:-$O/peers}
ODESOLVE=${ODESOLVE:-$O/odesolve}
PROBLEMS=${PROBLEMS:-arenstorf pleiades bruss1d}
TOLS=${TOLS:-1e-4 1e-6 1e-8 1e-10 1e-12}
PEERS=${PEERS:-dp5gcc:dopri5 gsl:rk8pd gsl:rkf45 arkode:dp5 cvode:adams}
REPS=${REPS:-7}
CAP=${CAP:-2}
PNG=${PNG:-bench/wp.png}
W=$O/bench/wp

echo "## Work-precision: explicit methods against the C peers"
echo

if [ ! -d "$SHARED_BENCH/problems" ]; then
    echo "Skipped: the peer harness SHARED_BENCH=$SHARED_BENCH is absent."
    echo "Set SHARED_BENCH to a copy of it to run this part."
    echo "wp.sh: SHARED_BENCH=$SHARED_BENCH not found, work-precision skipped" >&2
    exit 0
fi
case $ODESOLVE in /*) ;; *) ODESOLVE=$PWD/$ODESOLVE ;; esac
mkdir -p "$W/tmp" "$PEERS_DIR"
# Absolute paths: the peer drivers run from inside PEERS_DIR.
W=$(cd "$W" && pwd)
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
SHARED_ABS=$(cd "$SHARED_BENCH" && pwd)
CSV=$W/wp.csv
TMP=$W/tmp
# Measure a copy: other people may relink $O/odesolve during the run.
cp "$ODESOLVE" "$W/odesolve"
ODESOLVE=$W/odesolve
# --jit cc compiles a model once per run of this script (2-3 s for
# bruss1d) and keeps the object here for the other processes.
export ODESOLVE_CACHE_DIR=$W/cc-cache
rm -rf "$ODESOLVE_CACHE_DIR"

# The copy keeps the harness's timestamps (-p) so that make rebuilds only
# what changed; -p also keeps its read-only modes, hence the chmod.
cp -Rp "$SHARED_ABS"/. "$PEERS_DIR"/
chmod -R u+w "$PEERS_DIR"
built=" "
for pp in $PEERS; do
    for p in $PROBLEMS; do
        b=${pp%%:*}_$p
        case $built in *" $b "*) continue ;; esac
        if make -s -C "$PEERS_DIR" "bin/$b" >"$TMP/make.log" 2>&1; then
            built="$built$b "
        else
            echo "wp.sh: cannot build peer $b (see $TMP/make.log), skipped" >&2
        fi
    done
done

if [ -z "${METHODS:-}" ]; then
    # Adaptive methods, minus any implicit one a later issue may list.
    METHODS=$("$ODESOLVE" --list-solvers | awk 'NR > 1 && $3 == "adaptive" &&
        tolower($0) !~ /implicit|stiff|rosenbrock|bdf|radau|sdirk|rodas|adams/ { printf "%s ", $1 }')
fi
if [ -z "${JITS:-}" ]; then
    JITS=tcc
    if "$ODESOLVE" --help 2>&1 | grep -- '--jit' | grep -q '[^t]cc'; then
        JITS="tcc cc"
    fi
fi
if "$ODESOLVE" --help 2>&1 | grep -q -- '--save-final'; then
    SAVE=final
else
    SAVE=every
fi

median() {  # median of the numbers on stdin
    sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.6g\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# now_us: microseconds since the epoch, without forking (bash 5).
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }

# stat KEY FILE: the value of "KEY: value" in an odesolve --stats file.
stat() { awk -F': *' -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# err_of REF CSV T1: the error metric from the last row of an odesolve CSV.
err_of() {
    awk -F, -v t1="$3" '
        FNR == NR { split($0, w, " ")
                    if (w[1] == "y") ref[++n] = w[2]; else if (w[1] == "eta") eta = w[2]
                    next }
        { last = $0 }
        END {
            m = split(last, v, ",")
            d = v[1] - t1; if (d < 0) d = -d
            if (m < n + 1 || d > 1e-9 * (t1 < 0 ? -t1 : t1) + 1e-12) { print "nan"; exit }
            e = 0
            for (i = 1; i <= n; i++) {
                r = ref[i]; a = v[i + 1] - r; if (a < 0) a = -a; if (r < 0) r = -r
                q = a / (eta + r)
                if (!(q <= e)) e = q
            }
            printf "%.3e\n", e
        }' "$1" "$2"
}

# timed_runs SECONDS: how many timed runs a point gets, from its first run.
timed_runs() {
    awk -v s="$1" -v r="$REPS" -v c="$CAP" 'BEGIN { print (s > 5 * c ? 0 : s > c ? 3 : r) }'
}

# warm_reps SECONDS: solves per process for the warm figure, the shared
# harness's rule (5; 3 over 2 s; 1 over 10 s).
warm_reps() {
    awk -v s="$1" 'BEGIN { print (s > 10 ? 1 : s > 2 ? 3 : 5) }'
}

# Per point (problem, rtol) the runs are interleaved: every configuration
# (odesolve method or peer) runs once untimed, then the timed rounds run
# each configuration in turn, so that a burst of load on this shared
# machine hits all of them rather than one.  Configuration j:
#   KIND[j]   odesolve | peer;  WHO[j] method or peer:method
#   TOOL[j]   odesolve[-BACKEND] or the peer; JIT[j] the backend
#   HEAD[j]   the record's first fields; NRUN[j] its timed runs
#   CMD       set by set_cmd j
set_cmd() {
    local j=$1 m
    if [ "${KIND[j]}" = odesolve ]; then
        CMD=("$ODESOLVE" "$MODEL" --solver "${WHO[j]}" --rtol "$RTOL" --atol "$ATOL"
             --t1 "$T1" "${SAVEOPT[@]}" --stats)
        [ "${JIT[j]}" = tcc ] || CMD+=(--jit "${JIT[j]}")
    else
        m=${WHO[j]}
        CMD=("bin/${m%%:*}_$PROB" --method "${m#*:}" --rtol "$RTOL" --reps 1)
    fi
}

# first_run j: the untimed run; sets HEAD[j] and NRUN[j] (0: failed).
first_run() {
    local j=$1 f t0 t rec e
    set_cmd "$j"
    : >"$TMP/solve$j"
    : >"$TMP/wall$j"
    : >"$TMP/warm$j"
    NRUN[j]=0
    if [ "${KIND[j]}" = odesolve ]; then
        t0=$(now_us)
        if ! timeout 900 "${CMD[@]}" >"$TMP/out" 2>"$TMP/err"; then
            HEAD[j]="$PROB,${TOOL[j]},${WHO[j]},$RTOL,$ATOL,,,,,,,,0,failed,$(head -n 1 "$TMP/err" | tr -d ',')"
            return
        fi
        t=$(now_us)
        e=$(err_of "$REF" "$TMP/out" "$T1") || e=nan
        HEAD[j]="$PROB,${TOOL[j]},${WHO[j]},$RTOL,$ATOL,$(stat steps "$TMP/err"),$(stat rejected "$TMP/err"),$(stat nfev "$TMP/err"),$e"
        stat solve_time_s "$TMP/err" >"$TMP/first$j"
    else
        t0=$(now_us)
        rec=$(timeout 900 "${CMD[@]}") || true
        t=$(now_us)
        IFS=, read -r -a f <<<"$rec"
        if [ "${#f[@]}" -lt 14 ] || [ "${f[13]}" != 0 ]; then
            HEAD[j]="$PROB,${WHO[j]/:/,},$RTOL,,,,,,,,,0,failed,${f[14]:-no record}"
            return
        fi
        HEAD[j]="$PROB,${WHO[j]/:/,},$RTOL,${f[4]},${f[5]},${f[6]},${f[7]},${f[10]}"
        NOTE[j]=${f[14]:-}
        echo "${f[11]}" >"$TMP/first$j"
    fi
    NRUN[j]=$(timed_runs "$(cat "$TMP/first$j")")
    if [ "${NRUN[j]}" -eq 0 ]; then
        # Too slow to repeat: the first run is the measurement.
        cp "$TMP/first$j" "$TMP/solve$j"
        echo "$(( t - t0 ))e-6" >"$TMP/wall$j"
        NRUN[j]=-1
    fi
}

# timed_run j: one timed run, appended to solve$j and wall$j.
timed_run() {
    local j=$1 t0 t
    set_cmd "$j"
    t0=$(now_us)
    if [ "${KIND[j]}" = odesolve ]; then
        # One process gives both figures: its first solve (cold) and the
        # median of its solves (warm).  Its wall time, less the extra
        # solves (R - 1 times the median), is the one-solve process time.
        r=$(warm_reps "$(cat "$TMP/first$j")")
        "${CMD[@]}" --repeat "$r" >/dev/null 2>"$TMP/err" || return 0
        t=$(now_us)
        stat solve_time_first_s "$TMP/err" >>"$TMP/solve$j"
        w=$(stat solve_time_s "$TMP/err")
        echo "$w" >>"$TMP/warm$j"
        t=$(awk -v t="$t" -v r="$r" -v w="$w" 'BEGIN { printf "%.0f", t - (r - 1) * w * 1e6 }')
    else
        "${CMD[@]}" >"$TMP/rec" || return 0
        t=$(now_us)
        cut -d, -f12 "$TMP/rec" >>"$TMP/solve$j"
        CMD[${#CMD[@]}-1]=$(warm_reps "$(cat "$TMP/first$j")")
        if "${CMD[@]}" >"$TMP/rec"; then cut -d, -f12 "$TMP/rec" >>"$TMP/warm$j"; fi
    fi
    echo "$(( t - t0 ))e-6" >>"$TMP/wall$j"
}

# record j: the finished record of configuration j.
record() {
    local j=$1
    local warm="" n=${NRUN[j]}
    if [ "$n" -eq 0 ]; then
        echo "${HEAD[j]}"
        return
    fi
    if [ -s "$TMP/warm$j" ]; then
        warm=$(median <"$TMP/warm$j")
    else
        warm=$(median <"$TMP/solve$j")
    fi
    [ "$n" -gt 0 ] || n=1
    echo "${HEAD[j]},$(median <"$TMP/solve$j"),$(median <"$TMP/wall$j"),$warm,$n,ok,${NOTE[j]:-}"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
ROOT=$PWD
"$ODESOLVE" --version >/dev/null
echo "problem,tool,method,rtol,atol,steps,rejected,nfev,err,solve_s,process_s,warm_s,runs,status,note" >"$CSV"
# The peer drivers read problems/NAME/reference.txt from the working directory.
cd "$PEERS_DIR"
for PROB in $PROBLEMS; do
    REF=$SHARED_ABS/problems/$PROB/reference.txt
    MODEL=$SHARED_ABS/problems/$PROB/$PROB.ode
    if [ ! -f "$REF" ] || [ ! -f "$MODEL" ]; then
        echo "wp.sh: no problem $PROB in $SHARED_BENCH, skipped" >&2
        continue
    fi
    T1=$(awk '$1 == "t1" { print $2 }' "$REF")
    ETA=$(awk '$1 == "eta" { print $2 }' "$REF")
    if [ "$SAVE" = final ]; then SAVEOPT=(--save-final); else SAVEOPT=(--save-every "$T1"); fi
    KIND=(); WHO=(); TOOL=(); JIT=(); HEAD=(); NRUN=(); NOTE=()
    for jit in $JITS; do
        tool=odesolve
        [ "$jit" = tcc ] || tool=odesolve-$jit
        for m in $METHODS; do KIND+=(odesolve); WHO+=("$m"); TOOL+=("$tool"); JIT+=("$jit"); done
    done
    for pp in $PEERS; do
        case $built in
            *" ${pp%%:*}_$PROB "*) KIND+=(peer); WHO+=("$pp"); TOOL+=("${pp%%:*}"); JIT+=("") ;;
        esac
    done
    for RTOL in $TOLS; do
        ATOL=$(awk -v a="$ETA" -v b="$RTOL" 'BEGIN { printf "%.6g", a * b }')
        echo "wp.sh: $PROB rtol $RTOL" >&2
        for j in "${!KIND[@]}"; do first_run "$j"; done
        for ((k = 1; k <= REPS; k++)); do
            for j in "${!KIND[@]}"; do
                if [ "${NRUN[j]}" -ge "$k" ]; then timed_run "$j"; fi
            done
        done
        for j in "${!KIND[@]}"; do record "$j"; done | tee -a "$CSV" >&2
    done
done
cd "$ROOT"

cat <<EOF
$(nproc) cores, $(uname -m), $(date -u '+%Y-%m-%d %H:%M UTC'); load average before the run:
$load. odesolve methods: ${METHODS% } (output \`--save-$SAVE\`). C peers, built from
SHARED_BENCH=$SHARED_BENCH in $PEERS_DIR: ${PEERS}. The scipy and xppaut peers
are not installed here; the shared harness measured scipy's best method 50-180x slower
than the best C peer on small problems and 6-8x on bruss1d (../shared/bench/README.md).

Each figure is a median over $REPS fresh processes (3, or 1, for runs over $CAP s, or
$((5 * CAP)) s); the runs of one problem and rtol are interleaved, so that load on this shared
machine hits every program alike. **solve ms**: the first solve of a process (cold caches),
odesolve's \`--stats\` solve_time_first_s or the peer driver's time_s with \`--reps 1\`.
**warm ms**: the median of 5 solves repeated in one process (3 over 2 s, 1 over 10 s), as the
shared harness reports its peers: the driver's \`--reps 5\`, odesolve's \`--repeat 5\`
(solve_time_s). **process ms**: the whole process (odesolve: loading, parsing and compiling
the model too, less the extra solves of \`--repeat\`; with \`--jit cc\` the compiled object
comes from the cache, \`ODESOLVE_CACHE_DIR\`, filled by the untimed first run). err = max_i |y_i - ref_i| / (eta + |ref_i|) at t1, atol = eta * rtol.
Peer costs at odesolve's error are interpolated log-log along each peer's runs
(\`~\`: extrapolated, at most one decade); errors below the reference's accuracy
(arenstorf 1e-9, others 1e-13) count as equal to it.

EOF

# The analysis: the two bars, the full table and the plot data.
# shellcheck disable=SC2016  # awk program, not shell
awk -F, -v datadir="$W" -v tols="$TOLS" -v problems="$PROBLEMS" -v methods="$METHODS" -v peers="$PEERS" -v jits="$JITS" '
function lg(x) { return log(x) / log(10) }
function ms(x) { return x == "" ? "" : sprintf("%.3g", x * 1000) }
function efloor(p) { return p == "arenstorf" ? 1e-9 : 1e-13 }
function clampe(p, e) { return e < efloor(p) ? efloor(p) : e }
function val(p, k, r, w) {
    return w == "warm" ? WARM[p, k, r] : w == "solve" ? SOLVE[p, k, r] : NFEV[p, k, r]
}
# build(p, k, w): the front of series k on problem p for cost w, in FE/FV/FN:
# errors ascending, each point strictly cheaper than every more accurate one.
function build(p, k, w,    i, j, c, xe, xv, te, tv, m, r) {
    c = 0
    for (i = 1; i <= nt; i++) {
        r = TOL[i]
        if ((p, k, r) in ERR && ERR[p, k, r] > 0 && val(p, k, r, w) > 0) {
            c++; xe[c] = clampe(p, ERR[p, k, r] + 0); xv[c] = val(p, k, r, w) + 0
        }
    }
    for (i = 2; i <= c; i++) {
        te = xe[i]; tv = xv[i]
        for (j = i - 1; j >= 1 && (xe[j] > te || (xe[j] == te && xv[j] > tv)); j--) {
            xe[j + 1] = xe[j]; xv[j + 1] = xv[j]
        }
        xe[j + 1] = te; xv[j + 1] = tv
    }
    FN = 0; m = -1
    for (i = 1; i <= c; i++)
        if (m < 0 || xv[i] < m) { m = xv[i]; FN++; FE[FN] = xe[i]; FV[FN] = xv[i] }
    return FN
}
# interp(e): the cost along the front at error e, -1 when out of reach;
# XF is "~" when extrapolated.
function interp(e,    i, a) {
    XF = ""
    if (FN == 0) return -1
    if (e == FE[1]) return FV[1]
    if (e < FE[1]) {
        if (FN == 1 || lg(FE[1]) - lg(e) > 1) return -1
        XF = "~"; i = 1
    } else if (e >= FE[FN]) {
        if (e == FE[FN]) return FV[FN]
        if (lg(e) - lg(FE[FN]) > 1) return -1
        XF = "~"
        if (FN == 1) return FV[1]
        i = FN - 1
    } else {
        for (i = 1; i < FN - 1 && !(e < FE[i + 1]); i++) ;
    }
    a = (lg(e) - lg(FE[i])) / (lg(FE[i + 1]) - lg(FE[i]))
    return 10 ^ (lg(FV[i]) + a * (lg(FV[i + 1]) - lg(FV[i])))
}
# best_peer(p, e, w): the cheapest peer at error e for cost w; sets BP, BF.
function best_peer(p, e, w,    j, k, v, b) {
    b = -1; BP = ""; BF = ""
    for (j = 1; j <= ns[p]; j++) {
        k = SER[p, j]
        if (ISODE[k]) continue
        build(p, k, w)
        v = interp(e)
        if (v > 0 && (b < 0 || v < b)) { b = v; BP = k; BF = XF }
    }
    return b
}
# mname(k): an odesolve series name for the tables: the method, and the
# backend when it is not tcc.
function mname(k,    w) {
    split(k, w, "/")
    return w[1] == "odesolve" ? w[2] : w[2] " (" substr(w[1], 10) ")"
}
function fmtr(x) { return x < 0 ? "n/a" : sprintf("%.2f", x) }
function fmtr3(x) { return x < 0 ? "n/a" : sprintf("%.3f", x) }
NR == 1 { next }
{
    p = $1; k = $2 "/" $3; r = $4
    STATUS[p, k, r] = $14
    if ($14 != "ok") { NOTE[p, k, r] = $15; next }
    STEPS[p, k, r] = $6; REJ[p, k, r] = $7; NFEV[p, k, r] = $8; ERR[p, k, r] = $9
    SOLVE[p, k, r] = $10; PROC[p, k, r] = $11; WARM[p, k, r] = $12
}
END {
    nt = split(tols, TOL, " "); np = split(problems, PR, " ")
    # Series in a fixed order: odesolve methods, then peers.
    nm = split(methods, MS, " "); nq = split(peers, QS, " "); nj = split(jits, JS, " ")
    for (a = 1; a <= np; a++) {
        p = PR[a]; ns[p] = 0
        for (b = 1; b <= nj; b++)
            for (j = 1; j <= nm; j++) {
                k = (JS[b] == "tcc" ? "odesolve" : "odesolve-" JS[b]) "/" MS[j]
                SER[p, ++ns[p]] = k; ISODE[k] = 1
            }
        for (j = 1; j <= nq; j++) { k = QS[j]; sub(/:/, "/", k); SER[p, ++ns[p]] = k; ISODE[k] = 0 }
    }

    print "### Bar: time at equal error (best odesolve method <= 1.2x the best C peer)"
    print ""
    print "For each problem and rtol, the odesolve method with the best ratio; the C peer is the"
    print "cheapest one at that method'"'"'s error. ratio = odesolve warm / peer warm (both the"
    print "median of 5 solves in one process); 1-solve ratio = odesolve solve / peer solve, both"
    print "one solve per process (cold caches)."
    print ""
    print "| problem | rtol | odesolve method | err | warm ms | cheapest C peer at that err | peer warm ms | ratio | 1-solve ratio | <= 1.2 |"
    print "|---|---|---|---|---|---|---|---|---|---|"
    pass = 0; total = 0
    for (a = 1; a <= np; a++) {
        p = PR[a]
        for (i = 1; i <= nt; i++) {
            r = TOL[i]; bm = ""; br = -1
            for (j = 1; j <= ns[p]; j++) {
                k = SER[p, j]
                if (!ISODE[k] || !((p, k, r) in ERR) || !(ERR[p, k, r] > 0)) continue
                e = clampe(p, ERR[p, k, r] + 0)
                v = best_peer(p, e, "warm")
                if (v <= 0) continue
                q = WARM[p, k, r] / v
                if (br < 0 || q < br) { br = q; bm = k; bv = v; bp = BP; bf = BF }
            }
            if (bm == "") {
                printf "| %s | %s | | | | no peer within reach | | n/a | | |\n", p, r
                continue
            }
            e = clampe(p, ERR[p, bm, r] + 0)
            cv = best_peer(p, e, "solve")
            total++; if (br <= 1.2) pass++
            printf "| %s | %s | %s | %s | %s | %s | %s%s | %s | %s | %s |\n", p, r, mname(bm), ERR[p, bm, r],
                ms(WARM[p, bm, r]), bp, bf, ms(bv), fmtr(br),
                (cv > 0 ? fmtr(SOLVE[p, bm, r] / cv) : "n/a"), (br <= 1.2 ? "yes" : "**no**")
        }
    }
    print ""
    printf "Met at %d of %d points.\n\n", pass, total

    print "### Same rtol: fastest odesolve method against the fastest C peer"
    print ""
    print "| problem | rtol | odesolve method | err | warm ms | C peer | err | warm ms | ratio |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (a = 1; a <= np; a++) {
        p = PR[a]
        for (i = 1; i <= nt; i++) {
            r = TOL[i]; om = ""; pm = ""
            for (j = 1; j <= ns[p]; j++) {
                k = SER[p, j]
                if (!((p, k, r) in ERR)) continue
                if (ISODE[k]) { if (om == "" || WARM[p, k, r] + 0 < WARM[p, om, r] + 0) om = k }
                else if (pm == "" || WARM[p, k, r] + 0 < WARM[p, pm, r] + 0) pm = k
            }
            if (om == "" || pm == "") continue
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", p, r, mname(om), ERR[p, om, r],
                ms(WARM[p, om, r]), pm, ERR[p, pm, r], ms(WARM[p, pm, r]), WARM[p, om, r] / WARM[p, pm, r]
        }
    }
    print ""

    print "### Bar: f evaluations of dop853 / vern against GSL rk8pd at 1e-8 and 1e-10"
    print ""
    print "Same rtol (errors shown), and at equal error (rk8pd interpolated at the method'"'"'s error)."
    print ""
    print "| problem | rtol | method | nfev | err | rk8pd nfev | rk8pd err | ratio | rk8pd nfev at equal err | ratio | <= 1 (same rtol / equal err) |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    rk = "gsl/rk8pd"; nf = 0
    for (a = 1; a <= np; a++) {
        p = PR[a]
        for (i = 1; i <= nt; i++) {
            r = TOL[i]
            if (r + 0 != 1e-8 && r + 0 != 1e-10) continue
            for (j = 1; j <= ns[p]; j++) {
                k = SER[p, j]
                if (!ISODE[k] || k !~ /^odesolve[^\/]*\/(dop853|vern)/) continue
                nf++
                if (!((p, k, r) in ERR)) { printf "| %s | %s | %s | failed | | | | | | | |\n", p, r, mname(k); continue }
                same = ((p, rk, r) in ERR) ? NFEV[p, k, r] / NFEV[p, rk, r] : -1
                build(p, rk, "nfev")
                v = interp(clampe(p, ERR[p, k, r] + 0))
                eq = v > 0 ? NFEV[p, k, r] / v : -1
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", p, r, mname(k),
                    NFEV[p, k, r], ERR[p, k, r], NFEV[p, rk, r], ERR[p, rk, r], fmtr3(same),
                    (v > 0 ? XF sprintf("%.0f", v) : "n/a"), fmtr3(eq),
                    (same < 0 ? "n/a" : same <= 1 ? "yes" : "**no**"), (eq < 0 ? "n/a" : eq <= 1 ? "yes" : "**no**")
            }
        }
    }
    if (nf == 0) print "| | | no dop853 or vern method in this build | | | | | | | | |"
    print ""

    print "### All runs"
    for (a = 1; a <= np; a++) {
        p = PR[a]
        print ""
        print "#### " p
        print ""
        print "| tool | method | rtol | steps | rej | f evals | err | solve ms | warm ms | process ms |"
        print "|---|---|---|---|---|---|---|---|---|---|"
        fo = datadir "/wp_" p "_ode.dat"; fp = datadir "/wp_" p "_peer.dat"
        printf "" > fo; printf "" > fp
        for (j = 1; j <= ns[p]; j++) {
            k = SER[p, j]; split(k, tm, "/")
            f = ISODE[k] ? fo : fp; pts = ""
            for (i = 1; i <= nt; i++) {
                r = TOL[i]
                if (!((p, k, r) in STATUS)) continue
                if (STATUS[p, k, r] != "ok") {
                    printf "| %s | %s | %s | | | | failed: %s | | | |\n", tm[1], tm[2], r, NOTE[p, k, r]
                    continue
                }
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", tm[1], tm[2], r,
                    STEPS[p, k, r], REJ[p, k, r], NFEV[p, k, r], ERR[p, k, r], ms(SOLVE[p, k, r]),
                    ms(WARM[p, k, r]), ms(PROC[p, k, r])
                t = WARM[p, k, r]
                if (ERR[p, k, r] > 0 && t > 0) pts = pts sprintf("%s %s %s\n", ERR[p, k, r], t, r)
            }
            if (pts != "") printf "\"%s %s\"\n%s\n\n", tm[1], tm[2], pts > f
        }
        close(fo); close(fp)
    }
}' "$CSV"

if command -v gnuplot >/dev/null 2>&1; then
    if gnuplot -e "dir='$W'; out='$PNG'; problems='$PROBLEMS'; nm=$(echo $METHODS | wc -w)" \
        bench/wp.gp 2>"$TMP/gnuplot.log"; then
        echo "wp.sh: wrote $PNG" >&2
    else
        echo "wp.sh: gnuplot failed (see $TMP/gnuplot.log); $PNG not redrawn" >&2
    fi
else
    echo "wp.sh: gnuplot is not installed; $PNG not redrawn" >&2
fi

#!/bin/bash
# stiff.sh - the stiff benchmarks of `make bench` (issue 9's bar): odesolve's
# stiff methods against the stiff peers of the shared harness, all measured
# in this run on this machine.
#
#   bench/stiff.sh             (from the repository root; bench/run.sh calls it)
#   bench/stiff.sh --results bench/results.md [--from OUTPUT]
#                              the same, and the parts that ran replace
#                              theirs in that file (the section is appended
#                              when it has none); --from: splice the saved
#                              stdout of an earlier run instead of running
#
# Prints a Markdown section on stdout (bench/run.sh puts it in
# bench/results.md), progress on stderr; keeps the raw records in
# $O/bench/stiff/*.csv and draws bench/stiff.png with bench/stiff.gp.
# Three parts (PARTS, default "wp bruss auto"):
#   wp     work-precision on rober, vdp, hires and orego: every stiff method of
#          `odesolve --list-solvers` (and dopri5, capped, as the explicit
#          baseline) against CVODE BDF (analytic Jacobian), GSL msbdf and
#          bsimp, ARKODE DIRK and, when python3-scipy is installed, scipy's
#          BDF, Radau and LSODA;
#   bruss  the 2-D Brusselator of bench/gen_bruss2d.py on N x N grids:
#          odesolve's sparse path against CVODE BDF with its band solver
#          (bench/cvode_bruss2d.c), time at equal error and peak memory;
#   auto   `--solver auto` on every problem of the shared harness against
#          the best single odesolve method at equal error.
# Environment (defaults in brackets):
#   SHARED_BENCH  the peer harness [../shared/bench]; the wp and auto parts
#                 are skipped when it is absent.  It is read-only, so it is
#                 copied to PEERS_DIR and built there, as bench/wp.sh does.
#   PEERS_DIR     [$O/peers]      ODESOLVE [$O/odesolve]
#   PARTS         [wp bruss auto]
#   PROBLEMS      [rober vdp hires orego]     TOLS [1e-4 1e-6 1e-8 1e-10]
#   METHODS       odesolve solvers of the wp part [the stiff ones that
#                 --list-solvers prints, and dopri5]
#   PEERS         peer:method pairs [cvode:bdf gsl:msbdf gsl:bsimp
#                 arkode:dirk scipy:BDF scipy:Radau scipy:LSODA]
#   REPS          timed rounds per point, medians reported [5]
#   AUTO_REPS     the same for the auto part [3]
#   SCIPY_REPS    timed rounds for scipy (0.6 s per process) [0: the
#                 first run gives its cold figure, one --reps 5 run its warm]
#   CAP           seconds: a point whose first run is slower gets 3 rounds,
#                 one slower than 5*CAP none (its first run counts) [2]
#   MAX_STEPS     --max-steps of every odesolve run of the wp and auto
#                 parts (explicit methods on stiff problems, backeul at
#                 rtol 1e-10 give up there) [200000]
#   TIMEOUT       seconds a single run may take [300]
#   BRUSS_N       grids [32 64 128]; BRUSS_TOLS_<N> the rtols of grid N
#                 [32, 64: 1e-4 1e-6 1e-8; 128: 1e-4 1e-6]
#   BRUSS_MEM_N   grids measured for memory only [none]: every
#                 configuration once at rtol 1e-6 up to t1 = BRUSS_MEM_T1
#                 [0.1] (a short run allocates what a full one does; on a
#                 loaded machine CVODE's band LU of 128x128 takes an hour)
#   REPORT_ONLY   1: no runs, the report of PARTS from the last records
#   BRUSS_METHODS odesolve configurations, method[:linsolve[:jit]][@rtol]
#                 (@: at that rtol only) [the stiff methods of order 4-5
#                 with sparse, auto, bdf:sparse:cc (N <= 64), and
#                 dopri5@1e-6 (N <= 64) for the step ratio]
#   AUTO_PROBLEMS [every problem of SHARED_BENCH]
#   PNG           [bench/stiff.png]
#
# Timing, as bench/wp.sh: every run is a fresh process; each configuration
# runs once untimed (counts, error, peak memory from /usr/bin/time), then
# REPS rounds interleave all configurations of one problem and rtol, so
# that load on this shared machine hits all of them alike.
#   cold  one solve per process: odesolve's --stats solve_time_first_s,
#         a peer driver's time_s with --reps 1;
#   warm  the median of 5 solves in one process (3 over 2 s, 1 over
#         10 s): odesolve --repeat 5 (solve_time_s) against --reps 5.
# Error: max_i |y_i - ref_i| / (eta + |ref_i|) at t1 (the harness's
# metric), atol = eta * rtol.  At equal error a peer's cost is
# interpolated log-log along its own runs (bench/stiff.awk).
set -eu

RESULTS="" FROM=""
usage() { echo "usage: bench/stiff.sh [--results FILE [--from OUTPUT]]" >&2; exit 2; }
case "${1:-}" in
    --results) RESULTS=${2:-}; [ -n "$RESULTS" ] || usage
               case "${3:-}" in --from) FROM=${4:-}; [ -n "$FROM" ] || usage ;; "") ;; *) usage ;; esac ;;
    "") ;;
    *) usage ;;
esac
if [ -n "$RESULTS" ]; then
    # Run into a file (or take the output of an earlier run, --from),
    # then splice it between the section's markers.
    part=$(mktemp)
    trap 'rm -f "$part"' EXIT
    if [ -n "$FROM" ]; then cp "$FROM" "$part"; else "$0" >"$part"; fi
    # The parts in the new output replace their blocks; a part the file
    # lacks goes before the section's end; no section: all of it appended.
    awk -v part="$part" '
        function name(l) { sub(/^<!-- stiff-/, "", l); sub(/: (begin|end) -->$/, "", l); return l }
        BEGIN {
            while ((getline l < part) > 0) {
                if (l ~ /^<!-- stiff-[a-z]+: begin -->$/) { cur = name(l); order[++np] = cur }
                if (cur != "") blk[cur] = blk[cur] l "\n"
                if (l ~ /^<!-- stiff-[a-z]+: end -->$/) cur = ""
                all = all l "\n"
            }
            close(part)
        }
        /^<!-- stiff: begin -->$/ { insec = 1 }
        insec && /^<!-- stiff-[a-z]+: begin -->$/ {
            cur = name($0)
            if (cur in blk) { printf "%s", blk[cur]; done[cur] = 1; skip = 1; next }
        }
        skip { if ($0 ~ /^<!-- stiff-[a-z]+: end -->$/) skip = 0; next }
        insec && /^<!-- stiff: end -->$/ {
            for (i = 1; i <= np; i++) if (!(order[i] in done)) printf "%s\n", blk[order[i]]
            insec = 0; found = 1
        }
        { print }
        END { if (!found) printf "\n%s", all }' "$RESULTS" >"$part.new"
    mv "$part.new" "$RESULTS"
    cat "$part"
    echo "stiff.sh: updated $RESULTS" >&2
    exit 0
fi

O=${O:-build}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
PEERS_DIR=${PEERS_DIR:-$O/peers}
ODESOLVE=${ODESOLVE:-$O/odesolve}
PARTS=${PARTS:-wp bruss auto}
PROBLEMS=${PROBLEMS:-rober vdp hires orego}
TOLS=${TOLS:-1e-4 1e-6 1e-8 1e-10}
PEERS=${PEERS:-cvode:bdf gsl:msbdf gsl:bsimp arkode:dirk scipy:BDF scipy:Radau scipy:LSODA}
REPS=${REPS:-5}
AUTO_REPS=${AUTO_REPS:-3}
SCIPY_REPS=${SCIPY_REPS:-0}
CAP=${CAP:-2}
MAX_STEPS=${MAX_STEPS:-200000}
TIMEOUT=${TIMEOUT:-300}
BRUSS_N=${BRUSS_N-32 64 128}
BRUSS_MEM_N=${BRUSS_MEM_N:-}
BRUSS_MEM_T1=${BRUSS_MEM_T1:-0.1}
REPORT_ONLY=${REPORT_ONLY:-0}
MEMONLY=0
PNG=${PNG:-bench/stiff.png}
ROOT=$PWD
W=$O/bench/stiff
mkdir -p "$W"
W=$(cd "$W" && pwd)
# Scratch files of this run only, so that two parts can run at once.
TMP=$W/tmp.$$
rm -rf "$TMP"
mkdir -p "$TMP"

case $ODESOLVE in /*) ;; *) ODESOLVE=$ROOT/$ODESOLVE ;; esac
# Measure a copy: other people may relink $O/odesolve during the run.
cp "$ODESOLVE" "$TMP/odesolve"
ODESOLVE=$TMP/odesolve
export ODESOLVE_CACHE_DIR=$TMP/cc-cache

LIST=$("$ODESOLVE" --list-solvers | awk 'NR > 1 { print $1 }')
has_solver() { printf '%s\n' "$LIST" | grep -qx "$1"; }
# The stiff methods: every adaptive one of a family other than explicit
# (rosenbrock, implicit RK, multistep, auto), as --list-solvers says.
STIFF_NAMES=$("$ODESOLVE" --list-solvers |
    awk 'NR > 1 && $3 == "adaptive" && $4 != "explicit" { printf "%s%s", s, $1; s = " " }')
STIFF=$STIFF_NAMES
METHODS=${METHODS:-$STIFF${STIFF:+ }dopri5}
HAS_CC=0
if "$ODESOLVE" --help 2>&1 | grep -- '--jit' | grep -q '[^t]cc'; then HAS_CC=1; fi
HAS_TIME=0
if [ -x /usr/bin/time ]; then HAS_TIME=1; fi
HAS_SCIPY=0
if /usr/bin/python3 -c 'import numpy, scipy.integrate' 2>/dev/null; then HAS_SCIPY=1; fi

median() {  # median of the numbers on stdin
    sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.6g\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# now_us: microseconds since the epoch, without forking (bash 5).
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
# stat KEY FILE: the value of "KEY: value" in an odesolve --stats file.
stat() { awk -F': *' -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# err_of REF CSV T1: the error metric from the last row of an odesolve CSV
# against REF's "y VALUE" and "eta VALUE" lines.
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

# timed_runs SECONDS KIND: the timed rounds of a point, from its first run.
timed_runs() {
    local r=$REPS
    [ "$2" != scipy ] || r=$SCIPY_REPS
    [ "$MEMONLY" = 0 ] || r=0
    awk -v s="$1" -v r="$r" -v c="$CAP" 'BEGIN { print (s > 5 * c ? 0 : s > c ? (r < 3 ? r : 3) : r) }'
}
# warm_reps SECONDS: solves per process for the warm figure (5; 3 over
# 2 s; 1 over 10 s), the shared harness's rule.
warm_reps() { awk -v s="$1" 'BEGIN { print (s > 10 ? 1 : s > 2 ? 3 : 5) }'; }

# A configuration j of the current point:
#   KIND[j]  ode | peer (C driver of the harness) | scipy | cvb (cvode_bruss2d)
#   TOOL[j], LAB[j]  the record's tool and method columns
#   ARG[j]   the solver or peer method;  OPT[j] extra odesolve options
# Globals of the point: PROB, MODEL, REF, T1, RTOL, ATOL, NB (grid).
set_cmd() {
    local j=$1
    case ${KIND[j]} in
    ode)
        # shellcheck disable=SC2206  # OPT is a list of words
        CMD=("$ODESOLVE" "$MODEL" --solver "${ARG[j]}" --rtol "$RTOL" --atol "$ATOL"
             --t1 "$T1" --save-final --stats ${OPT[j]}) ;;
    peer) CMD=("bin/${TOOL[j]}_$PROB" --method "${ARG[j]}" --rtol "$RTOL" --reps 1) ;;
    scipy) CMD=(/usr/bin/python3 scripts/scipy_drv.py --prob "$PROB" --method "${ARG[j]}"
                --rtol "$RTOL" --reps 1) ;;
    cvb) CMD=("$TMP/cvode_bruss2d" --n "$NB" --method "${ARG[j]}" --rtol "$RTOL" --atol "$ATOL"
              --ref "$REF" --t1 "$T1" --reps 1) ;;
    esac
}

# first_run j: the untimed run; sets HEAD[j] (the record's fields up to
# err, then the peak memory) and NRUN[j] (0: failed, -1: too slow to repeat).
first_run() {
    local j=$1 t0 t rec e rss="" f r
    set_cmd "$j"
    : >"$TMP/solve$j"; : >"$TMP/wall$j"; : >"$TMP/warm$j"; : >"$TMP/rss"
    NRUN[j]=0; NOTE[j]=""
    local pre=(timeout "$TIMEOUT")
    [ "$HAS_TIME" = 0 ] || pre=(/usr/bin/time -f %M -o "$TMP/rss" timeout "$TIMEOUT")
    t0=$(now_us)
    if [ "${KIND[j]}" = ode ]; then
        if ! "${pre[@]}" "${CMD[@]}" >"$TMP/out" 2>"$TMP/err"; then
            # The note: odesolve's last message, else the first line that
            # is not a statistic.
            f=$(grep '^odesolve: ' "$TMP/err" | tail -n 1)
            [ -n "$f" ] || f=$(grep -v -E '^[a-z_]+: ' "$TMP/err" | head -n 1)
            HEAD[j]="$PROB,${TOOL[j]},${LAB[j]},$RTOL,$ATOL,,,,,,,,,,,0,failed,$(echo "$f" | tr -d ',|' | cut -c1-100)"
            return
        fi
        t=$(now_us)
        e=nan
        [ "$MEMONLY" = 1 ] || e=$(err_of "$REF" "$TMP/out" "$T1") || e=nan
        f="$(stat steps "$TMP/err"),$(stat rejected "$TMP/err"),$(stat nfev "$TMP/err"),$(stat njev "$TMP/err"),$(stat nlu "$TMP/err")"
        HEAD[j]="$PROB,${TOOL[j]},${LAB[j]},$RTOL,$ATOL,$f,$e"
        NOTE[j]=$(stat linsolve "$TMP/err")
        stat solve_time_s "$TMP/err" >"$TMP/first$j"
    else
        rec=$("${pre[@]}" "${CMD[@]}" 2>"$TMP/err") || true
        t=$(now_us)
        IFS=, read -r -a f <<<"$rec"
        if [ "${#f[@]}" -lt 14 ] || [ "${f[13]}" != 0 ]; then
            HEAD[j]="$PROB,${TOOL[j]},${LAB[j]},$RTOL,,,,,,,,,,,,0,failed,$(echo "${f[14]:-no record}" | tr -d ',')"
            return
        fi
        # scipy reports no rejected steps (-1).
        [ "${f[6]}" != -1 ] || f[6]=""
        HEAD[j]="$PROB,${TOOL[j]},${LAB[j]},$RTOL,${f[4]},${f[5]},${f[6]},${f[7]},${f[8]},${f[9]},${f[10]}"
        NOTE[j]=$(echo "${f[14]:-}" | tr -d ',')
        echo "${f[11]}" >"$TMP/first$j"
    fi
    [ ! -s "$TMP/rss" ] || rss=$(tail -n 1 "$TMP/rss")
    HEAD[j]="${HEAD[j]},RSS:$rss"
    NRUN[j]=$(timed_runs "$(cat "$TMP/first$j")" "${KIND[j]}")
    if [ "${NRUN[j]}" -eq 0 ]; then
        # Too slow to repeat (or no rounds asked): the first run counts,
        # and one more process gives a peer's warm figure when the
        # harness's rule repeats the solve at all.
        cp "$TMP/first$j" "$TMP/solve$j"
        echo "$(( t - t0 ))e-6" >"$TMP/wall$j"
        NRUN[j]=-1
        r=$(warm_reps "$(cat "$TMP/first$j")")
        if [ "${KIND[j]}" != ode ] && [ "$r" -gt 1 ] && [ "$MEMONLY" = 0 ]; then
            CMD[${#CMD[@]}-1]=$r
            if rec=$(timeout "$TIMEOUT" "${CMD[@]}" 2>/dev/null); then
                echo "$rec" | cut -d, -f12 >"$TMP/warm$j"
            fi
        fi
    fi
}

# timed_run j: one timed round: the cold solve, the warm median and the
# process wall time.
timed_run() {
    local j=$1 t0 t r w
    set_cmd "$j"
    r=$(warm_reps "$(cat "$TMP/first$j")")
    t0=$(now_us)
    if [ "${KIND[j]}" = ode ]; then
        # One process gives both figures: its first solve (cold) and the
        # median of its solves (warm); its wall time less the extra solves
        # is the one-solve process time.
        timeout "$TIMEOUT" "${CMD[@]}" --repeat "$r" >/dev/null 2>"$TMP/err" || return 0
        t=$(now_us)
        stat solve_time_first_s "$TMP/err" >>"$TMP/solve$j"
        w=$(stat solve_time_s "$TMP/err")
        echo "$w" >>"$TMP/warm$j"
        t=$(awk -v t="$t" -v r="$r" -v w="$w" 'BEGIN { printf "%.0f", t - (r - 1) * w * 1e6 }')
    else
        timeout "$TIMEOUT" "${CMD[@]}" >"$TMP/rec" 2>/dev/null || return 0
        t=$(now_us)
        cut -d, -f12 "$TMP/rec" >>"$TMP/solve$j"
        CMD[${#CMD[@]}-1]=$r
        if timeout "$TIMEOUT" "${CMD[@]}" >"$TMP/rec" 2>/dev/null; then
            cut -d, -f12 "$TMP/rec" >>"$TMP/warm$j"
        fi
    fi
    echo "$(( t - t0 ))e-6" >>"$TMP/wall$j"
}

# record j: the finished CSV record of configuration j.
record() {
    local j=$1 warm n=${NRUN[j]} head=${HEAD[j]} rss
    if [ "$n" -eq 0 ]; then
        echo "$head"
        return
    fi
    rss=${head##*,RSS:}; head=${head%,RSS:*}
    if [ -s "$TMP/warm$j" ]; then warm=$(median <"$TMP/warm$j"); else warm=$(median <"$TMP/solve$j"); fi
    [ "$n" -gt 0 ] || n=1
    echo "$head,$(median <"$TMP/solve$j"),$(median <"$TMP/wall$j"),$warm,$rss,$n,ok,${NOTE[j]:-}"
}

# measure CSV TOLS...: every configuration at every rtol of the current
# problem, interleaved, records appended to CSV.
measure() {
    local csv=$1 j k; shift
    for RTOL in "$@"; do
        ATOL=$(awk -v a="$ETA" -v b="$RTOL" 'BEGIN { printf "%.6g", a * b }')
        echo "stiff.sh: $PROB rtol $RTOL" >&2
        local js=()
        for j in "${!KIND[@]}"; do
            if [ -z "${ONLY[j]}" ] || [ "${ONLY[j]}" = "$RTOL" ]; then js+=("$j"); fi
        done
        for j in "${js[@]}"; do first_run "$j"; done
        local most=0
        for j in "${js[@]}"; do [ "${NRUN[j]}" -le "$most" ] || most=${NRUN[j]}; done
        for ((k = 1; k <= most; k++)); do
            for j in "${js[@]}"; do
                if [ "${NRUN[j]}" -ge "$k" ]; then timed_run "$j"; fi
            done
        done
        for j in "${js[@]}"; do record "$j"; done | tee -a "$csv" >&2
    done
}

# add KIND TOOL LABEL ARG [OPT [RTOL]]: one more configuration, run at
# every rtol of the point or only at RTOL.
add() { KIND+=("$1"); TOOL+=("$2"); LAB+=("$3"); ARG+=("$4"); OPT+=("${5:-}"); ONLY+=("${6:-}"); }
reset_configs() { KIND=(); TOOL=(); LAB=(); ARG=(); OPT=(); ONLY=(); HEAD=(); NRUN=(); NOTE=(); }

# is_stiff NAME: NAME is one of the stiff methods.
is_stiff() { case " $STIFF_NAMES " in *" $1 "*) return 0 ;; esac; return 1; }

# problem_setup NAME: PROB, MODEL, REF, T1, ETA of a shared problem.
problem_setup() {
    PROB=$1
    REF=$SHARED_ABS/problems/$PROB/reference.txt
    MODEL=$SHARED_ABS/problems/$PROB/$PROB.ode
    [ -f "$REF" ] && [ -f "$MODEL" ] || return 1
    T1=$(awk '$1 == "t1" { print $2 }' "$REF")
    ETA=$(awk '$1 == "eta" { print $2 }' "$REF")
}

HEADER="problem,tool,method,rtol,atol,steps,rejected,nfev,njev,nlu,err,solve_s,process_s,warm_s,maxrss_kb,runs,status,note"
"$ODESOLVE" --version >/dev/null
WP_CSV=$W/wp.csv
BR_CSV=$W/bruss.csv
AU_CSV=$W/auto.csv
for f in "$WP_CSV" "$BR_CSV" "$AU_CSV"; do [ -f "$f" ] || echo "$HEADER" >"$f"; done
REV="$(git rev-parse --short HEAD 2>/dev/null || echo 'no git')$(git diff --quiet HEAD 2>/dev/null || echo ', with uncommitted changes')"
# part_begin PART CSV: a fresh record file and the part's run notes.
part_begin() {
    echo "$HEADER" >"$2"
    printf '%s|%s' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)" >"$W/meta_$1"
    echo "$REV" >"$W/meta_$1.rev"
}
# part_end PART: the load after the part, for its notes.
part_end() { printf '|%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$W/meta_$1"; RAN="$RAN $1"; }
RAN=""

SHARED_OK=0
if [ -d "$SHARED_BENCH/problems" ] && [[ " $PARTS " == *" wp "* || " $PARTS " == *" auto "* ]]; then
    SHARED_OK=1
    SHARED_ABS=$(cd "$SHARED_BENCH" && pwd)
    mkdir -p "$PEERS_DIR"
    PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
    # -p keeps the timestamps (make rebuilds only what changed) and the
    # read-only modes, hence the chmod.
    cp -Rp "$SHARED_ABS"/. "$PEERS_DIR"/
    chmod -R u+w "$PEERS_DIR"
elif [[ " $PARTS " == *" wp "* || " $PARTS " == *" auto "* ]]; then
    echo "stiff.sh: SHARED_BENCH=$SHARED_BENCH not found, wp and auto parts skipped" >&2
fi

# build_peer BIN: make one peer driver in PEERS_DIR; false when it fails.
build_peer() {
    make -s -C "$PEERS_DIR" "bin/$1" >"$TMP/make.log" 2>&1 && return 0
    echo "stiff.sh: cannot build peer $1 (see $TMP/make.log), skipped" >&2
    return 1
}

# Part wp: stiff work-precision against the peers.
if [ "$SHARED_OK" = 1 ] && [[ " $PARTS " == *" wp "* ]] && [ "$REPORT_ONLY" = 0 ]; then
    part_begin wp "$WP_CSV"
    cd "$PEERS_DIR"
    for p in $PROBLEMS; do
        problem_setup "$p" || { echo "stiff.sh: no problem $p, skipped" >&2; continue; }
        reset_configs
        for m in $METHODS; do
            if has_solver "$m"; then add ode odesolve "$m" "$m" "--max-steps $MAX_STEPS"; fi
        done
        for pp in $PEERS; do
            t=${pp%%:*}
            if [ "$t" = scipy ]; then
                [ "$HAS_SCIPY" = 0 ] || add scipy scipy "${pp#*:}" "${pp#*:}"
            elif build_peer "${t}_$p"; then
                add peer "$t" "${pp#*:}" "${pp#*:}"
            fi
        done
        # shellcheck disable=SC2086  # TOLS is a list
        measure "$WP_CSV" $TOLS
    done
    cd "$ROOT"
    part_end wp
fi

# Part bruss: the 2-D Brusselator on N x N grids.
if [[ " $PARTS " == *" bruss "* ]] && [ "$REPORT_ONLY" = 0 ]; then
    part_begin bruss "$BR_CSV"
    cc -O2 -o "$TMP/cvode_bruss2d" bench/cvode_bruss2d.c -lsundials_cvode -lsundials_nvecserial \
        -lsundials_sunlinsolband -lsundials_sunmatrixband -lm 2>"$TMP/cc.log" ||
        echo "stiff.sh: cannot build bench/cvode_bruss2d.c (see $TMP/cc.log)" >&2
    for NB in $BRUSS_N ${BRUSS_MEM_N:+mem $BRUSS_MEM_N}; do
        if [ "$NB" = mem ]; then MEMONLY=1; continue; fi
        REF=$ROOT/bench/bruss2d/ref_$NB.txt
        if [ ! -f "$REF" ]; then
            echo "stiff.sh: no $REF (bench/bruss2d_ref.sh $NB makes it), N=$NB skipped" >&2
            continue
        fi
        PROB=bruss2d_$NB; MODEL=$TMP/bruss2d_$NB.ode; T1=11.5; ETA=1
        [ "$MEMONLY" = 0 ] || T1=$BRUSS_MEM_T1
        /usr/bin/python3 bench/gen_bruss2d.py "$NB" >"$MODEL"
        reset_configs
        if [ -n "${BRUSS_METHODS:-}" ]; then
            bm=$BRUSS_METHODS
        else
            # The higher-order stiff methods on the sparse path (the
            # low-order ones are far slower at these tolerances), bdf also
            # with --jit cc where its compile is short enough, and dopri5
            # for the explicit step count.
            bm=""
            for m in $STIFF; do
                case $m in backeul|trapezoid|ros23|kvaerno3) continue ;; auto) bm="$bm auto" ;; *) bm="$bm $m:sparse" ;; esac
            done
            if has_solver bdf && [ "$HAS_CC" = 1 ] && [ "$NB" -le 64 ]; then bm="$bm bdf:sparse:cc"; fi
            # Its steps are bound by stability, the same at every rtol:
            # one rtol gives the ratio (on 128x128 one solve takes minutes).
            [ "$NB" -gt 64 ] || [ "$MEMONLY" = 1 ] || bm="$bm dopri5@1e-6"
        fi
        for c in $bm; do
            only=""
            case $c in *@*) only=${c#*@}; c=${c%@*} ;; esac
            IFS=: read -r m ls jit <<<"$c"
            has_solver "$m" || continue
            o="" l=$m
            [ -z "$ls" ] || { o="--linsolve $ls"; l="$m $ls"; }
            [ -z "$jit" ] || { o="$o --jit $jit"; l="$l $jit"; }
            is_stiff "$m" || o="$o --max-steps 2000000"
            add ode odesolve "$l" "$m" "$o" "$only"
        done
        [ ! -x "$TMP/cvode_bruss2d" ] || add cvb cvode "bdf band" bdf
        v=BRUSS_TOLS_$NB
        bt=${!v:-}
        [ -n "$bt" ] || { if [ "$NB" -ge 128 ]; then bt="1e-4 1e-6"; else bt="1e-4 1e-6 1e-8"; fi; }
        [ "$MEMONLY" = 0 ] || bt=1e-6
        # shellcheck disable=SC2086  # a list
        measure "$BR_CSV" $bt
    done
    MEMONLY=0
    part_end bruss
fi

# Part auto: --solver auto against the best single method, every problem.
if [ "$SHARED_OK" = 1 ] && [[ " $PARTS " == *" auto "* ]] && [ "$REPORT_ONLY" = 0 ]; then
    part_begin auto "$AU_CSV"
    if ! has_solver auto; then
        echo "stiff.sh: no --solver auto in this build, auto part skipped" >&2
    else
        EXPLICIT=""
        for m in bosh3 dopri5 tsit5 vern7 vern9 dop853; do
            if has_solver "$m"; then EXPLICIT="$EXPLICIT $m"; fi
        done
        AUTO_PROBLEMS=${AUTO_PROBLEMS:-$(cd "$SHARED_ABS/problems" && ls)}
        cd "$PEERS_DIR"
        wp_reps=$REPS
        REPS=$AUTO_REPS
        for p in $AUTO_PROBLEMS; do
            problem_setup "$p" || continue
            # The wp part measured the stiff problems with the same methods.
            case " $PROBLEMS " in *" $p "*) [[ " $PARTS " != *" wp "* ]] || continue ;; esac
            reset_configs
            add ode odesolve auto auto "--max-steps $MAX_STEPS"
            for m in $STIFF $EXPLICIT; do
                [ "$m" = auto ] || add ode odesolve "$m" "$m" "--max-steps $MAX_STEPS"
            done
            # shellcheck disable=SC2086  # TOLS is a list
            measure "$AU_CSV" $TOLS
        done
        REPS=$wp_reps
        cd "$ROOT"
        # The stiff problems' records of the wp part, odesolve's only.
        [ ! -f "$WP_CSV" ] || awk -F, 'NR > 1 && $2 == "odesolve"' "$WP_CSV" >>"$AU_CSV"
        part_end auto
    fi
fi

cat <<EOF
<!-- stiff: begin -->
## Stiff problems (issue 9)

Generated by bench/stiff.sh on $(nproc) cores, $(uname -m). The machine is shared with other
busy processes (see each part's load average), so absolute times drift; compare the ratios,
which come from runs interleaved within one run of a part. Each part says when it ran; a
part can be rerun alone (\`PARTS=bruss bench/stiff.sh --results bench/results.md\`).

Each figure is a median over the part's rounds of fresh processes (3 or 0 rounds for runs
over $CAP s or $((5 * CAP)) s; scipy: its first run for cold, one more process for warm).
**cold**: one solve per process (odesolve's \`--stats\` solve_time_first_s, the peer's time_s
with \`--reps 1\`). **warm**: the median of 5 solves in one process (3 over 2 s, 1 over 10 s):
odesolve \`--repeat 5\`, the peers' \`--reps 5\`. err = max_i |y_i - ref_i| / (eta + |ref_i|)
at t1, atol = eta * rtol. A peer's time at odesolve's error is interpolated log-log along the
peer's runs (\`~\`: extrapolated, at most one decade). maxrss: peak resident memory of the
first process (\`/usr/bin/time -f %M\`).

![stiff work-precision: error at t1 against warm solve time]($(basename "$PNG"))

EOF

if [ "$REPORT_ONLY" = 1 ]; then
    for part in $PARTS; do [ ! -f "$W/meta_$part" ] || RAN="$RAN $part"; done
fi
# The parts that ran, each between its own markers.
for part in $RAN; do
    IFS='|' read -r when lb la <"$W/meta_$part"
    rev=$REV
    [ ! -s "$W/meta_$part.rev" ] || rev=$(cat "$W/meta_$part.rev")
    echo "<!-- stiff-$part: begin -->"
    case $part in
    wp) echo "### Work-precision: rober, vdp, hires, orego" ;;
    bruss) echo "### 2-D Brusselator: the sparse path against CVODE's band solver" ;;
    auto) echo "### --solver auto against the best single method" ;;
    esac
    echo
    echo "Run $when, odesolve $("$ODESOLVE" --version | awk '{ print $2 }') ($rev); load average $lb before, $la after."
    echo "Stiff odesolve methods in this build: ${STIFF:-none}."
    case $part in
    wp) echo "Methods: ${METHODS} (each capped at --max-steps $MAX_STEPS); peers: $PEERS$( [ "$HAS_SCIPY" = 1 ] || echo " (scipy not installed: skipped)"), built from SHARED_BENCH=$SHARED_BENCH; rounds: $REPS." ;;
    bruss) echo "Grids: ${BRUSS_N:-none}${BRUSS_MEM_N:+; memory only (to t1 = $BRUSS_MEM_T1): $BRUSS_MEM_N}; rounds: $REPS." ;;
    auto) echo "Problems: every one of SHARED_BENCH=$SHARED_BENCH; methods: auto and every other adaptive one; rounds: $AUTO_REPS (the stiff problems' figures are the wp part's)." ;;
    esac
    echo
    awk -F, -f bench/stiff.awk -v datadir="$W" -v stiff="$STIFF" -v only="$part" \
        "$WP_CSV" "$BR_CSV" "$AU_CSV" 2>"$TMP/awk.log" ||
        echo "stiff.sh: the report failed (see $TMP/awk.log)" >&2
    echo "<!-- stiff-$part: end -->"
    echo
done

# The plot: every panel with data, from this run or an earlier one.
panels=""
for p in $PROBLEMS $(for n in $BRUSS_N; do echo "bruss2d_$n"; done); do
    if [ -s "$W/wp_${p}_ode.dat" ] || [ -s "$W/wp_${p}_peer.dat" ]; then panels="$panels $p"; fi
done
if command -v gnuplot >/dev/null 2>&1 && [ -n "$panels" ]; then
    if gnuplot -e "dir='$W'; out='$PNG'; panels='${panels# }'" bench/stiff.gp 2>"$TMP/gnuplot.log"; then
        echo "stiff.sh: wrote $PNG" >&2
    else
        echo "stiff.sh: gnuplot failed (see $TMP/gnuplot.log); $PNG not redrawn" >&2
    fi
fi
echo "<!-- stiff: end -->"

#!/bin/bash
# bruss2d_ref.sh - the reference solutions y(11.5) of the 2-D Brusselator
# of bench/gen_bruss2d.py, written to bench/bruss2d/ref_N.txt.  Run once
# (from the repository root); bench/stiff.sh reads the files it wrote.
#
#   bench/bruss2d_ref.sh [N...]          (default: 32 64 128; minutes)
#
# The reference is odesolve's dop853 at rtol = atol = 1e-13 (the step is
# bound by stability there, so the error is far below the tolerance),
# printed with 17 digits.  Two checks are written into the file's header:
# vern9 at the same tolerance (another method and error estimator) and
# SUNDIALS CVODE BDF (bench/cvode_bruss2d.c, analytic Jacobian) at
# rtol 1e-10, an independent code; at N = 32, where the grid equals
# ../shared/bench/problems/bruss2d, also the shared harness's GSL rk8pd
# reference.  The differences use the harness's metric,
# max_i |y_i - r_i| / (1 + |r_i|).
# Environment: O [build], ODESOLVE [$O/odesolve], SHARED_BENCH
# [../shared/bench], JIT [cc: the long solves run faster; tcc also works],
# CHECKS [vern9 cvode: the cross-checks to run; at N = 128 each takes
# 10-20 minutes of one core], REUSE [0; 1: take the dop853 solution of an
# earlier run from $O/bench/bruss2d_ref when it is there].
set -eu
O=${O:-build}
ODESOLVE=${ODESOLVE:-$O/odesolve}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
JIT=${JIT:-cc}
CHECKS=${CHECKS-vern9 cvode}
REUSE=${REUSE:-0}
W=$O/bench/bruss2d_ref
OUT=bench/bruss2d
mkdir -p "$W" "$OUT"
export ODESOLVE_CACHE_DIR=$W/cc-cache

cc -O2 -o "$W/cvode_bruss2d" bench/cvode_bruss2d.c -lsundials_cvode \
    -lsundials_nvecserial -lsundials_sunlinsolband -lsundials_sunmatrixband -lm

# diff_of A B: the metric between two "y VALUE" files (B is the reference).
diff_of() {
    paste -d' ' "$1" "$2" | awk '
        { d = $2 - $4; if (d < 0) d = -d; r = $4 < 0 ? -$4 : $4
          q = d / (1 + r); if (!(q <= e)) e = q }
        END { printf "%.2e\n", e }'
}

# final_of CSV: the last row of an odesolve CSV as "y VALUE" lines.
final_of() {
    tail -n 1 "$1" | tr , '\n' | tail -n +2 | awk '{ printf "y %s\n", $1 }'
}

for n in ${*:-32 64 128}; do
    m=$W/b$n.ode
    /usr/bin/python3 bench/gen_bruss2d.py "$n" >"$m"
    if [ "$REUSE" = 0 ] || [ ! -s "$W/ref_$n.y" ] || [ ! -s "$W/dop853_$n.stats" ]; then
        echo "bruss2d_ref: N=$n dop853" >&2
        "$ODESOLVE" "$m" --solver dop853 --rtol 1e-13 --atol 1e-13 --jit "$JIT" \
            --save-final --stats >"$W/dop853_$n.csv" 2>"$W/dop853_$n.stats"
        final_of "$W/dop853_$n.csv" >"$W/ref_$n.y"
    fi
    t_dop=$(awk -F': *' '$1 == "solve_time_s" { printf "%.1f", $2 }' "$W/dop853_$n.stats")
    case " $CHECKS " in *" vern9 "*)
        echo "bruss2d_ref: N=$n vern9" >&2
        "$ODESOLVE" "$m" --solver vern9 --rtol 1e-13 --atol 1e-13 --jit "$JIT" \
            --save-final >"$W/vern9_$n.csv"
        final_of "$W/vern9_$n.csv" >"$W/vern9_$n.y" ;;
    esac
    case " $CHECKS " in *" cvode "*)
        echo "bruss2d_ref: N=$n cvode" >&2
        "$W/cvode_bruss2d" --n "$n" --rtol 1e-10 --reps 1 --yfinal "$W/cvode_$n.y" >/dev/null ;;
    esac
    {
        echo "# reference y(11.5) of the 2-D Brusselator, N=$n ($((2 * n * n)) unknowns, alpha=0.1),"
        echo "# model: bench/gen_bruss2d.py $n; written by bench/bruss2d_ref.sh on $(date -u '+%Y-%m-%d')"
        echo "# source: odesolve $("$ODESOLVE" --version | awk '{ print $2 }') dop853 rtol=atol=1e-13 (--jit $JIT), $(awk -F': *' '$1 == "steps" { print $2 }' "$W/dop853_$n.stats") steps, solve ${t_dop} s"
        echo "# metric: max_i |y_i - r_i| / (1 + |r_i|)"
        case " $CHECKS " in *" vern9 "*)
            echo "# cross-check odesolve vern9 rtol=atol=1e-13     diff = $(diff_of "$W/vern9_$n.y" "$W/ref_$n.y")" ;;
        esac
        case " $CHECKS " in *" cvode "*)
            echo "# cross-check CVODE BDF band rtol=atol=1e-10     diff = $(diff_of "$W/cvode_$n.y" "$W/ref_$n.y")" ;;
        esac
        [ -n "$CHECKS" ] || echo "# no cross-check run (CHECKS empty)"
        if [ "$n" = 32 ] && [ -f "$SHARED_BENCH/problems/bruss2d/reference.txt" ]; then
            grep '^y ' "$SHARED_BENCH/problems/bruss2d/reference.txt" >"$W/shared_32.y"
            echo "# cross-check ../shared/bench bruss2d (GSL rk8pd rtol=1e-14) diff = $(diff_of "$W/ref_$n.y" "$W/shared_32.y")"
        fi
        echo "problem bruss2d_$n"
        echo "t1 11.5"
        echo "eta 1"
        cat "$W/ref_$n.y"
    } >"$OUT/ref_$n.txt"
    echo "bruss2d_ref: wrote $OUT/ref_$n.txt" >&2
done

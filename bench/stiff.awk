# stiff.awk - one part of bench/stiff.sh's report: Markdown on stdout, and
# the part's plot data (DATADIR/wp_PANEL_{ode,peer}.dat) for stiff.gp.
#   awk -F, -f bench/stiff.awk -v datadir=DIR -v stiff="bdf radau5 ..." \
#       -v only=wp|bruss|auto wp.csv bruss.csv auto.csv
# The three files hold records of the same form (bench/stiff.sh's HEADER);
# the file's position (1 wp, 2 bruss, 3 auto) keeps their runs apart.
# Series are tool/method; odesolve's are "odesolve/...".
# At equal error (as in bench/wp.sh): a series' front is its runs sorted by
# error, each kept only when cheaper than every more accurate one; its cost
# at an error e is interpolated log-log between the two runs around e, and
# extrapolated (marked ~) at most one decade past its ends.  Errors below
# what the reference resolves (arenstorf: 1e-9; others 1e-13) count as equal.

function lg(x) { return log(x) / log(10) }
function ms(x) { return x == "" ? "" : sprintf("%.3g", x * 1000) }
function efloor(p) { return p == "arenstorf" ? 1e-9 : 1e-13 }
function clampe(p, e) { return e < efloor(p) ? efloor(p) : e }
function val(f, p, k, r, w) {
    return w == "warm" ? WARM[f, p, k, r] : SOLVE[f, p, k, r]
}
function isode(k) { return substr(k, 1, 9) == "odesolve/" }
function mname(k) { return isode(k) ? substr(k, 10) : k }
function isstiff(k,    m) {
    if (!isode(k)) return 0
    m = substr(k, 10); sub(/ .*/, "", m)
    return (" " stiff " ") ~ (" " m " ")
}
function fmtr(x) { return x < 0 ? "n/a" : sprintf("%.2f", x) }

# build(f, p, k, w): the front of series k for cost w into FE/FV/FN.
function build(f, p, k, w,    i, j, c, n, xe, xv, te, tv, m, r, rl) {
    c = 0
    n = split(RTS[f, p, k], rl, " ")
    for (i = 1; i <= n; i++) {
        r = rl[i]
        if ((f, p, k, r) in ERR && ERR[f, p, k, r] > 0 && val(f, p, k, r, w) > 0) {
            c++; xe[c] = clampe(p, ERR[f, p, k, r] + 0); xv[c] = val(f, p, k, r, w) + 0
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
# interp(e): the cost along the front at error e, -1 out of reach; XF "~"
# when extrapolated.
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
# best_of(f, p, e, w, sel, skip): the cheapest series at error e for cost
# w among sel ("peer": the peers; "ode": odesolve's, skip excluded);
# sets BK, BF.
function best_of(f, p, e, w, sel, skip,    j, k, v, b) {
    b = -1; BK = ""; BF = ""
    for (j = 1; j <= NS[f, p]; j++) {
        k = SER[f, p, j]
        if (k == skip || (sel == "peer") == isode(k)) continue
        build(f, p, k, w)
        v = interp(e)
        if (v > 0 && (b < 0 || v < b)) { b = v; BK = k; BF = XF }
    }
    return b
}
# bestode(f, p, r, w, only_stiff): the odesolve series whose ratio to the
# best peer at its own error is lowest, at rtol r, cost w; returns the
# ratio (-1: none), sets OK_ (series), OV (its cost), OP (peer), OPV, OPF.
function bestode(f, p, r, w, only_stiff,    j, k, e, v, q, br) {
    br = -1; OK_ = ""
    for (j = 1; j <= NS[f, p]; j++) {
        k = SER[f, p, j]
        if (!isode(k) || (only_stiff && !isstiff(k))) continue
        if (!((f, p, k, r) in ERR) || !(ERR[f, p, k, r] > 0)) continue
        e = clampe(p, ERR[f, p, k, r] + 0)
        v = best_of(f, p, e, w, "peer", "")
        if (v <= 0) continue
        q = val(f, p, k, r, w) / v
        if (br < 0 || q < br) { br = q; OK_ = k; OV = val(f, p, k, r, w); OP = BK; OPV = v; OPF = BF }
    }
    return br
}

# all_runs(f, p): the table of every run of problem p, and its plot data.
function all_runs(f, p,    j, k, i, n, r, rl, fo, fpe, pts, rss) {
    print ""
    print "| tool | method | rtol | steps | rej | f evals | J evals | LUs | err | cold ms | warm ms | process ms | maxrss MB |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    fo = datadir "/wp_" p "_ode.dat"; fpe = datadir "/wp_" p "_peer.dat"
    printf "" > fo; printf "" > fpe
    for (j = 1; j <= NS[f, p]; j++) {
        k = SER[f, p, j]; pts = ""
        n = split(RTS[f, p, k], rl, " ")
        for (i = 1; i <= n; i++) {
            r = rl[i]
            if (STATUS[f, p, k, r] != "ok") {
                printf "| %s | %s | %s | | | | | | failed: %s | | | | |\n", TL[k], ML[k], r, NOTE[f, p, k, r]
                continue
            }
            rss = RSS[f, p, k, r] == "" ? "" : sprintf("%.1f", RSS[f, p, k, r] / 1024)
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", TL[k], ML[k], r,
                STEPS[f, p, k, r], REJ[f, p, k, r], NFEV[f, p, k, r], NJEV[f, p, k, r], NLU[f, p, k, r],
                ERR[f, p, k, r], ms(SOLVE[f, p, k, r]), ms(WARM[f, p, k, r]), ms(PROC[f, p, k, r]), rss
            if (ERR[f, p, k, r] > 0 && WARM[f, p, k, r] > 0)
                pts = pts sprintf("%s %s %s\n", ERR[f, p, k, r], WARM[f, p, k, r], r)
        }
        if (pts != "") printf "\"%s\"\n%s\n\n", (isode(k) ? mname(k) : k), pts > (isode(k) ? fo : fpe)
    }
    close(fo); close(fpe)
}

FNR == 1 { fi++; next }
$1 == "" { next }
{
    p = $1; k = $2 "/" $3; r = $4
    if (!((fi, p) in NS)) { NS[fi, p] = 0; NP[fi]++; PR[fi, NP[fi]] = p }
    if (!((fi, p, k) in RTS)) { SER[fi, p, ++NS[fi, p]] = k; RTS[fi, p, k] = "" }
    if (!((fi, p, k, r) in STATUS)) RTS[fi, p, k] = RTS[fi, p, k] (RTS[fi, p, k] == "" ? "" : " ") r
    TL[k] = $2; ML[k] = $3
    STATUS[fi, p, k, r] = $17
    if ($17 != "ok") { NOTE[fi, p, k, r] = $18; next }
    STEPS[fi, p, k, r] = $6; REJ[fi, p, k, r] = $7; NFEV[fi, p, k, r] = $8
    # An error that is not a positive number (nan, -1: none measured) is
    # left out, so that string comparisons never see it.
    NJEV[fi, p, k, r] = $9; NLU[fi, p, k, r] = $10; ERR[fi, p, k, r] = ($11 ~ /^[0-9]/ && $11 + 0 > 0) ? $11 : ""
    SOLVE[fi, p, k, r] = $12; PROC[fi, p, k, r] = $13; WARM[fi, p, k, r] = $14; RSS[fi, p, k, r] = $15
}
END {
    if (only == "wp" && NP[1] > 0) wp_part()
    if (only == "bruss" && NP[2] > 0) bruss_part()
    if (only == "auto" && NP[3] > 0) auto_part()
}

function wp_part(    a, p, i, j, k, r, n, rl, qw, qc, only, pass, total, ww, wc, okw, okc) {
    only = stiff != ""
    print "#### Bar: best stiff method against the best peer at equal error"
    print ""
    if (!only)
        print "**No stiff method in this build**: the rows compare what there is (dopri5, capped) with the peers.\n"
    print "For each problem and rtol, the odesolve " (only ? "stiff " : "") "method with the lowest ratio; the peer is the"
    print "cheapest one (CVODE, GSL, ARKODE, scipy) at that method's error, interpolated along its runs."
    print "warm = median of 5 solves in one process on both sides; cold = one solve per process."
    print "Bar: ratio <= 1 (odesolve no slower) warm and cold."
    print ""
    print "| problem | rtol | warm: method | err | ms | best peer at that err | ms | ratio | cold: method | err | ms | best peer | ms | ratio | <= 1 |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    pass = 0; total = 0
    for (a = 1; a <= NP[1]; a++) {
        p = PR[1, a]
        split("", seen)
        for (j = 1; j <= NS[1, p]; j++) {
            n = split(RTS[1, p, SER[1, p, j]], rl, " ")
            for (i = 1; i <= n; i++) if (!(rl[i] in seen)) { seen[rl[i]] = 1; ORD[++no] = rl[i] }
        }
        for (i = 1; i <= no; i++) {
            r = ORD[i]
            qw = bestode(1, p, r, "warm", only)
            if (qw >= 0) { ww = sprintf("%s | %s | %s | %s | %s%s | %s", mname(OK_), ERR[1, p, OK_, r], ms(OV), OP, OPF, ms(OPV), fmtr(qw)) }
            else ww = "none | | | no peer within reach | | n/a"
            qc = bestode(1, p, r, "cold", only)
            if (qc >= 0) { wc = sprintf("%s | %s | %s | %s | %s%s | %s", mname(OK_), ERR[1, p, OK_, r], ms(OV), OP, OPF, ms(OPV), fmtr(qc)) }
            else wc = "none | | | no peer within reach | | n/a"
            okw = qw >= 0 && qw <= 1; okc = qc >= 0 && qc <= 1
            if (qw >= 0 || qc >= 0) total++
            if (okw && okc) pass++
            printf "| %s | %s | %s | %s | %s |\n", p, r, ww, wc,
                (okw && okc) ? "yes" : (okw ? "warm only" : (okc ? "cold only" : "**no**"))
            WPQW[p, r] = qw; WPQC[p, r] = qc
        }
        no = 0
    }
    print ""
    printf "Met (warm and cold) at %d of %d points.\n\n", pass, total
    print "#### All runs"
    for (a = 1; a <= NP[1]; a++) {
        p = PR[1, a]
        print ""
        print "##### " p
        all_runs(1, p)
    }
    print ""
}

function bruss_part(    a, p, i, j, k, r, n, rl, cv, qw, qc, v, e, bk, bv, bc, dk, dr, sb, nb, mo, mc, prev, seen2, me) {
    print "bench/gen_bruss2d.py N (alpha = 0.1, 2N^2 unknowns, Jacobian band 2N, 6 nonzeros a row);"
    print "references bench/bruss2d/ref_N.txt (bench/bruss2d_ref.sh). CVODE: bench/cvode_bruss2d.c,"
    print "analytic Jacobian in a band matrix (ml = mu = 2N). For each grid and rtol the odesolve"
    print "configuration with the lowest warm ratio to CVODE at its own error (CVODE interpolated"
    print "along its runs on that grid); cold: the same configuration, one solve per process."
    print ""
    print "| grid | unknowns | rtol | odesolve | err | warm ms | CVODE warm ms at that err | warm ratio | cold ratio | CVODE steps | dopri5 steps | dopri5/CVODE steps |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|"
    cv = "cvode/bdf band"
    for (a = 1; a <= NP[2]; a++) {
        p = PR[2, a]; nb = substr(p, 9) + 0
        n = split(RTS[2, p, cv], rl, " ")
        if (n == 0) n = split(RTS[2, p, SER[2, p, 1]], rl, " ")
        me = 0
        for (j = 1; j <= NS[2, p]; j++)
            for (i = 1; i <= n; i++)
                if (((2, p, SER[2, p, j], rl[i]) in ERR) && ERR[2, p, SER[2, p, j], rl[i]] != "") me = 1
        if (!me) {
            printf "| %dx%d | %d | | memory only: a short run, no error or time | | | | | | | | |\n", nb, nb, 2 * nb * nb
            continue
        }
        for (i = 1; i <= n; i++) {
            r = rl[i]; bk = ""; qw = -1
            for (j = 1; j <= NS[2, p]; j++) {
                k = SER[2, p, j]
                if (!isode(k) || k ~ /dopri5/ || !((2, p, k, r) in ERR) || !(ERR[2, p, k, r] > 0)) continue
                e = clampe(p, ERR[2, p, k, r] + 0)
                build(2, p, cv, "warm"); v = interp(e)
                if (v <= 0) continue
                if (qw < 0 || WARM[2, p, k, r] / v < qw) { qw = WARM[2, p, k, r] / v; bk = k; bv = v; bf = XF }
            }
            dk = "odesolve/dopri5"
            dr = STATUS[2, p, dk, r] == "ok" && STATUS[2, p, cv, r] == "ok" && STEPS[2, p, cv, r] > 0 ? sprintf("%.1f", STEPS[2, p, dk, r] / STEPS[2, p, cv, r]) : ""
            if (bk == "") {
                printf "| %dx%d | %d | %s | none within reach | | | | n/a | n/a | %s | %s | %s |\n", nb, nb, 2 * nb * nb, r,
                    STEPS[2, p, cv, r], STEPS[2, p, dk, r], dr
                continue
            }
            build(2, p, cv, "cold"); bc = interp(clampe(p, ERR[2, p, bk, r] + 0))
            printf "| %dx%d | %d | %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s |\n", nb, nb, 2 * nb * nb, r, mname(bk),
                ERR[2, p, bk, r], ms(WARM[2, p, bk, r]), bf, ms(bv), fmtr(qw),
                (bc > 0 ? fmtr(SOLVE[2, p, bk, r] / bc) : "n/a"), STEPS[2, p, cv, r], STEPS[2, p, dk, r], dr
        }
    }
    print ""
    print "Peak memory (maxrss of the first process, MB; the smallest over its rtols, since the first"
    print "run with --jit cc also counts the C compiler) and its growth from the previous grid"
    print "(the unknowns grow 4x per step: linear growth is 4x):"
    print ""
    printf "| series |"
    for (a = 1; a <= NP[2]; a++) { p = PR[2, a]; nb = substr(p, 9) + 0; printf " %dx%d MB | growth |", nb, nb }
    print ""
    printf "|---|"
    for (a = 1; a <= NP[2]; a++) printf "---|---|"
    print ""
    split("", seen2)
    for (a = 1; a <= NP[2]; a++) {
        p = PR[2, a]
        for (j = 1; j <= NS[2, p]; j++) {
            k = SER[2, p, j]
            if (!(k in seen2)) { seen2[k] = 1; SB[++sb] = k }
        }
    }
    for (j = 1; j <= sb; j++) {
        k = SB[j]; prev = -1
        printf "| %s |", mname(k)
        for (a = 1; a <= NP[2]; a++) {
            p = PR[2, a]; mo = -1
            n = split(RTS[2, p, k], rl, " ")
            for (i = 1; i <= n; i++)
                if (RSS[2, p, k, rl[i]] != "" && (mo < 0 || RSS[2, p, k, rl[i]] + 0 < mo)) mo = RSS[2, p, k, rl[i]] + 0
            if (mo < 0) { printf " | |"; prev = -1; continue }
            printf " %.1f | %s |", mo / 1024, (prev > 0 ? sprintf("%.2fx", mo / prev) : "")
            prev = mo
        }
        print ""
    }
    print ""
    for (a = 1; a <= NP[2]; a++) {
        p = PR[2, a]
        print "##### " p
        all_runs(2, p)
        print ""
    }
}

function auto_part(    a, p, i, n, r, rl, k, e, v, pass, total, ak, fr, fk, fv) {
    ak = "odesolve/auto"
    print "Per problem and rtol: auto's warm time against the cheapest other odesolve method at"
    print "auto's error (interpolated along that method's runs). lorenz has no meaningful error"
    print "(chaotic, see the shared README): there the fastest method at the same rtol. Bar: <= 1.5."
    print ""
    print "| problem | rtol | auto err | auto warm ms | best single method at that err | ms | ratio | <= 1.5 |"
    print "|---|---|---|---|---|---|---|---|"
    pass = 0; total = 0
    for (a = 1; a <= NP[3]; a++) {
        p = PR[3, a]
        n = split(RTS[3, p, ak], rl, " ")
        for (i = 1; i <= n; i++) {
            r = rl[i]
            if (STATUS[3, p, ak, r] != "ok") { printf "| %s | %s | failed: %s | | | | n/a | **no** |\n", p, r, NOTE[3, p, ak, r]; total++; continue }
            if (p == "lorenz") {
                fk = ""; fv = -1
                for (j = 1; j <= NS[3, p]; j++) {
                    k = SER[3, p, j]
                    if (k == ak || !((3, p, k, r) in WARM) || STATUS[3, p, k, r] != "ok") continue
                    if (fv < 0 || WARM[3, p, k, r] < fv) { fv = WARM[3, p, k, r]; fk = k }
                }
                v = fv; BK = fk; BF = " (same rtol)"
            } else {
                e = clampe(p, ERR[3, p, ak, r] + 0)
                v = best_of(3, p, e, "warm", "ode", ak)
            }
            if (v <= 0) { printf "| %s | %s | %s | %s | none within reach | | n/a | |\n", p, r, ERR[3, p, ak, r], ms(WARM[3, p, ak, r]); continue }
            total++
            fr = WARM[3, p, ak, r] / v
            if (fr <= 1.5) pass++
            printf "| %s | %s | %s | %s | %s%s | %s%s | %s | %s |\n", p, r, ERR[3, p, ak, r], ms(WARM[3, p, ak, r]),
                mname(BK), (p == "lorenz" ? BF : ""), (p == "lorenz" ? "" : BF), ms(v), fmtr(fr), fr <= 1.5 ? "yes" : "**no**"
        }
    }
    print ""
    printf "Met at %d of %d points.\n\n", pass, total
}

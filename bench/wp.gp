# wp.gp - work-precision diagram of `make bench`: error at t1 (x) against
# solve time (y), log-log, one panel per problem.  Reads the data files that
# bench/wp.sh writes from its last run:
#   DIR/wp_PROBLEM_ode.dat   odesolve methods (time: warm median of 5 solves)
#   DIR/wp_PROBLEM_peer.dat  C peers (time: warm median of 5 solves)
# each a series of blocks: a quoted title line, then "err time rtol" rows.
#   gnuplot -e "dir='build/bench/wp'; out='bench/wp.png'; nm=6" bench/wp.gp
if (!exists("dir")) dir = "build/bench/wp"
if (!exists("out")) out = "bench/wp.png"
if (!exists("problems")) problems = "arenstorf pleiades bruss1d"
# Methods per backend (bench/wp.sh passes it); 0: every series its own colour.
if (!exists("nm")) nm = 0
m = nm > 0 ? nm : 1000

n = words(problems)
set terminal pngcairo size 640*n,620 font ",10"
set output out
set multiplot layout 1,n title "odesolve (solid: thick tcc, thin --jit cc) against C peers (dashed), warm: median of 5 solves in one process\nerror at t1 against solve time, one point per rtol" font ",12"
set logscale xy
set format x "1e%T"
set format y "1e%T"
set xlabel "error  max_i |y_i - ref_i| / (eta + |ref_i|)"
set ylabel "solve time [s]"
set grid
# Distinct colours for up to 8 odesolve methods and 6 peers.
oc = "#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b #e377c2 #17becf"
pc = "#000000 #7f7f7f #bcbd22 #6b8e23 #a0522d #4682b4"
set key top right font ",8" spacing 0.9 samplen 2.5 box opaque
do for [p in problems] {
    fo = sprintf("%s/wp_%s_ode.dat", dir, p)
    fp = sprintf("%s/wp_%s_peer.dat", dir, p)
    set title p font ",11"
    unset arrow
    # The arenstorf reference is good to about 3e-10 (shared README), so
    # errors left of this line are not resolved.
    if (p eq "arenstorf") {
        set arrow from 1e-9, graph 0 to 1e-9, graph 1 nohead dt 3 lc "gray40"
    }
    # One colour per method: with nm methods, series i and i + nm are the
    # same method under two backends, told apart by line width and point.
    plot for [i=0:*] fo index i using 1:2 with linespoints lw (i < m ? 2 : 1) pt (i < m ? 7 : 6) ps 0.8 lc rgb word(oc, i % m % 8 + 1) title columnheader(1), \
         for [i=0:*] fp index i using 1:2 with linespoints dt 2 lw 1.5 pt (i+4) ps 0.8 lc rgb word(pc, i % 6 + 1) title columnheader(1)
}
unset multiplot

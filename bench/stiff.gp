# stiff.gp - work-precision diagrams of bench/stiff.sh: error at t1 (x)
# against the warm solve time (y), log-log, one panel per problem (rober,
# vdp, hires, orego and the 2-D Brusselator grids).  Reads the files the
# last run wrote (bench/stiff.awk):
#   DIR/wp_PANEL_ode.dat   odesolve methods     DIR/wp_PANEL_peer.dat  peers
# each a series of blocks: a quoted title line, then "err time rtol" rows.
#   gnuplot -e "dir='build/bench/stiff'; out='bench/stiff.png'; panels='rober vdp'" bench/stiff.gp
if (!exists("dir")) dir = "build/bench/stiff"
if (!exists("out")) out = "bench/stiff.png"
if (!exists("panels")) panels = "rober vdp hires orego"

n = words(panels)
cols = n <= 2 ? n : (n <= 4 ? 2 : 3)
rows = (n + cols - 1) / cols
set terminal pngcairo size (cols > 1 ? 560*cols : 900),520*rows font ",10"
set output out
set multiplot layout rows,cols title "odesolve (solid) against stiff peers (dashed): warm, median of 5 solves in one process\nerror at t1 against solve time, one point per rtol" font ",12"
set logscale xy
set format x "1e%T"
set format y "1e%T"
set xlabel "error  max_i |y_i - ref_i| / (eta + |ref_i|)"
set ylabel "solve time [s]"
set grid
oc = "#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b #e377c2 #17becf #bcbd22 #6b8e23"
pc = "#000000 #7f7f7f #a0522d #4682b4 #808000 #c71585 #2f4f4f"
set key top right font ",8" spacing 0.9 samplen 2.5 box opaque noenhanced
do for [p in panels] {
    set title p font ",11" noenhanced
    fo = sprintf("%s/wp_%s_ode.dat", dir, p)
    fp = sprintf("%s/wp_%s_peer.dat", dir, p)
    # A file with no series (every run failed) cannot be plotted: leave it out.
    po = "for [i=0:*] fo index i using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb word(oc, i % 10 + 1) title columnheader(1)"
    pp = "for [i=0:*] fp index i using 1:2 with linespoints dt 2 lw 1.5 pt (i+4) ps 0.8 lc rgb word(pc, i % 7 + 1) title columnheader(1)"
    ho = system("test -s '".fo."' && echo 1 || echo 0") + 0
    hp = system("test -s '".fp."' && echo 1 || echo 0") + 0
    if (ho && hp) { eval("plot ".po.", ".pp) }
    if (ho && !hp) { eval("plot ".po) }
    if (!ho && hp) { eval("plot ".pp) }
}
unset multiplot

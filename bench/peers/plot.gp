# Grouped bars per workload: throughput (left) and p99 latency (right), log scales.
# gnuplot -e "out='peers.png'; rps='peers-rps.dat'; p99='peers-p99.dat'" plot.gp
set terminal pngcairo size 1400,560 font "DejaVu Sans,11"
set output out
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key outside bottom center horizontal font ",10"
set xtics nomirror
set linetype 1 lc rgb "#c0392b"
set linetype 2 lc rgb "#7f8c8d"
set linetype 3 lc rgb "#2471a3"
set linetype 4 lc rgb "#27ae60"
set linetype 5 lc rgb "#8e44ad"
set multiplot layout 1,2 title "Basalt vs peers — 100,000 posts, 1,000 users, wrk -t1 -c64, 2 cores (median of repeats)"
set title "throughput (req/s, log scale; higher is better)"
set yrange [1:200000]
plot for [i=2:6] rps using i:xtic(1) title columnheader(i)
set title "p99 latency (ms, log scale; lower is better)"
set yrange [0.1:20000]

plot for [i=2:6] p99 using i:xtic(1) title columnheader(i)
unset multiplot

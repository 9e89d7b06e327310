# Sourced by the side-by-side bench scripts: the CPU time the hypervisor gave to other machines
# (steal, /proc/stat) while the runs went on. On a virtual machine it moves every relay's rate,
# and a session with much of it is no baseline. `steal_start` before the runs, `steal_report`
# after them; nothing is printed where /proc/stat cannot be read.
cpu_ticks() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat 2>/dev/null; }
steal_start() { STEAL_TICKS_START=$(cpu_ticks); }
steal_report() {
  echo "$STEAL_TICKS_START $(cpu_ticks) $(getconf CLK_TCK)" | awk 'NF == 5 && $4 > $2 {
    printf "stolen by the hypervisor: %.1f s of CPU time, %.1f %% of the machine'"'"'s time\n", ($3 - $1) / $5, 100 * ($3 - $1) / ($4 - $2) }'
}

#!/usr/bin/env bash
# Grows the synthetic database of synthetic_database.toml one force-field index at a time: each
# pass adds one force field per molecule (six all-atom runs), then runs their CG samples and
# variants, so samples arrive while the all-atom runs go on (one pass with K = 50 would run all
# 300 all-atom jobs before the first sample). Jobs are keyed by their inputs: every pass skips
# what is done, and a killed pass loses nothing but the job in flight. Resume by rerunning.
#
#   nohup benchmarks/grow_synthetic_database.sh ~/runs/synthetic_db 50 > ~/runs/synthetic_db/grow.log 2>&1 &
#   cp ~/runs/synthetic_db/database.h5 benchmarks/data/synthetic_database.h5   # commit as it grows
#
# MOBCG names the mobcg executable (default: mobcg on PATH); run it from a frozen copy of the code.
# WORKERS sets [executor.local] workers (default: the run file's 1). WALK = n runs n slow-walk
# rounds (walk_synthetic_database.sh) after every pass, so the walk keeps up with new force fields.
# KSTART = k starts at pass k (default 1), skipping the passes (and their walk rounds) already done.
set -euo pipefail
out=${1:-$HOME/runs/synthetic_db}
kmax=${2:-50}
mobcg=${MOBCG:-mobcg}
workers=${WORKERS:-1}
walk=${WALK:-0}
kstart=${KSTART:-1}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
[ -f "$out/database.h5" ] || cp "$here/data/synthetic_database.h5" "$out/database.h5"
for k in $(seq "$kstart" "$kmax"); do
    sed -e "s#^output = .*#output = \"$out\"#" \
        -e "s#^forcefields_per_molecule = .*#forcefields_per_molecule = $k#" \
        -e "s#^workers = .*#workers = $workers#" \
        "$here/synthetic_database.toml" > "$out/run.toml"
    echo "$(date '+%F %T') pass K = $k"
    nice "$mobcg" -q run "$out/run.toml"
    [ "$walk" -gt 0 ] && MOBCG="$mobcg" "$here/walk_synthetic_database.sh" "$out" "$walk"
done

#!/usr/bin/env bash
# Slow walk over a database folder made by synthetic_database.toml (its run.toml beside
# database.h5): each round seeds, around every synthetic all-atom force field, its slowest
# sample (at the force field's molar mass, any molecule) within ε 0.02 of its all-atom g(r),
# then reruns the database stage, which runs the new seeds' CG-level variants. Rounds are
# idempotent where nothing new was found; a killed round resumes on rerun.
#
#   benchmarks/walk_synthetic_database.sh ~/runs/synthetic_db 3
#
# MOBCG names the mobcg executable (default: mobcg on PATH).
set -euo pipefail
out=${1:-$HOME/runs/synthetic_db}
rounds=${2:-3}
mobcg=${MOBCG:-mobcg}
cd "$out"
for round in $(seq 1 "$rounds"); do
    echo "$(date '+%F %T') walk round $round"
    "$mobcg" db seed database.h5 --from-samples 1 --all-atom --max-error 0.02 | cut -c1-300
    nice "$mobcg" -q run run.toml
done

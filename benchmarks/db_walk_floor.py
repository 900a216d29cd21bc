"""How slow can a potential be and keep an all-atom structure?  The mobility floor of a database.

For every synthetic all-atom force field of the database: among all samples (any molecule) within
ε ≤ ``--max-error`` of its all-atom g(r), the slowest one's D·√m divided by the force field's own
all-atom D·√M. Below 1, the database holds a potential that keeps the structure and moves as
slowly as the all-atom liquid (what a mobility-preserving prediction needs); above 1, every
potential of that structure is too fast, and a model trained on it must extrapolate. The slow
walk (``walk_synthetic_database.sh``) exists to push this ratio down.

    python benchmarks/db_walk_floor.py DATABASE.h5 [--max-error 0.02]

Prints the distribution and writes benchmarks/results/NAME.json (default db_walk_floor).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from _common import print_table, write_json
from mobcg_core.analysis import structure_error
from mobcg_core.contract.types import RDF
from mobcg_core.database import Database


def floor_ratios(path: Path, max_error: float) -> tuple[list[dict], int]:
    with Database(path) as db:
        ff, s, r = db.read("forcefields"), db.read("samples"), db.grids()["rdf_r_nm"]
    mob = s["diffusion_1e9_m2_s"] * np.sqrt(s["mass_gmol"])
    rows = []
    for i in np.flatnonzero(ff["forcefield_hash"] != ""):  # synthetic all-atom force fields only
        target = RDF(r, ff["aa_rdf"][i])
        eps = np.array([structure_error(RDF(r, g), target) for g in s["rdf"]])
        ok = eps <= max_error
        aa = float(ff["aa_diffusion_1e9_m2_s"][i] * np.sqrt(ff["molar_mass_gmol"][i]))
        rows.append({"key": ff["key"][i], "molecule": ff["molecule"][i], "within_budget": int(ok.sum()),
                     "floor_ratio": float(mob[ok].min() / aa) if ok.any() else float("nan")})
    return rows, len(s["key"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("database", type=Path)
    ap.add_argument("--max-error", type=float, default=0.02)
    ap.add_argument("--name", default="db_walk_floor", help="results/NAME.json")
    args = ap.parse_args()
    rows, samples = floor_ratios(args.database, args.max_error)
    ratio = np.array([r["floor_ratio"] for r in rows])
    q = np.nanpercentile(ratio, [10, 50, 90])
    summary = {"forcefields": len(rows), "samples": samples, "bracketed": int(np.sum(ratio < 1)),
               "p10": q[0], "median": q[1], "p90": q[2]}
    print_table([summary], [("all-atom FFs", "forcefields", "d"), ("samples", "samples", "d"),
                            ("floor < 1", "bracketed", "d"), ("floor p10", "p10", ".2f"),
                            ("median", "median", ".2f"), ("p90", "p90", ".2f")])
    write_json(args.name, {"database": str(args.database), "max_error": args.max_error, "summary": summary,
                           "rows": rows})


if __name__ == "__main__":
    main()

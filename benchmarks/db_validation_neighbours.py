"""Does the database hold what a prediction for a validation liquid needs?  Slow neighbours.

For each validation liquid (``data/validation/*/aa_rdf_*.txt``, read here only as a query; none
of them is ever in a database or a training set): the database samples whose g(r) lies within
ε ≤ 0.005, 0.01, 0.015 and 0.02 of the liquid's all-atom g(r), and the slowest of them as a
mobility ratio. Each sample is first brought to the liquid's number density by corresponding
states, as the closed loop's candidates are (``mobcg_core.study.db_candidates.scaled_samples``:
g(r/λ) and λ·D·√m over D_AA·√M, λ = (n_sample/n_liquid)^(1/3)); ``--unscaled`` compares them as
stored (g(r) and D·√m at their own density: the first version of this table). A ratio above 1 at
ε ≤ 0.02 means no potential in the database keeps that structure and moves as slowly as the
all-atom liquid: a model trained on it has to extrapolate in D there (the closed loop's α then
stays high, or the budget stops it).

    python benchmarks/db_validation_neighbours.py DB.h5 [DB2.h5 ...] [--name NAME] [--unscaled]

Prints one row per liquid and writes benchmarks/results/NAME.json (default db_validation_neighbours).
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import print_table, write_json
from db_coverage_pca import liquid_files, load_samples, read_liquid  # the same readers as the coverage plot
from mobcg_core.analysis import structure_error
from mobcg_core.contract import units
from mobcg_core.contract.types import RDF
from mobcg_core.database import Database
from mobcg_core.io import read_json
from mobcg_core.study.db_candidates import scaled_samples

BUDGETS = (0.005, 0.01, 0.015, 0.02)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("databases", nargs="+")
    ap.add_argument("--name", default="db_validation_neighbours")
    ap.add_argument("--unscaled", action="store_true", help="compare at the samples' own density")
    args = ap.parse_args()
    r = Database(args.databases[0]).grids()["rdf_r_nm"]
    rows = []
    for name, kind, path in liquid_files():
        if kind != "validation":
            continue
        g, mass, d = read_liquid(path, r)
        rho = read_json(path.parent / f"{name}.json")["density_g_cm3"]
        n_liquid = rho / mass * units.AVOGADRO * 1e-21  # beads per nm³
        parts = [scaled_samples(p, RDF(r, g), mass, d, n_liquid) for p in args.databases]
        cols = {k: np.concatenate([x[k] for x in parts]) for k in ("scale", "structure_error", "expected_ratio")}
        eps, ratio = cols["structure_error"], cols["expected_ratio"]
        if args.unscaled:
            _, s = load_samples(args.databases)
            eps = np.array([structure_error(RDF(r, gi), RDF(r, g)) for gi in s["rdf"].astype(float)])
            ratio = ratio / cols["scale"]
        row = {"liquid": name, "nearest_error": float(np.nanmin(eps))}
        for e in BUDGETS:
            ok = eps <= e
            row[f"n_{e}"] = int(ok.sum())
            row[f"slowest_{e}"] = float(ratio[ok].min()) if ok.any() else float("nan")
        rows.append(row)
    cols = [("liquid", "liquid", "s"), ("nearest ε", "nearest_error", ".4f")]
    for e in BUDGETS:
        cols += [(f"n ε≤{e}", f"n_{e}", "d"), (f"slowest ε≤{e}", f"slowest_{e}", ".2f")]
    print_table(rows, cols)
    write_json(args.name, {"databases": args.databases, "scaled_to_liquid_density": not args.unscaled,
                           "samples": int(len(ratio)), "rows": rows})


if __name__ == "__main__":
    main()

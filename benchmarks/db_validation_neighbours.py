"""Does the database hold what a prediction for a validation liquid needs?  Slow neighbours.

For each validation liquid (``data/validation/*/aa_rdf_*.txt``, read here only as a query; none
of them is ever in a database or a training set): the database samples whose g(r) lies within
ε ≤ 0.005, 0.01, 0.015 and 0.02 of the liquid's all-atom g(r), and the slowest of them as a
mobility ratio, sample D·√m over the liquid's D_AA·√M. A ratio above 1 at ε ≤ 0.02 means no
potential in the database keeps that structure and moves as slowly as the all-atom liquid: a
model trained on it has to extrapolate in D there (the closed loop's α then stays high, or the
budget stops it).

    python benchmarks/db_validation_neighbours.py DB.h5 [DB2.h5 ...] [--name NAME]

Prints one row per liquid and writes benchmarks/results/NAME.json (default db_validation_neighbours).
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import print_table, write_json
from db_coverage_pca import liquid_files, load_samples, read_liquid  # the same readers as the coverage plot
from mobcg_core.analysis import structure_error
from mobcg_core.contract.types import RDF

BUDGETS = (0.005, 0.01, 0.015, 0.02)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("databases", nargs="+")
    ap.add_argument("--name", default="db_validation_neighbours")
    args = ap.parse_args()
    r, s = load_samples(args.databases)
    g_db, mob = s["rdf"].astype(float), s["diffusion_1e9_m2_s"] * np.sqrt(s["mass_gmol"])
    rows = []
    for name, kind, path in liquid_files():
        if kind != "validation":
            continue
        g, mass, d = read_liquid(path, r)
        eps = np.array([structure_error(RDF(r, gi), RDF(r, g)) for gi in g_db])
        ratio = mob / (d * np.sqrt(mass))
        row = {"liquid": name, "nearest_error": float(eps.min())}
        for e in BUDGETS:
            ok = eps <= e
            row[f"n_{e}"] = int(ok.sum())
            row[f"slowest_{e}"] = float(ratio[ok].min()) if ok.any() else float("nan")
        rows.append(row)
    cols = [("liquid", "liquid", "s"), ("nearest ε", "nearest_error", ".4f")]
    for e in BUDGETS:
        cols += [(f"n ε≤{e}", f"n_{e}", "d"), (f"slowest ε≤{e}", f"slowest_{e}", ".2f")]
    print_table(rows, cols)
    write_json(args.name, {"databases": args.databases, "samples": int(len(mob)), "rows": rows})


if __name__ == "__main__":
    main()

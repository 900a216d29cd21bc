"""Where a database's samples lie, with the reference liquids marked (PNG + JSON).

Axes: first-peak position and height of g(r), bead mass, D_CG and the mass-free mobility
D·√(m/M) of each sample's potential at the liquid's molar mass M (Newtonian dynamics: D ∝ m^-1/2).
A reference liquid is "inside" when, among the samples of its molecule within the structure
tolerance (ε ≤ 0.02 against its all-atom g(r)), some move at least as slowly as the all-atom
liquid and some faster (its D_AA lies within their mobility range).

    python benchmarks/db_coverage.py results/ml_database/database.h5 results/ml_reference
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from _common import RESULTS, print_table, write_json
from mobcg_core.analysis import structure_error
from mobcg_core.database import Database
from mobcg_core.contract.types import RDF


def first_peak(r: np.ndarray, g: np.ndarray) -> tuple[float, float]:
    i = int(np.argmax(g))
    return float(r[i]), float(g[i])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("database")
    ap.add_argument("run_dir", help="study with the reference liquids (target stage done)")
    ap.add_argument("--max-error", type=float, default=0.02)
    args = ap.parse_args()
    db = Database(args.database)
    r = db.grids()["rdf_r_nm"]
    s = db.read("samples", columns=["molecule", "rdf", "diffusion_1e9_m2_s", "mass_gmol"])
    peaks = np.array([first_peak(r, g) for g in s["rdf"]])
    rows, marks = [], []
    for target_json in sorted(Path(args.run_dir).glob("liquids/*/target.json")):
        info = json.loads(target_json.read_text())
        t = np.load(target_json.with_suffix(".npz"))
        target = RDF(t["r_nm"], t["g"])
        name, mass, d_aa = target_json.parent.name, info["mass_gmol"], info["diffusion_1e9_m2_s"]
        sel = np.flatnonzero(s["molecule"] == name)
        eps = np.array([structure_error(RDF(r, s["rdf"][i]), target) for i in sel])
        mob = s["diffusion_1e9_m2_s"][sel] * np.sqrt(s["mass_gmol"][sel] / mass)
        near = eps <= args.max_error
        lo, hi = (float(mob[near].min()), float(mob[near].max())) if near.any() else (np.nan, np.nan)
        rows.append({"liquid": name, "samples": int(len(sel)), "within_eps": int(near.sum()), "D_AA": d_aa,
                     "slowest_within_eps": lo, "fastest_within_eps": hi,
                     "slowest_ratio": lo / d_aa, "inside": bool(lo <= d_aa <= hi)})
        marks.append((name, *first_peak(target.r_nm, target.g), mass, d_aa))
    print_table(rows, [("liquid", "liquid", ""), ("samples", "samples", "d"),
                       (f"ε ≤ {args.max_error}", "within_eps", "d"),
                       ("D_AA", "D_AA", ".2f"), ("slowest D(M)", "slowest_within_eps", ".2f"),
                       ("fastest D(M)", "fastest_within_eps", ".2f"), ("slowest/D_AA", "slowest_ratio", ".2f"),
                       ("inside", "inside", "")])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
    ax[0].scatter(10 * peaks[:, 0], peaks[:, 1], s=4, alpha=0.4, c="0.5")
    ax[0].set(xlabel="first peak position (Å)", ylabel="first peak height")
    ax[1].scatter(s["mass_gmol"], s["diffusion_1e9_m2_s"], s=4, alpha=0.4, c="0.5")
    ax[1].set(xlabel="bead mass (g/mol)", ylabel="D_CG (10⁻⁹ m²/s)", yscale="log")
    mobility = s["diffusion_1e9_m2_s"] * np.sqrt(s["mass_gmol"])
    ax[2].scatter(peaks[:, 1], mobility, s=4, alpha=0.4, c="0.5")
    ax[2].set(xlabel="first peak height", ylabel="D·√m (10⁻⁹ m²/s·√(g/mol))", yscale="log")
    for i, (name, pos, height, mass, d_aa) in enumerate(marks):
        kw = dict(marker="*", s=250, c=f"C{i}", edgecolors="k", label=name, zorder=5)
        ax[0].scatter(10 * pos, height, **kw)
        ax[1].scatter(mass, d_aa, **kw)
        ax[2].scatter(height, d_aa * np.sqrt(mass), **kw)
    ax[0].legend()
    fig.suptitle(f"{Path(args.database).name}: {len(s['molecule'])} samples; stars: all-atom reference liquids")
    fig.tight_layout()
    png = RESULTS / "db_coverage.png"
    fig.savefig(png, dpi=110)
    write_json("db_coverage", {"database": args.database, "max_error": args.max_error, "rows": rows})
    print(f"wrote {png}")


if __name__ == "__main__":
    main()

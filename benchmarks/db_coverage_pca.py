"""Does a database cover the liquids it is judged on?  Principal components of g(r) and D·√m.

The samples' g(r) (0.1–1.5 nm, the structure-error range) are projected on their own first
principal components; each liquid (the validation liquids of benchmarks/data/validation and
the three shared liquids) is projected the same way.  A liquid is **inside** when

* its structure lies in the cloud: its distance to the K-th nearest sample in the first
  ``--components`` PCs is at most the 99th percentile of the samples' own K-th-neighbour
  distances, and
* its mobility is bracketed: among the samples within the structure budget (ε ≤ 0.02 against
  its g(r)), some move slower than it and some faster in D·√m (Newtonian dynamics:
  D ∝ m^-1/2, so D·√m is the mass-free mobility; samples: D_CG and bead mass; liquids: D_AA
  and molar mass).  A model can only trade structure for mobility where such samples exist.

Also reported: ε to the nearest sample's g(r) (what the model's extrapolation warning uses).

    python benchmarks/db_coverage_pca.py benchmarks/data/synthetic_database.h5 [more.h5 ...]

Writes benchmarks/results/db_coverage_pca.{json,png}.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from _common import RESULTS, print_table, write_json
from mobcg_core.analysis import structure_error
from mobcg_core.contract.types import RDF
from mobcg_core.database import Database
from mobcg_core.physics.tables import read_rdf_file

ROOT = Path(__file__).resolve().parents[1]
HEADER = re.compile(r"molar mass ([\d.]+) g/mol; all-atom self-diffusion coefficient ([\d.]+)")
R_MAX_NM = 1.5


def liquid_files() -> list[tuple[str, str, Path]]:
    """(name, kind, g(r) file) of the validation liquids and the shared liquids."""
    validation = sorted((ROOT / "benchmarks/data/validation").glob("*/aa_rdf_*.txt"))
    out = [(p.parent.name, "validation", p) for p in validation]
    shared = ROOT.parent / "shared" / "reference"
    out += [(p.stem.replace("aa_rdf_", ""), "shared", p) for p in sorted(shared.glob("aa_rdf_*.txt"))]
    return out


def read_liquid(path: Path, r: np.ndarray) -> tuple[np.ndarray, float, float]:
    """g(r) on the database grid, molar mass (g/mol) and D_AA (1e-9 m²/s) from the file's header."""
    m = HEADER.search(path.read_text())
    g = read_rdf_file(path)
    return np.interp(r, g.r_nm, g.g, left=0.0, right=1.0), float(m.group(1)), float(m.group(2))


def load_samples(paths: list[str]) -> tuple[np.ndarray, dict]:
    r, cols = None, {}
    for p in paths:
        db = Database(p)
        r = db.grids()["rdf_r_nm"]
        s = db.read("samples", columns=["rdf", "diffusion_1e9_m2_s", "mass_gmol"])
        for k, v in s.items():
            cols.setdefault(k, []).append(v)
    return r, {k: np.concatenate(v) for k, v in cols.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("databases", nargs="+")
    ap.add_argument("--components", type=int, default=4, help="PCs for the distance test")
    ap.add_argument("--neighbours", type=int, default=10, help="K of the K-nearest-neighbour test")
    ap.add_argument("--max-error", type=float, default=0.02, help="structure budget ε for the mobility test")
    args = ap.parse_args()
    r, s = load_samples(args.databases)
    window = r <= R_MAX_NM + 1e-9
    g = s["rdf"][:, window]
    mean = g.mean(0)
    _, sv, vt = np.linalg.svd(g - mean, full_matrices=False)
    k, c = args.neighbours, args.components
    scores = (g - mean) @ vt[:c].T
    mobility = s["diffusion_1e9_m2_s"] * np.sqrt(s["mass_gmol"])
    d_self = cKDTree(scores).query(scores, k + 1)[0][:, k]  # neighbour 0 is the sample itself
    limit = float(np.percentile(d_self, 99))
    rows, marks = [], []
    for name, kind, path in liquid_files():
        gl, mass, d_aa = read_liquid(path, r)
        x = (gl[window] - mean) @ vt[:c].T
        dist = np.linalg.norm(scores - x, axis=1)
        near = np.argsort(dist)[:k]
        mob = d_aa * np.sqrt(mass)
        eps = np.array([structure_error(RDF(r, gs), RDF(r, gl)) for gs in s["rdf"]])
        ok = eps <= args.max_error
        lo, hi = (float(mobility[ok].min()), float(mobility[ok].max())) if ok.any() else (np.nan, np.nan)
        rows.append({"liquid": name, "kind": kind, "pc1": float(x[0]), "pc2": float(x[1]),
                     "knn_distance": float(dist[near[-1]]), "cloud_limit": limit,
                     "structure_inside": bool(dist[near[-1]] <= limit), "mobility": mob,
                     "within_budget": int(ok.sum()), "budget_mobility_min": lo, "budget_mobility_max": hi,
                     "mobility_bracketed": bool(lo <= mob <= hi), "nearest_eps": float(eps.min())})
        rows[-1]["inside"] = rows[-1]["structure_inside"] and rows[-1]["mobility_bracketed"]
        marks.append((name, kind, x, mob))
    print_table(rows, [("liquid", "liquid", ""), ("kind", "kind", ""), ("kNN dist", "knn_distance", ".3f"),
                       ("limit", "cloud_limit", ".3f"), ("D·√m", "mobility", ".1f"),
                       (f"ε≤{args.max_error}", "within_budget", "d"), ("min D·√m", "budget_mobility_min", ".1f"),
                       ("max D·√m", "budget_mobility_max", ".1f"),
                       ("nearest ε", "nearest_eps", ".4f"), ("inside", "inside", "")])
    _plot(scores, mobility, marks, sv, len(g), args.databases)
    write_json("db_coverage_pca", {"databases": args.databases, "samples": int(len(g)), "components": c,
                                   "neighbours": k, "max_error": args.max_error,
                                   "explained_variance": (sv[:c] ** 2 / np.sum(sv ** 2)).tolist(), "rows": rows})


def _plot(scores, mobility, marks, sv, n, databases) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    var = sv ** 2 / np.sum(sv ** 2)
    fig, ax = plt.subplots(1, 2, figsize=(13, 5))
    sc = ax[0].scatter(scores[:, 0], scores[:, 1], s=4, c=np.log10(mobility), cmap="viridis", alpha=0.6)
    fig.colorbar(sc, ax=ax[0], label="log₁₀ D·√m of the sample")
    ax[0].set(xlabel=f"g(r) PC1 ({100 * var[0]:.0f} %)", ylabel=f"g(r) PC2 ({100 * var[1]:.0f} %)")
    ax[1].scatter(scores[:, 0], mobility, s=4, c="0.6", alpha=0.5)
    ax[1].set(xlabel="g(r) PC1", ylabel="D·√m (10⁻⁹ m²/s·√(g/mol))", yscale="log")
    for i, (name, kind, x, mob) in enumerate(marks):
        kw = dict(marker="*" if kind == "validation" else "s", s=220 if kind == "validation" else 90,
                  c=f"C{i % 10}", edgecolors="k", label=f"{name} ({kind})", zorder=5)
        ax[0].scatter(x[0], x[1], **kw)
        ax[1].scatter(x[0], mob, **kw)
    ax[1].legend(fontsize=7, loc="best")
    fig.suptitle(f"{', '.join(Path(d).name for d in databases)}: {n} samples; stars: validation liquids, "
                 "squares: shared liquids (all-atom)")
    fig.tight_layout()
    png = RESULTS / "db_coverage_pca.png"
    fig.savefig(png, dpi=110)
    print(f"wrote {png}")


if __name__ == "__main__":
    main()

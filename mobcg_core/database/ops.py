"""Whole-database operations behind ``mobcg db``: info, merge, export, plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import new_folder
from mobcg_core.physics.tables import write_lammps_table
from mobcg_core.contract.types import PairPotential
from mobcg_core.database.store import GROUPS, ROW_COLUMNS, Database


def info(path: str | Path) -> dict:
    """Counts per molecule, grids, value ranges and failures of a database."""
    db = Database(path)
    grids = db.grids()
    s, f, bad = db.read("samples"), db.read("forcefields"), db.read("failures")
    per_mol = {}
    for m in sorted(set(f["molecule"].tolist()) | set(s["molecule"].tolist())):
        per_mol[m] = {"forcefields": int(np.sum(f["molecule"] == m)), "samples": int(np.sum(s["molecule"] == m)),
                      "failures": int(np.sum(bad["molecule"] == m))}

    def span(x):
        return [float(np.min(x)), float(np.max(x))] if len(x) else None

    pending = len(db.pending())
    return {"file": str(db.path), "samples": len(s["key"]), "forcefields": len(f["key"]),
            "failures": len(bad["key"]), "pending_in_journal": pending, "molecules": per_mol,
            "rdf_grid_nm": [float(grids["rdf_r_nm"][0]), float(grids["rdf_r_nm"][-1]), len(grids["rdf_r_nm"])],
            "potential_grid_nm": [float(grids["potential_r_nm"][0]), float(grids["potential_r_nm"][-1]),
                                  len(grids["potential_r_nm"])],
            "mass_gmol": span(s["mass_gmol"]), "D_CG_1e9_m2_s": span(s["diffusion_1e9_m2_s"]),
            "D_AA_1e9_m2_s": span(f["aa_diffusion_1e9_m2_s"]), "cg_error": span(f["cg_error"]),
            "forcefields_by_origin": _by_origin(f, s),
            "failures_by_kind": _failures_by_kind(bad), "errors": sorted(set(bad["error"].tolist()))[:10]}


def _by_origin(f: dict, s: dict) -> dict[str, int]:
    """Force fields by where they came from: a synthetic all-atom run (its bonded parameters
    hashed), a study's liquid (``mobcg db seed``: no hash), or a CG-level variant of either
    (a sample's ``forcefield_key`` that is no ``/forcefields`` row)."""
    seeds = sum(1 for h in f["forcefield_hash"].tolist() if not h)
    variants = set(s["forcefield_key"].tolist()) - set(f["key"].tolist())
    return {"all_atom": len(f["key"]) - seeds, "seed": seeds, "cg_variant": len(variants)}


def _failures_by_kind(bad: dict) -> dict[str, dict[str, int]]:
    """{"physical": {"BlowUpError": 3, ...}, "retried on next run": {...}}: rows by kind, then error type."""
    out: dict[str, dict[str, int]] = {}
    for kind, error in zip(bad["kind"].tolist(), bad["error"].tolist()):
        group = out.setdefault("physical" if kind == "physical" else "retried on next run", {})
        name = error.split(":", 1)[0]
        group[name] = group.get(name, 0) + 1
    return out


def merge(out: str | Path, inputs: list[str | Path]) -> dict:
    """Merge databases into ``out`` (created or extended); rows with a known key are skipped.

    All-or-nothing: every input is read and its grids checked before ``out`` is touched, and
    the rows of all inputs go in through one copy renamed into place, so a failed merge (a
    missing input, another grid) leaves ``out`` as it was, or absent.
    """
    if not inputs:
        raise MobcgError("db merge: give at least one input database")
    sources = [Database(p) for p in inputs]
    target = Database(out)
    ref = target.grids() if target.path.exists() else sources[0].grids()
    for src in sources:
        g = src.grids()
        for name in ("rdf_r_nm", "potential_r_nm"):
            have, want = np.asarray(g[name]), np.asarray(ref[name])
            if have.shape != want.shape or not np.allclose(have, want, atol=1e-9):
                raise MobcgError(f"db merge: {src.path}: its {name} grid ({_span(have)}) differs from "
                                 f"{target.path if target.path.exists() else sources[0].path}'s ({_span(want)}); "
                                 "merge only databases made with the same analysis/cg grid settings")
    rows = {group: [] for group in GROUPS}
    seen = {group: target.keys(group) if target.path.exists() else set() for group in GROUPS}
    added = []
    for src in sources:
        n = 0
        for group in GROUPS:
            for row in _rows(src.read(group)):
                if row["key"] not in seen[group]:
                    seen[group].add(row["key"])
                    rows[group].append(row)
                    n += 1
        added.append({"source": str(src.path), "rows_added": n})
    target._grids = {k: np.asarray(v, float) for k, v in ref.items()}
    try:
        target.append_rows(rows)
    finally:
        target.close()
    return {"file": str(target.path), "added": added, "samples": target.count("samples")}


def _rows(columns: dict[str, np.ndarray]) -> list[dict]:
    n = len(columns["key"])
    return [{c: v[i] for c, v in columns.items()} for i in range(n)]


def export_text(path: str | Path, out_dir: str | Path, rows: slice | None = None,
                molecule: str | None = None, force: bool = False) -> dict:
    """Flat text export in the paper's units: one g(r) file (Å) and one LAMMPS table (Å, kcal/mol)
    per sample, and ``samples.tsv`` listing mass (g/mol) and D_CG (1e-9 m²/s) with the file names.

    ``out_dir`` must be new or empty, or ``force`` replaces it whole (no stale files from an
    earlier export stay beside the new list); an export that selects no sample is refused.
    """
    db = Database(path)
    grids = db.grids()
    s = db.read("samples", rows=rows, molecule=molecule)
    if not len(s["key"]):
        have = sorted(set(db.read("samples", columns=["molecule"])["molecule"].tolist()))
        raise MobcgError(f"db export: {db.path}: the selection holds no sample ({db.count('samples')} in the file; "
                         f"molecules: {', '.join(have) or 'none'}); check --rows START:STOP and --molecule")
    r_g, r_u = grids["rdf_r_nm"], grids["potential_r_nm"]
    lines = ["# id\tkey\tmolecule\tmass_gmol\tD_CG_1e-9m2/s\tD_CG_err\tpressure_bar\trdf_file\tpotential_file"]
    with new_folder(out_dir, "export folder (or --force)", replace=force) as out:
        (out / "rdf").mkdir()
        (out / "potential").mkdir()
        for i, key in enumerate(s["key"]):
            name = f"{i:06d}"
            g_text = "# r(Angstrom) g(r)\n" + "\n".join(f"{10 * r:.4f} {g:.6f}" for r, g in zip(r_g, s["rdf"][i]))
            (out / "rdf" / f"{name}.txt").write_text(g_text + "\n")
            u = s["potential_kjmol"][i]
            write_lammps_table(PairPotential(r_u, u, -np.gradient(u, r_u)), out / "potential" / f"{name}.table")
            lines.append(f"{name}\t{key}\t{s['molecule'][i]}\t{s['mass_gmol'][i]:.4f}\t"
                         f"{s['diffusion_1e9_m2_s'][i]:.6g}\t{s['diffusion_err_1e9_m2_s'][i]:.3g}\t"
                         f"{s['pressure_bar'][i]:.1f}\trdf/{name}.txt\tpotential/{name}.table")
        (out / "samples.tsv").write_text("\n".join(lines) + "\n")
        columns = {g: {c: doc for c, (_, doc) in cols.items()} for g, cols in ROW_COLUMNS.items()}
        (out / "README.json").write_text(json.dumps({"source": str(db.path), "columns": columns}, indent=1))
    return {"dir": str(out_dir), "samples": len(s["key"])}


def plot(path: str | Path, png: str | Path) -> str:
    """The database's distributions: bead mass, D_CG, g(r) and U(r) spread (one PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    db = Database(path)
    grids = db.grids()
    s = db.read("samples")
    if not len(s["key"]):
        raise MobcgError(f"{db.path}: no samples to plot")
    fig, ax = plt.subplots(2, 2, figsize=(10, 7.5))
    ax[0, 0].hist(s["mass_gmol"], bins=20, color="C0")
    ax[0, 0].set(xlabel="bead mass (g/mol)", ylabel="samples")
    ax[0, 1].hist(s["diffusion_1e9_m2_s"], bins=20, color="C1")
    ax[0, 1].set(xlabel="D_CG (1e-9 m²/s)", ylabel="samples")
    for a, r, y, label in ((ax[1, 0], grids["rdf_r_nm"], s["rdf"], "g(r)"),
                           (ax[1, 1], grids["potential_r_nm"], s["potential_kjmol"], "U(r) (kJ/mol)")):
        lo, med, hi = np.percentile(y, [5, 50, 95], axis=0)
        a.fill_between(10 * r, lo, hi, alpha=0.3, label="5–95 %")
        a.plot(10 * r, med, "k", lw=1, label="median")
        a.set(xlabel="r (Å)", ylabel=label)
        a.legend()
    ax[1, 1].set_ylim(np.percentile(s["potential_kjmol"][:, -1], 1) - 3, 5)
    fig.suptitle(f"{db.path.name}: {len(s['key'])} samples")
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return str(png)


def _span(r: np.ndarray) -> str:
    return f"{len(r)} points, {r[0]:.4g}–{r[-1]:.4g} nm" if len(r) else "empty"

"""Database candidates for the closed loop: potentials that already keep a liquid's structure and move
at its all-atom mobility.

The model interpolates, and where a liquid's slow potentials are few it misses them:
``benchmarks/db_validation_neighbours.py`` found, for n-hexane, database samples close to its all-atom
g(r) that move at about its D_AA·√M (D·√m, the mass-free mobility of a bead), while the closed loop
over the model's predictions stopped at 2.93. So when the loop has not reached its target, samples
of the databases named in ``[predict] candidate_databases`` are probed as well.

A sample was measured at its own number density n_s, the target's is n_T. For one-component
liquids of pair potentials, corresponding states are exact: the potential U(r/λ) at density
n_s/λ³ gives g(r/λ) and D·λ at the same T and bead mass, and D ∝ 1/√m at fixed potential. So each
sample is first brought to the target's density, λ = (n_s/n_T)^(1/3): its g(r/λ) is compared with
the target's g(r), its expected ratio is λ·D·√m / (D_AA·√M), and the candidate potential is
U(r/λ) on the study's grid. (Compared unscaled, the database's density spread, 1.4-8 beads/nm³,
made candidates chosen at ε ≤ 0.015 come out at ε 0.026-0.045 in the target's box.) The scaling is
exact for λ ≤ 1; for λ > 1 the stretched potential would reach past the cutoff, and the part of U
beyond r_c/λ is lost. The database's IBI potentials carry tails of up to ~1.5 kJ/mol there (their
pressure ramps), whose loss put a 2,3,4-trimethylpentane candidate (λ 1.06) at 2950 bar instead of
19 bar at its own density; so a sample with λ > 1 is only taken when |U| beyond r_c/λ stays below
``max_tail_kjmol``. The
``candidates`` samples within ``candidate_max_structure_error`` and nearest the target ratio, one per
force field, are probed like a prediction (pressure-matched, NVT at the all-atom density), and the
closed loop keeps, among all its probes, the one nearest the target within the ε budget and liquid.

Units: D in 1e-9 m²/s, masses in g/mol, r in nm, U in kJ/mol, number densities in nm⁻³.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobcg_core.analysis import structure_error
from mobcg_core.config.schema import Problems
from mobcg_core.contract.errors import MobcgError
from mobcg_core.contract.types import RDF, PairPotential
from mobcg_core.database.store import Database
from mobcg_core.physics.potentials import table_grid


@dataclass(frozen=True)
class Candidate:
    """One database sample offered to the closed loop.

    Attributes:
        database: the database file it comes from.
        key: the sample's key there.
        forcefield_key: the force field (all-atom or CG-level variant) it was made from.
        potential: its pair potential brought to the target's density, U(r/λ), on the study's grid
            (nm, kJ/mol).
        scale: λ = (n_sample / n_target)^(1/3), the factor its lengths were stretched by.
        structure_error: ε of the sample's g(r/λ) against the target's (nm).
        expected_ratio: λ·D·√m / (D_AA·√M): its D_CG/D_AA at the target's density and bead mass M.
    """

    database: str
    key: str
    forcefield_key: str
    potential: PairPotential
    scale: float
    structure_error: float
    expected_ratio: float

    @property
    def label(self) -> str:
        return f"database {Path(self.database).name}:{self.key}"


def check_candidate_databases(cfg: dict, out: Problems) -> None:
    """Add to ``out`` each ``[predict] candidate_databases`` file that is no database or whose potentials
    are on another grid than the study's table (checked before the first stage runs)."""
    if "predict" not in cfg["run"]["stages"] or not cfg["predict"]["candidates"]:
        return
    grid = table_grid(cfg["cg"]["cutoff_nm"], cfg["cg"]["table_dr_nm"])
    for i, path in enumerate(cfg["predict"]["candidate_databases"]):
        key = f"predict.candidate_databases[{i}]"
        try:
            r = Database(path).grids()["potential_r_nm"]
        except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same one-line answer
            out.add(key, f"{path} is not a mobcg database ({type(exc).__name__}: {exc})")
            continue
        if len(r) != len(grid) or not np.allclose(r, grid):
            out.add(key, f"{path} holds potentials on another r grid than cg.cutoff_nm and cg.table_dr_nm "
                    "give; name a database made with the same grid")


def scaled_samples(path: Path, target: RDF, mass_gmol: float, d_aa_1e9_m2_s: float,
                   number_density_nm3: float) -> dict[str, np.ndarray]:
    """Every sample of the database at ``path`` brought to the target's number density (beads/nm³):
    ``key``, ``forcefield_key``, ``scale`` (λ), ``structure_error`` (ε of g(r/λ) against ``target``,
    nm) and ``expected_ratio`` (λ·D·√m / (D_AA·√M)), each of shape (n_samples,)."""
    s = Database(path).read("samples", columns=["key", "forcefield_key", "rdf", "diffusion_1e9_m2_s", "mass_gmol",
                                                "provenance_json"])
    r = Database(path).grids()["rdf_r_nm"]
    scale = (_number_density(s["provenance_json"]) / number_density_nm3) ** (1.0 / 3.0)
    eps = np.array([structure_error(RDF(r * lam, np.asarray(g, dtype=float)), target)
                    for g, lam in zip(s["rdf"], scale)])
    ratio = scale * s["diffusion_1e9_m2_s"] * np.sqrt(s["mass_gmol"]) / (d_aa_1e9_m2_s * math.sqrt(mass_gmol))
    return {"key": s["key"], "forcefield_key": s["forcefield_key"], "scale": scale, "structure_error": eps,
            "expected_ratio": ratio}


def database_candidates(paths: list[Path], target: RDF, mass_gmol: float, d_aa_1e9_m2_s: float,
                        number_density_nm3: float, table_r_nm: np.ndarray, n: int, max_structure_error: float,
                        target_ratio: float = 1.0, max_tail_kjmol: float = 0.1) -> list[Candidate]:
    """The ``n`` samples of the databases at ``paths``, brought to the target's number density
    (beads/nm³; :func:`scaled_samples`), nearest ``target_ratio`` in expected ratio among those within
    ``max_structure_error`` of ``target`` (one per force field), nearest first; a sample stretched
    (λ > 1) only if its |U| beyond r_c/λ is below ``max_tail_kjmol`` (kJ/mol).

    Raises :class:`MobcgError` when a database's potential grid is not the study's ``table_r_nm``.
    """
    pool, tables = [], {}
    for path in paths:
        grid = Database(path).grids()["potential_r_nm"]
        if len(grid) != len(table_r_nm) or not np.allclose(grid, table_r_nm):
            raise MobcgError(f"{path}: its potentials are on another r grid than the study's table "
                             "(cg.cutoff_nm, cg.table_dr_nm); name a database made with the same grid")
        s = scaled_samples(path, target, mass_gmol, d_aa_1e9_m2_s, number_density_nm3)
        ratio, eps, scale = s["expected_ratio"], s["structure_error"], s["scale"]
        u = tables[str(path)] = Database(path).read("samples", columns=["potential_kjmol"])["potential_kjmol"]
        r_c = float(table_r_nm[-1])
        lost = np.array([np.abs(ui[table_r_nm >= r_c / lam]).max() if lam > 1 else 0.0 for ui, lam in zip(u, scale)])
        ok = (eps <= max_structure_error) & (ratio > 0) & (lost <= max_tail_kjmol)
        pool += [(abs(math.log(ratio[i] / target_ratio)), str(path), i, str(s["key"][i]),
                  str(s["forcefield_key"][i]), float(scale[i]), float(eps[i]), float(ratio[i]))
                 for i in np.flatnonzero(ok)]
    chosen, seen = [], set()
    for row in sorted(pool):
        if row[4] not in seen:  # samples of one force field are alike: one each
            seen.add(row[4])
            chosen.append(row)
        if len(chosen) == n:
            break
    r = np.asarray(table_r_nm, dtype=float)
    return [Candidate(path, key, ff, _stretched(r, np.asarray(tables[path][i], dtype=float), lam), lam, eps, ratio)
            for _, path, i, key, ff, lam, eps, ratio in chosen]


def _number_density(provenance) -> np.ndarray:
    """Beads per nm³ of each sample's CG run (its provenance holds n_beads and box_nm)."""
    out = []
    for p in provenance:
        p = p if isinstance(p, dict) else json.loads(p)
        out.append(p["n_beads"] / p["box_nm"] ** 3 if p.get("n_beads") and p.get("box_nm") else np.nan)
    return np.array(out)


def _stretched(r_nm: np.ndarray, u_kjmol: np.ndarray, scale: float) -> PairPotential:
    """U(r/λ) on the same grid: beyond the table's end it keeps its last value (≈ 0 at the cutoff)."""
    return PairPotential(r_nm, np.interp(r_nm / scale, r_nm, u_kjmol))

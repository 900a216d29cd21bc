"""Database candidates for the closed loop: potentials that already keep a liquid's structure and move
at its all-atom mobility.

The model interpolates, and where a liquid's slow potentials are few it misses them:
``benchmarks/db_validation_neighbours.py`` found, for n-hexane, database samples within ε 0.015 of
its all-atom g(r) that move at 1.01 × its D_AA·√M (D·√m, the mass-free mobility of a bead), while
the closed loop over the model's predictions stopped at 2.93. So when the loop has not reached its
target, the samples of the databases named in ``[predict] candidate_databases`` are probed as
well: the ``candidates`` samples whose g(r) is within ``candidate_max_structure_error`` of the
target and whose expected ratio D·√m / (D_AA·√M) is nearest the target ratio, one per force field.
Each is probed like a prediction (pressure-matched, NVT at the all-atom density), and the closed
loop keeps, among all its probes, the one nearest the target within the ε budget and liquid.

Units: D in 1e-9 m²/s, masses in g/mol, r in nm, U in kJ/mol.
"""

from __future__ import annotations

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
        potential: its pair potential (the database's grid, nm and kJ/mol).
        structure_error: ε of the sample's g(r) against the target's (nm).
        expected_ratio: D·√m / (D_AA·√M): its D_CG/D_AA at the target's bead mass M if D scaled
            as 1/√m at fixed potential (exact for a classical liquid at fixed density and T).
    """

    database: str
    key: str
    forcefield_key: str
    potential: PairPotential
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


def database_candidates(paths: list[Path], target: RDF, mass_gmol: float, d_aa_1e9_m2_s: float,
                        table_r_nm: np.ndarray, n: int, max_structure_error: float,
                        target_ratio: float = 1.0) -> list[Candidate]:
    """The ``n`` samples of the databases at ``paths`` nearest ``target_ratio`` in expected ratio
    among those within ``max_structure_error`` of ``target`` (one per force field), nearest first.

    Raises :class:`MobcgError` when a database's potential grid is not the study's ``table_r_nm``
    (interpolating a table would change its forces).
    """
    pool = []
    for path in paths:
        db = Database(path)
        grids = db.grids()
        if len(grids["potential_r_nm"]) != len(table_r_nm) or not np.allclose(grids["potential_r_nm"], table_r_nm):
            raise MobcgError(f"{path}: its potentials are on another r grid than the study's table "
                             "(cg.cutoff_nm, cg.table_dr_nm); name a database made with the same grid")
        s = db.read("samples", columns=["key", "forcefield_key", "rdf", "diffusion_1e9_m2_s", "mass_gmol"])
        r = grids["rdf_r_nm"]
        eps = np.array([structure_error(RDF(r, np.asarray(g, dtype=float)), target) for g in s["rdf"]])
        ratio = s["diffusion_1e9_m2_s"] * np.sqrt(s["mass_gmol"]) / (d_aa_1e9_m2_s * math.sqrt(mass_gmol))
        pool += [(abs(math.log(ratio[i] / target_ratio)), str(path), i, str(s["key"][i]),
                  str(s["forcefield_key"][i]), float(eps[i]), float(ratio[i]))
                 for i in np.flatnonzero((eps <= max_structure_error) & (ratio > 0))]
    chosen, seen = [], set()
    for row in sorted(pool):
        if row[4] not in seen:  # samples of one force field are alike: one each
            seen.add(row[4])
            chosen.append(row)
        if len(chosen) == n:
            break
    tables = {p: Database(p).read("samples", columns=["potential_kjmol"])["potential_kjmol"]
              for p in {row[1] for row in chosen}}
    r = np.asarray(table_r_nm, dtype=float)
    return [Candidate(path, key, ff, PairPotential(r, np.asarray(tables[path][i], dtype=float)), eps, ratio)
            for _, path, i, key, ff, eps, ratio in chosen]

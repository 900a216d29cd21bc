"""From the HDF5 database to arrays: inputs (log m, log D, g(r)) and targets U(r).

Units: mass g/mol, D nm²/ps (database: 1e-9 m²/s = 1e-3 nm²/ps), r nm, U kJ/mol.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from mobcg_core.physics import potentials as P
from mobcg_core.database import Database
from mobcg_core.contract.errors import PluginError
from mobcg_core.io import stable_hash
from mobcg_core.contract.types import RDF

D_DB_TO_NM2_PS = 1e-3  # 1e-9 m²/s in nm²/ps


def features(mass_gmol, diffusion_nm2_ps, g: np.ndarray) -> np.ndarray:
    """Network input rows: [ln m, ln D, g(r_1..r_n)] (mass and D span decades: log scale)."""
    m = np.atleast_1d(np.asarray(mass_gmol, float))
    d = np.atleast_1d(np.asarray(diffusion_nm2_ps, float))
    if np.any(m <= 0) or np.any(d <= 0):
        raise PluginError("predictor 'mlp': mass and D must be positive")
    return np.column_stack([np.log(m), np.log(d), np.atleast_2d(g)])


@dataclass
class TrainingSet:
    """Everything training needs, on the database grids."""

    x: np.ndarray            # (n, 2 + n_g) inputs, see :func:`features`
    u_kjmol: np.ndarray      # (n, n_u) targets on potential_r_nm
    core_nm: np.ndarray      # (n,) core radius of each sample's g(r): the loss ignores r below it
    groups: np.ndarray       # (n,) force-field id: samples sharing a potential stay in one fold
    rdf_r_nm: np.ndarray
    potential_r_nm: np.ndarray
    database_hash: str
    molecules: list[str]
    temperature_K: float

    @property
    def n(self) -> int:
        return len(self.x)


def load_training_set(path) -> TrainingSet:
    """Read every sample of a database (failed jobs are not samples)."""
    db = Database(path)
    grids = db.grids()
    s = db.read("samples")
    n = len(s["key"])
    if n < 4:
        raise PluginError(f"{path}: {n} sample(s); training needs at least 4 (generate more with the "
                          "'database' stage)")
    ok = np.isfinite(s["diffusion_1e9_m2_s"]) & (s["diffusion_1e9_m2_s"] > 0)
    ok &= np.all(np.isfinite(s["potential_kjmol"]), axis=1) & np.all(np.isfinite(s["rdf"]), axis=1)
    r_g = grids["rdf_r_nm"]
    g = s["rdf"][ok]
    x = features(s["mass_gmol"][ok], s["diffusion_1e9_m2_s"][ok] * D_DB_TO_NM2_PS, g)
    core = np.array([P.core_radius(RDF(r_g, gi)) for gi in g])
    ff = db.read("forcefields", columns=["key", "provenance_json"])
    parents = {k: json.loads(p).get("parent_key") for k, p in zip(ff["key"].tolist(), ff["provenance_json"].tolist())}
    _, groups = np.unique(_roots(s["forcefield_key"][ok], s["provenance_json"][ok], parents), return_inverse=True)
    temperature = json.loads(s["provenance_json"][0])["state"]["temperature_K"]
    return TrainingSet(x, s["potential_kjmol"][ok], core, groups, r_g, grids["potential_r_nm"],
                       stable_hash(sorted(s["key"][ok].tolist()), 16), sorted(set(s["molecule"][ok].tolist())),
                       float(temperature))


def _roots(forcefield_keys: np.ndarray, provenance: np.ndarray, parents: dict[str, str | None]) -> list[str]:
    """The potential each sample descends from: its own force field, or a CG-level variant's
    parent, followed through seeds made from samples (``parent_key``) up to the all-atom force
    field or study liquid.  Folds split by this, so no sample is scored against a model that saw
    its ancestors (cross-validation then measures unseen all-atom force fields)."""
    out = []
    for k, p in zip(forcefield_keys.tolist(), provenance.tolist()):
        key, seen = json.loads(p).get("parent_key") or k, set()
        while parents.get(key) and key not in seen:
            seen.add(key)
            key = parents[key]
        out.append(key)
    return out

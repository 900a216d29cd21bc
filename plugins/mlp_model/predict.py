"""From ensemble output to a full, smooth, repulsive table."""

from __future__ import annotations

import numpy as np

from mobcg_core.physics import potentials as P
from mobcg_core.contract.errors import PluginError
from mobcg_core.contract.types import RDF, PairPotential
from mobcg_core.contract.units import kT_kjmol

from .dataset import features
from .ensemble import predict_members


def check_grid(record: dict, rdf_r_nm: np.ndarray | None = None, potential_r_nm: np.ndarray | None = None) -> None:
    """A study's grids must be the model's (a model trained on another grid fails clearly)."""
    for name, want in (("rdf_r_nm", rdf_r_nm), ("potential_r_nm", potential_r_nm)):
        have = record["grids"][name]
        if want is not None and (len(want) != len(have) or not np.allclose(want, have, atol=1e-9)):
            raise PluginError(f"model {record.get('path', '')}: trained on a {name} grid of {len(have)} points "
                              f"({have[0]:.4g}–{have[-1]:.4g} nm) but this study uses {len(want)} points "
                              f"({want[0]:.4g}–{want[-1]:.4g} nm); use the model's grid (analysis.rdf_*, "
                              "cg.cutoff_nm, cg.table_dr_nm) or retrain")


def predict_potential(record: dict, mass_gmol: float, rdf: RDF, diffusion_nm2_ps: float,
                      smoothing_nm: float) -> tuple[PairPotential, np.ndarray, dict]:
    """Ensemble-mean U(r) with a core wall below the target's core radius, and its spread.

    Returns (potential, uncertainty_kjmol on the table grid (0 inside the wall), info).
    """
    grids = record["grids"]
    r_g, r = grids["rdf_r_nm"], grids["potential_r_nm"]
    g = rdf.on(r_g)
    members = predict_members(record, features(mass_gmol, diffusion_nm2_ps, g))[:, 0, :]
    window = r >= record["r_lo_nm"]
    u = np.zeros_like(r)
    u[window] = P.smooth(members.mean(0), smoothing_nm / (r[1] - r[0]))
    spread = np.zeros_like(r)
    spread[window] = members.std(0)
    # Below the target's first non-zero g(r) nothing is sampled: the same smooth, steep wall as
    # IBI's start (matching U and its slope) is physically neutral there and always repulsive.
    r_core = P.core_radius(RDF(r_g, g))
    extrapolated = r_core < record["r_lo_nm"]
    r_core = max(r_core, record["r_lo_nm"] + 2 * (r[1] - r[0]))
    u = P.add_core_wall(r, u, r_core, kT_kjmol(record["temperature_K"]))
    u = P.smooth_cutoff(r, u, width_nm=min(0.1, 0.1 * r[-1]))
    spread[r < r_core] = 0.0
    f = -np.gradient(u, r)
    info = {"core_radius_nm": r_core, "core_extrapolated": bool(extrapolated),
            "uncertainty_max_kjmol": float(spread.max()), "uncertainty_mean_kjmol": float(spread[r >= r_core].mean()),
            "ensemble_size": int(members.shape[0])}
    return PairPotential(r, u, f), spread, info

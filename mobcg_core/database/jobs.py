"""The two kinds of database job, as plain functions of picklable payloads.

A job carries everything it needs (plugin names and options, settings, arrays),
so a worker on another machine needs no shared filesystem, and returns plain
data.  Both are deterministic for a given payload (with a deterministic engine
platform, e.g. OpenMM CPU with one thread).

* :func:`forcefield_job`: synthetic bonded parameters -> all-atom MD -> COM g(r),
  D_AA, density -> the CG method's potential.
* :func:`sample_job`: that potential with one bead mass -> CG MD -> D_CG, g_CG(r).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from mobcg_core.contract import units
from mobcg_core.analysis import rdf_grid
from mobcg_core.contract.errors import SimulationError
from mobcg_core.contract.hookspecs import CGTask
from mobcg_core.physics.potentials import table_grid
from mobcg_core.contract.types import PairPotential, RDF
from mobcg_core.workflows import CGRun, measure_cg, run_aa_liquid


def plugin(kind: str, table: dict):
    """The plugin instance a job table names (``{"name": ..., "options": ...}``)."""
    from mobcg_core.plugins import registry

    return registry().create(kind, table["name"], table["options"])


def _grid(an: dict) -> np.ndarray:
    return rdf_grid(an["rdf_r_min_nm"], an["rdf_r_max_nm"], an["rdf_dr_nm"])


def forcefield_job(p: dict) -> dict:
    """All-atom run of one synthetic force field, then its CG potential.  Units: core."""
    mol, aa, cg, an, state = p["molecule"], p["aa"], p["cg"], p["analysis"], p["state"]
    engine = plugin("engine", p["engine"])
    t0 = time.perf_counter()
    res = run_aa_liquid(engine, mol["smiles"], p["n_molecules"], p["start_density_g_cm3"],
                        {**aa, "synthetic_ranges": p["synthetic_ranges"]}, state["temperature_K"],
                        state["pressure_bar"] if aa["ensemble"] == "NPT" else None, p["seed"],
                        p["forcefield_seed"], an)
    t_aa = time.perf_counter() - t0
    if not (np.isfinite(res.density_g_cm3) and np.isfinite(res.diffusion_1e9_m2_s)):
        raise SimulationError("all-atom run gave a non-finite density or D")
    box = units.box_length_nm(p["n_beads"], res.mass_gmol, res.density_g_cm3)
    if 0.5 * box < cg["cutoff_nm"]:
        raise SimulationError(f"CG box {box:.2f} nm is shorter than twice the cutoff {cg['cutoff_nm']} nm")
    task = CGTask(name=mol["name"], target=res.rdf, mass_gmol=res.mass_gmol, n_beads=p["n_beads"], box_nm=box,
                  temperature_K=state["temperature_K"], cutoff_nm=cg["cutoff_nm"], table_dr_nm=cg["table_dr_nm"],
                  timestep_fs=cg["timestep_fs"], pressure_bar=state["pressure_bar"], seed=p["seed"])
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mobcg-cg-") as work:
        outcome = plugin("cg_method", p["cg_method"]).derive(task, plugin("engine", p["cg_engine"]), Path(work))
    info = outcome.info
    # Any CG method's grid is put on the database's U(r) grid.
    r_u = table_grid(cg["cutoff_nm"], cg["table_dr_nm"])
    u = np.interp(r_u, outcome.potential.r_nm, outcome.potential.u_kjmol)
    return {"aa_rdf": res.rdf.on(_grid(an)), "aa_diffusion_1e9_m2_s": res.diffusion_1e9_m2_s,
            "aa_diffusion_err_1e9_m2_s": res.diffusion_err_1e9_m2_s, "aa_density_g_cm3": res.density_g_cm3,
            "molar_mass_gmol": res.mass_gmol, "box_nm": box, "forcefield": res.bonded,
            "potential_kjmol": u,
            "cg_error": float(info.get("error", np.nan)), "cg_iterations": int(info.get("iterations", 0)),
            "cg_converged": bool(info.get("converged", False)), "cg_pressure_bar": info.get("pressure_bar"),
            "wall_aa_s": t_aa, "wall_cg_method_s": time.perf_counter() - t1}


def sample_job(p: dict) -> dict:
    """CG MD of one potential at one bead mass: D_CG, g_CG(r), density.  Units: core."""
    pot = PairPotential(np.asarray(p["potential_r_nm"]), np.asarray(p["potential_kjmol"]),
                        np.asarray(p["potential_f_kjmol_nm"]))
    t0 = time.perf_counter()
    run = CGRun.from_config(p["cg"], p["state"], p["n_beads"], p["mass_gmol"], p["box_nm"], p["seed"])
    target = RDF(_grid(p["analysis"]), np.asarray(p["aa_rdf"]))
    out = measure_cg(plugin("engine", p["engine"]), pot, run, p["analysis"]).sample(p["analysis"], target)
    return {**sample_fields(out), "wall_cg_s": time.perf_counter() - t0}


def sample_fields(measured: dict) -> dict:
    """What a database sample keeps of a measurement's
    :meth:`~mobcg_core.workflows.cg.CGMeasurement.sample` (the columns of the store)."""
    return {k: v for k, v in measured.items() if k not in ("rdf_measured", "frozen", "phase_reason")}


def without_arrays(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as provenance: arrays dropped."""
    return {k: v for k, v in payload.items() if not isinstance(v, np.ndarray)}

"""What stages leave on disk and read back, and the one CG run every stage uses.

A stage that needs another stage's result asks ``study.require(name, liquid)`` (the
registry runs it, or loads it when done); these helpers only read and write files.
"""

from __future__ import annotations

import numpy as np

from mobcg_core.analysis import structure_error
from mobcg_core.contract.errors import MobcgError
from mobcg_core.contract.types import PairPotential, RDF
from mobcg_core.io import atomic_save_npz, read_json
from mobcg_core.physics.tables import read_lammps_table, write_gromacs_table, write_lammps_table
from mobcg_core.workflows import CGRun, measure_cg

CG_SYSTEM_KEYS = ("n_beads", "timestep_fs", "cutoff_nm", "table_dr_nm")


def cg_system_inputs(study, liquid: dict) -> dict:
    cg = study.cfg["cg"]
    # Potentials to compare with change only the validation, not the target or the CG model.
    own = {k: v for k, v in liquid.items() if k != "compare_potentials"}
    return {"liquid": own, "cg": {k: cg[k] for k in CG_SYSTEM_KEYS}, "seed": study.cfg["run"]["seed"]}


def load_target(study, liquid: dict) -> tuple[dict, RDF]:
    d = study.liquid_dir(liquid)
    if not (d / "target.json").exists():
        study.require("target", liquid)

    data = np.load(d / "target.npz")
    return read_json(d / "target.json"), RDF(data["r_nm"], data["g"])


def read_potential_file(path, cutoff_nm: float) -> PairPotential:
    """A LAMMPS/VOTCA table cut at ``cutoff_nm`` (nm); it must reach that far."""
    pot = read_lammps_table(path)
    if pot.cutoff_nm < cutoff_nm - 1e-6:
        raise MobcgError(f"{path}: the table ends at {pot.cutoff_nm:.4f} nm, before cg.cutoff_nm = {cutoff_nm} "
                         "nm; lower cg.cutoff_nm or extend the table")
    keep = pot.r_nm <= cutoff_nm + 1e-9
    return PairPotential(pot.r_nm[keep], pot.u_kjmol[keep], pot.f_kjmol_nm[keep])


def save_potential(d, pot: PairPotential) -> None:
    """The potential in core units (npz), as a LAMMPS/VOTCA table and as a GROMACS table."""
    atomic_save_npz(d / "potential.npz", r_nm=pot.r_nm, u_kjmol=pot.u_kjmol, f_kjmol_nm=pot.f_kjmol_nm)
    write_lammps_table(pot, d / "potential.table")
    write_gromacs_table(pot, d / "potential.xvg")


def load_potential(d) -> PairPotential:
    data = np.load(d / "potential.npz")
    return PairPotential(data["r_nm"], data["u_kjmol"], data["f_kjmol_nm"])


def run_cg_md(study, liquid: dict, pot: PairPotential, arrays_path, ensemble: str | None = None,
              production_ps: float | None = None, thermostat: dict | None = None,
              timestep_fs: float | None = None, trajectory_path=None) -> dict:
    """One CG MD run of ``liquid`` with ``pot`` under the [cg] settings (ensemble, length and the
    thermostat — ``{"thermostat", "friction_per_ps", "dpd_cutoff_nm"}`` — and the timestep may be overridden):
    D_CG, density, pressure, ε against the target.  g(r) and MSD go to ``arrays_path``, the production
    frames to ``trajectory_path`` (DCD, XTC or GSD by its suffix) when given."""
    info, target = load_target(study, liquid)
    cg, an, state = study.cfg["cg"], study.cfg["analysis"], study.cfg["state"]
    ensemble = ensemble or cg["ensemble"]
    production_ps = production_ps or cg["production_ps"]
    thermostat = thermostat or {"thermostat": cg["thermostat"], "friction_per_ps": cg["friction_per_ps"]}
    run = CGRun.from_config(cg, state, info["n_beads"], info["mass_gmol"], info["box_nm"], study.seed(liquid, "cg_md"),
                            npt=ensemble == "NPT", production_ps=production_ps,
                            timestep_fs=timestep_fs or cg["timestep_fs"], lattice_seed=study.liquid_seed(liquid),
                            **thermostat)
    writer = None
    if trajectory_path is not None:
        from mobcg_core.plugin_kit.frame_writer import FrameWriter

        writer = FrameWriter(trajectory_path, info["n_beads"], info["mass_gmol"], liquid["name"][:4],
                             cg["report_interval_ps"])
    try:
        m = measure_cg(study.plugin("engine"), pot, run, an, writer=writer)
    finally:
        if writer is not None:
            writer.close()
    pressure = None if np.isnan(m.pressure_bar) else m.pressure_bar
    diff, wall = m.diffusion, m.total_wall_s
    atomic_save_npz(arrays_path, rdf_r_nm=m.rdf.r_nm, rdf_g=m.rdf.g, msd_lag_ps=diff.msd_lag_ps, msd_nm2=diff.msd_nm2)
    d_aa = info.get("diffusion_1e9_m2_s")
    return {"D_CG_1e9_m2_s": diff.d_1e9_m2_s, "D_CG_err_1e9_m2_s": diff.d_err_1e9_m2_s,
            "D_AA_1e9_m2_s": d_aa, "acceleration": diff.d_1e9_m2_s / d_aa if d_aa else None,
            "density_g_cm3": m.density_g_cm3, "density_err_g_cm3": m.density_err_g_cm3, "pressure_bar": pressure,
            "structure_error": structure_error(m.rdf, target), "ensemble": ensemble,
            "production_ps": production_ps, "timestep_fs": run.timestep_fs, "wall_s": round(wall, 2),
            "ns_per_day": production_ps * 1e-3 / (wall / 86400.0) if wall > 0 else None,
            **(m.phase.as_dict() if m.phase else {})}

"""The all-atom liquid run: build, equilibrate, sample, analyse (no engine imported here)."""

from __future__ import annotations

import time
from dataclasses import dataclass


from mobcg_core.analysis.liquid import analyse_liquid
from mobcg_core.forcefield import BondedParameters, build_liquid_box, build_molecule, parametrize
from mobcg_core.contract.types import MDProtocol, RDF, Trajectory
from mobcg_core.plugin_kit.atom_writer import AtomFrameWriter


@dataclass
class AAResult:
    """What an all-atom run yields for coarse-graining (core units; D also in 1e-9 m²/s)."""

    rdf: RDF
    diffusion_1e9_m2_s: float
    diffusion_err_1e9_m2_s: float
    density_g_cm3: float
    density_err_g_cm3: float
    mass_gmol: float
    box_nm: float
    bonded: dict
    wall_s: float
    steps_per_s: float
    #: the production run's centre-of-mass frames (unwrapped, nm), for analyses beyond g(r) and D
    trajectory: Trajectory | None = None

    def summary(self) -> dict:
        return {"diffusion_1e9_m2_s": self.diffusion_1e9_m2_s, "diffusion_err_1e9_m2_s": self.diffusion_err_1e9_m2_s,
                "density_g_cm3": self.density_g_cm3, "density_err_g_cm3": self.density_err_g_cm3,
                "mass_gmol": self.mass_gmol, "box_nm": self.box_nm, "forcefield": self.bonded,
                "wall_s": round(self.wall_s, 2), "steps_per_s": self.steps_per_s}


def run_aa_liquid(engine, smiles: str, n_molecules: int, start_density_g_cm3: float, aa: dict,
                  temperature_K: float, pressure_bar: float | None, seed: int,
                  forcefield_seed: int | None = None, analysis: dict | None = None,
                  trajectory_path=None) -> AAResult:
    """Build, equilibrate and sample an all-atom liquid; return its COM g(r), D and density.

    Args:
        engine: an engine plugin instance with ``aa_simulation``.
        aa: the run file's ``[aa]`` table (timestep_fs, equilibration_ps, production_ps,
            report_interval_ps, thermostat, friction_per_ps).
        pressure_bar: NPT at this pressure, or None for NVT at the start density.
        forcefield_seed: None for published OPLS-AA, else the seed of a synthetic draw.
        trajectory_path: where the production run's atoms go as they are sampled (``*.dcd`` or
            ``*.xtc``, a PDB topology with bonds beside it; :class:`AtomFrameWriter`), or None.
    """
    topo = build_molecule(smiles, seed=seed)
    bonded = (BondedParameters.published(topo) if forcefield_seed is None
              else BondedParameters.synthetic(topo, forcefield_seed, aa.get("synthetic_ranges")))
    box = build_liquid_box(parametrize(topo, bonded), n_molecules, start_density_g_cm3, seed=seed)
    protocol = MDProtocol(temperature_K, aa["timestep_fs"], 0.0, pressure_bar=pressure_bar, seed=seed,
                          thermostat=aa["thermostat"], friction_per_ps=aa["friction_per_ps"])
    sim = engine.aa_simulation(box, protocol)
    t0 = time.perf_counter()
    sim.minimize()
    sim.run(aa["equilibration_ps"], 0.0)
    t1 = time.perf_counter()
    # engines whose run() streams its frames (plugin_kit.SegmentedRun: all three built-in ones)
    streams = trajectory_path is not None and getattr(sim, "streams_frames", False)
    writer = AtomFrameWriter(trajectory_path, box, sim, aa["report_interval_ps"]) if streams else None
    sim.attach_frame_writer(writer)
    try:
        traj = sim.run(aa["production_ps"], aa["report_interval_ps"])
    finally:
        sim.attach_frame_writer(None)
        if writer is not None:
            writer.close()
    t2 = time.perf_counter()
    sim.close()
    res = analyse_liquid(traj, temperature_K, analysis)  # the same path as a user's own trajectory
    steps = aa["production_ps"] / (aa["timestep_fs"] * 1e-3)
    return AAResult(res.rdf, res.diffusion_pbc_1e9_m2_s, res.diffusion_err_1e9_m2_s, res.density_g_cm3,
                    res.density_err_g_cm3, topo.mass_gmol, res.box_nm, bonded.as_dict(), t2 - t0,
                    steps / (t2 - t1), traj)

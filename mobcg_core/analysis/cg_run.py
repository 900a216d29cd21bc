"""The one CG measurement path: minimise → equilibrate → produce → g(r), D, density, pressure.

Stages (``cg_md``, ``validate``), database jobs (samples, variants) and ``mobcg bench`` all
measure a CG liquid through :func:`measure_cg_run`, so they agree by construction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mobcg_core.contract.types import CGSystem, MDProtocol, RDF
from mobcg_core.analysis.mobility import DiffusionFit, fit_diffusion
from mobcg_core.analysis.phase import PhaseCheck, check_phase
from mobcg_core.analysis.structure import density_g_cm3, rdf, rdf_grid


@dataclass
class CGMeasurement:
    """What one CG run gives.

    Attributes:
        rdf: g(r) on the analysis grid up to min(rdf_r_max_nm, half the box) (nm).
        diffusion: the MSD fit (D in 10⁻⁹ m²/s with its error; MSD curve in nm² vs ps).
        density_g_cm3, density_err_g_cm3: mean density over the frames and its error.
        pressure_bar: mean instantaneous pressure (bar); NaN if the engine reports none.
        production_wall_s: wall time of the production segment only (s).
        total_wall_s: wall time of minimisation, equilibration and production (s).
        n_frames, n_molecules: size of the production trajectory.
        volume_nm3: mean box volume (nm³).
        phase: whether the run stayed liquid (:func:`~mobcg_core.analysis.phase.check_phase`).
    """

    rdf: RDF
    diffusion: DiffusionFit
    density_g_cm3: float
    density_err_g_cm3: float
    pressure_bar: float
    production_wall_s: float
    total_wall_s: float
    n_frames: int
    n_molecules: int
    volume_nm3: float
    phase: PhaseCheck | None = None


def measure_cg_run(engine, system: CGSystem, protocol: MDProtocol, equilibration_ps: float, production_ps: float,
                   report_interval_ps: float, analysis: dict, rdf_r_max_nm: float | None = None,
                   writer=None) -> CGMeasurement:
    """Run ``system`` under ``protocol`` on ``engine`` and measure it (see :class:`CGMeasurement`).

    ``analysis`` is the run file's ``[analysis]`` table (g(r) grid, MSD fit window).  ``writer``
    (e.g. :class:`~mobcg_core.plugin_kit.frame_writer.FrameWriter`) receives the production
    frames: as the run goes where the engine streams them, else after the run.
    """
    an = analysis
    sim = engine.cg_simulation(system, protocol)
    t0 = time.perf_counter()
    try:
        sim.minimize()
        sim.run(equilibration_ps, 0.0)
        t1 = time.perf_counter()
        streaming = writer is not None and getattr(sim, "streams_frames", False)
        if streaming:
            sim.attach_frame_writer(writer)
        traj = sim.run(production_ps, report_interval_ps)
        t2 = time.perf_counter()
    finally:
        sim.close()
    if writer is not None and not streaming:
        for k in range(traj.n_frames):
            writer.write(float(traj.times_ps[k]), traj.positions_nm[k], traj.box_nm[k])
    r_max = min(an["rdf_r_max_nm"], rdf_r_max_nm or an["rdf_r_max_nm"])
    g = rdf(traj, rdf_grid(an["rdf_r_min_nm"], r_max, an["rdf_dr_nm"]))
    rho, rho_err = density_g_cm3(traj)
    pressure = float(np.mean(traj.pressure_bar)) if traj.pressure_bar is not None else float("nan")
    return CGMeasurement(g, fit_diffusion(traj, an["msd_fit_start"], an["msd_fit_end"]), rho, rho_err, pressure,
                         t2 - t1, t2 - t0, traj.n_frames, traj.n_molecules,
                         float(np.mean(np.prod(traj.box_nm, axis=1))),
                         check_phase(traj, an["msd_fit_start"], an["msd_fit_end"]))

"""The one CG measurement: box → minimise → equilibrate → produce → g(r), D, density, pressure.

Every CG number mobcg reports comes from :func:`measure_cg` with a :class:`CGRun`: the
``cg_md`` and ``validate`` stages, the predict stage's probes, pressure matching, database
samples and variants, and ``mobcg bench``. They differ only in the ``CGRun`` they pass, which
is built from the run file's ``[cg]`` and ``[state]`` tables by :meth:`CGRun.from_config`, so
they agree by construction.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from mobcg_core.analysis import DiffusionFit, PhaseCheck, check_phase, density_g_cm3, fit_diffusion, rdf, rdf_grid
from mobcg_core.analysis import structure_error
from mobcg_core.contract.types import MDProtocol, PairPotential, RDF
from mobcg_core.plugin_kit.systems import cg_box


@dataclass(frozen=True)
class CGRun:
    """One CG run: the box and how it is simulated (core units: nm, ps, fs, K, bar, g/mol).

    Attributes:
        n_beads, mass_gmol, box_nm: the system (cubic box edge in nm).
        temperature_K, timestep_fs: thermostat temperature (K) and integration step (fs).
        equilibration_ps, production_ps, report_interval_ps: segment lengths and frame spacing (ps).
        thermostat, friction_per_ps, dpd_cutoff_nm: as :class:`~mobcg_core.contract.types.MDProtocol`.
        pressure_bar: barostat pressure (bar) for NPT; None for NVT at ``box_nm``.
        seed: velocities and thermostat noise; ``lattice_seed`` (None: ``seed``) places the beads.
    """

    n_beads: int
    mass_gmol: float
    box_nm: float
    temperature_K: float
    timestep_fs: float
    equilibration_ps: float
    production_ps: float
    report_interval_ps: float
    thermostat: str = "nose_hoover"
    friction_per_ps: float = 1.0
    dpd_cutoff_nm: float = 0.0
    pressure_bar: float | None = None
    seed: int = 0
    lattice_seed: int | None = None

    @classmethod
    def from_config(cls, cg: dict, state: dict, n_beads: int, mass_gmol: float, box_nm: float, seed: int,
                    npt: bool = False, **changes) -> CGRun:
        """The run of the run file's ``[cg]`` (``cg``) and ``[state]`` tables; ``npt`` adds the barostat
        at ``state["pressure_bar"]``; ``changes`` replace fields (e.g. ``production_ps=10.0``)."""
        run = cls(n_beads, mass_gmol, box_nm, state["temperature_K"], cg["timestep_fs"], cg["equilibration_ps"],
                  cg["production_ps"], cg["report_interval_ps"], thermostat=cg["thermostat"],
                  friction_per_ps=cg["friction_per_ps"], pressure_bar=state["pressure_bar"] if npt else None, seed=seed)
        return dataclasses.replace(run, **changes)

    def protocol(self) -> MDProtocol:
        return MDProtocol(self.temperature_K, self.timestep_fs, self.production_ps, pressure_bar=self.pressure_bar,
                          friction_per_ps=self.friction_per_ps, seed=self.seed, thermostat=self.thermostat,
                          dpd_cutoff_nm=self.dpd_cutoff_nm)


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

    def sample(self, analysis: dict, target: RDF | None = None) -> dict:
        """What a database sample or a probe records: ``rdf`` (g on the whole analysis grid, shape
        (n_g,), 1 beyond half the box), ``rdf_measured`` (:class:`RDF`), D and its error (1e-9 m²/s),
        ``pressure_bar``, ``structure_error`` against ``target`` (NaN without one) and the phase."""
        an = analysis
        grid = rdf_grid(an["rdf_r_min_nm"], an["rdf_r_max_nm"], an["rdf_dr_nm"])
        return {"rdf": self.rdf.on(grid), "rdf_measured": self.rdf, "diffusion_1e9_m2_s": self.diffusion.d_1e9_m2_s,
                "diffusion_err_1e9_m2_s": self.diffusion.d_err_1e9_m2_s, "pressure_bar": self.pressure_bar,
                "structure_error": structure_error(self.rdf, target) if target is not None else float("nan"),
                "frozen": bool(self.phase and self.phase.frozen),
                "phase_reason": self.phase.reason if self.phase else ""}


def measure_cg(engine, potential: PairPotential, run: CGRun, analysis: dict, rdf_r_max_nm: float | None = None,
               writer=None) -> CGMeasurement:
    """Run ``potential`` under ``run`` on ``engine`` and measure it (see :class:`CGMeasurement`).

    ``analysis`` is the run file's ``[analysis]`` table (g(r) grid, MSD fit window).  ``writer``
    (e.g. :class:`~mobcg_core.plugin_kit.frame_writer.FrameWriter`) receives the production
    frames: through the engine's own writer where it has one for the format (the writer then
    writes only the topology), else as the run goes where the engine streams them, else after the run.
    """
    an = analysis
    seed = run.seed if run.lattice_seed is None else run.lattice_seed
    sim = engine.cg_simulation(cg_box(run.n_beads, run.mass_gmol, run.box_nm, potential, seed), run.protocol())
    t0 = time.perf_counter()
    try:
        sim.minimize()
        sim.run(run.equilibration_ps, 0.0)
        t1 = time.perf_counter()
        native = writer is not None and sim.native_trajectory(writer.path, run.report_interval_ps)
        streaming = writer is not None and not native and getattr(sim, "streams_frames", False)
        if streaming:
            sim.attach_frame_writer(writer)
        traj = sim.run(run.production_ps, run.report_interval_ps)
        if native:
            sim.native_trajectory(None)
        t2 = time.perf_counter()
    finally:
        sim.close()
    if native:
        writer.write_topology(traj.positions_nm[0], traj.box_nm[0], traj.n_frames)
    elif writer is not None and not streaming:
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

"""The mobcg plugin contract.

A plugin is a Python module registered in the ``mobcg`` entry-point group::

    [project.entry-points.mobcg]
    my_plugin = "my_package.plugin_module"

The module implements one or more of the four hooks below with ``@hookimpl``.  Each hook returns a
list of *classes*; each class subclasses one of the four bases here and declares ``name``, ``version``
and ``options`` (a dict of :class:`~mobcg_core.config.schema.Option`) so that a run file can be
validated before anything runs.  The run file picks one class per kind by ``name`` and the core
instantiates it with the validated options table.

Kinds:
    engine      runs molecular dynamics (all-atom and coarse-grained) -> :class:`Engine`
    cg_method   derives a CG pair potential from a target g(r)        -> :class:`CGMethod`
    predictor   learns (mass, g(r), D) -> U(r) from a database        -> :class:`Predictor`
    executor    decides where independent jobs run                    -> :class:`Executor`

Units (nm, ps, kJ/mol, g/mol, K, bar) follow :mod:`mobcg_core.contract.units`.
"""

from __future__ import annotations

import os
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping

import pluggy

from mobcg_core.contract.errors import is_physical
from mobcg_core.contract.types import CGSystem, MDProtocol, ModelExport, PairPotential, RDF, Trajectory

PROJECT = "mobcg"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------------- hooks
class MobcgSpec:
    """Hook specifications.  Implement any subset in a plugin module."""

    @hookspec
    def mobcg_engines(self) -> list[type["Engine"]]:
        """Return the :class:`Engine` classes this plugin provides."""

    @hookspec
    def mobcg_cg_methods(self) -> list[type["CGMethod"]]:
        """Return the :class:`CGMethod` classes this plugin provides."""

    @hookspec
    def mobcg_predictors(self) -> list[type["Predictor"]]:
        """Return the :class:`Predictor` classes this plugin provides."""

    @hookspec
    def mobcg_executors(self) -> list[type["Executor"]]:
        """Return the :class:`Executor` classes this plugin provides."""


KIND_HOOKS = {
    "engine": "mobcg_engines",
    "cg_method": "mobcg_cg_methods",
    "predictor": "mobcg_predictors",
    "executor": "mobcg_executors",
}


# ------------------------------------------------------------------ common base
class Plugin(ABC):
    """What every plugin class declares.

    Attributes:
        kind: one of ``engine``, ``cg_method``, ``predictor``, ``executor``.
        name: the value users write in the run file (``[engine] name = "openmm"``).
        version: the plugin's version string (recorded in every run's manifest).
        options: schema of the plugin's own option table in the run file.
    """

    kind: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[str]
    options: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, options: Mapping[str, Any] | None = None):
        self.opts: dict[str, Any] = dict(options or {})

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """``None`` if usable here, else why not (e.g. a missing package)."""
        return None


# ----------------------------------------------------------------------- engine
class Simulation(ABC):
    """A live simulation of one system at one state point.  Engines keep expensive set-up (contexts,
    neighbour lists, kernels) in it, so many segments or potential swaps (IBI) pay for it once."""

    @abstractmethod
    def run(self, duration_ps: float, report_interval_ps: float = 0.0) -> Trajectory:
        """Advance ``duration_ps`` and return COM frames every ``report_interval_ps``.

        Raises :class:`~mobcg_core.contract.errors.SimulationError` on NaN or blow-up.
        """

    @abstractmethod
    def minimize(self, max_iterations: int = 1000) -> None:
        """Local energy minimisation of the current configuration."""

    @abstractmethod
    def restart(self, positions_nm, box_nm: float, seed: int) -> None:
        """Continue from these COM/bead positions (nm) and cubic box edge (nm), with
        velocities and thermostat noise drawn afresh from ``seed``.

        Makes a segment reproducible from saved data alone, which is what lets an iterative
        method resume bit-for-bit.  For all-atom systems ``positions_nm`` are atom positions.
        """

    def set_potential(self, potential: PairPotential) -> None:
        """Replace the CG pair potential in place (same grid); CG simulations only."""
        raise NotImplementedError(f"{type(self).__name__} has no tabulated pair potential")

    def atom_positions_nm(self):
        """All-atom simulations: every atom's position now, (n_atoms, 3) nm, molecules whole."""
        raise NotImplementedError(f"{type(self).__name__} has no atoms beyond its beads")

    def pressure_bar(self, n_samples: int = 20, interval_ps: float = 0.5) -> float:
        """Mean instantaneous pressure (bar) over ``n_samples`` short segments."""
        raise NotImplementedError(f"{type(self).__name__} does not report pressure")

    #: True when :meth:`run` hands each reported frame to the attached writer as it goes (``SegmentedRun``
    #: engines do); otherwise the caller writes the frames after the run.
    streams_frames: bool = False
    frame_writer: Any = None

    def attach_frame_writer(self, writer) -> None:
        """Stream the frames of later :meth:`run` calls to ``writer`` (None detaches):
        ``writer.write(time_ps, positions_nm (N, 3), box_nm (3,))`` once per reported frame
        (e.g. :class:`~mobcg_core.plugin_kit.frame_writer.FrameWriter`)."""
        self.frame_writer = writer

    def native_trajectory(self, path: Path | None, interval_ps: float = 0.0) -> bool:
        """CG: write the frames of later :meth:`run` calls (one per ``interval_ps``, as run reports them,
        positions wrapped into the box) with the engine's own writer; ``path``'s suffix picks the format
        (``.dcd``, ``.xtc``), ``None`` closes the file. False (the default): no writer for that format,
        so the caller streams the frames through :meth:`attach_frame_writer` instead."""
        return False

    def close(self) -> None:
        """Release engine resources."""


class Engine(Plugin):
    """Runs molecular dynamics.  Must at least support CG systems."""

    kind = "engine"

    @abstractmethod
    def cg_simulation(self, system: CGSystem, protocol: MDProtocol) -> Simulation:
        """Set up one-bead-per-molecule MD with a tabulated pair potential.

        ``protocol`` fixes the state point (NVT when ``pressure_bar`` is None), the
        timestep and the seed; ``protocol.duration_ps`` is ignored here.
        """

    def aa_simulation(self, system: Any, protocol: MDProtocol) -> Simulation:
        """Set up all-atom MD of a liquid box (see ``mobcg_core.forcefield``)."""
        raise NotImplementedError(f"engine {self.name!r} does not run all-atom systems")

    @classmethod
    def export_model(cls, model: ModelExport, folder: Path) -> list[str]:
        """Write into ``folder`` (tables and ``start.pdb`` already there) this engine's input that runs
        ``model`` as is, without mobcg, prints the start configuration's potential energy and writes a
        trajectory (``mobcg export``); returns the names of the files written (default: none). A class
        method: no engine need be installed."""
        return []


# -------------------------------------------------------------------- cg_method
@dataclass
class CGTask:
    """What a CG method is asked to match.

    Attributes:
        name: label of the liquid (used in messages and file names).
        target: the target centre-of-mass g(r).
        mass_gmol, n_beads: bead mass (g/mol) and beads in the CG box.
        box_nm: cubic box edge, fixing the density (nm).
        temperature_K, pressure_bar: the state point; pressure None: no pressure correction.
        cutoff_nm, table_dr_nm: range of the pair potential and spacing of its grid (nm).
        timestep_fs: CG integration step.
        seed: random seed for every simulation the method runs.
    """

    name: str
    target: RDF
    mass_gmol: float
    n_beads: int
    box_nm: float
    temperature_K: float
    cutoff_nm: float
    table_dr_nm: float = 0.001
    timestep_fs: float = 5.0
    pressure_bar: float | None = None
    seed: int = 0


@dataclass
class CGOutcome:
    """Result of a CG method: the potential and a summary (iterations, errors, ...)."""

    potential: PairPotential
    info: dict = field(default_factory=dict)


class CGMethod(Plugin):
    """Derives a CG pair potential for a :class:`CGTask`.

    It may drive MD only through ``engine`` (never an engine's own API) and keeps its iteration records
    in ``workdir`` so that a stopped run resumes there.
    """

    kind = "cg_method"

    @abstractmethod
    def derive(self, task: CGTask, engine: Engine, workdir: Path,
               progress: Callable[[int, int, str], None] | None = None) -> CGOutcome:
        """Return the potential; ``progress(done, total, message)`` reports steps."""


# -------------------------------------------------------------------- predictor
@dataclass
class Prediction:
    """A predicted potential, its uncertainty (kJ/mol, on the same grid; None if the
    predictor has none) and a summary for the record."""

    potential: PairPotential
    uncertainty_kjmol: Any = None
    info: dict = field(default_factory=dict)


class Predictor(Plugin):
    """Learns U(r) from (bead mass, g(r), D) samples of a database."""

    kind = "predictor"

    @abstractmethod
    def train(self, database: Path, model_path: Path, seed: int = 0,
              progress: Callable[[int, int, str], None] | None = None, provenance: dict | None = None) -> dict:
        """Train on an HDF5 database (see ``mobcg_core.database``), write one model file at ``model_path``,
        return metrics (JSON-able).  ``provenance`` (JSON-able: the run files and the database file's
        digest) is stored in the model's metadata as given."""

    @abstractmethod
    def predict(self, model_path: Path, mass_gmol: float, rdf: RDF, diffusion_nm2_ps: float,
                table_r_nm=None) -> Prediction:
        """Predict the CG potential of a liquid from its bead mass (g/mol), g(r) and D (nm²/ps).

        ``table_r_nm``: the study's table grid (nm); a model made for another grid must refuse with a
        one-line error rather than interpolate silently."""

    def default_model(self) -> Path | None:
        """The model file used when the study neither trains one nor names one (``model.file``):
        e.g. a pretrained model shipped inside the plugin; None if there is none."""
        return None

    def check_model(self, model_path: Path, table_r_nm) -> None:
        """Raise a one-line error if the model file cannot serve this study (checked
        before any stage runs, so a mismatch does not waste the stages before it)."""


# --------------------------------------------------------------------- executor
@dataclass
class JobResult:
    """Outcome of one job: ``value`` on success, ``error`` (a message) on failure.

    ``physical`` says how a failure is treated (see :mod:`mobcg_core.contract.errors`): True for a
    :class:`~mobcg_core.contract.errors.PhysicalFailure` (a result: recorded, skipped on reruns), False
    for anything else (an environment failure or a bug: the stage stops, nothing is recorded, a rerun
    retries the job).
    """

    key: str
    value: Any = None
    error: str | None = None
    physical: bool = False


#: environment variable through which an executor tells a job how many CPU threads it may use
THREADS_ENV = "MOBCG_THREADS"


def call_job(fn: Callable[[Any], Any], key: str, payload: Any, threads: int = 0) -> JobResult:
    """Run one job where it lands (a worker process, a remote machine): the way every
    executor calls ``fn`` so that failures travel back classified, as data.

    ``threads`` > 0 sets the CPU threads an engine with automatic threads may use.
    """
    if threads:
        os.environ[THREADS_ENV] = str(threads)
    try:
        return JobResult(key, fn(payload))
    except Exception as exc:  # noqa: BLE001 - a job's failure is data, not a crash of the driver
        return JobResult(key, error=f"{type(exc).__name__}: {exc}", physical=is_physical(exc),
                         value={"traceback": traceback.format_exc()})


class Executor(Plugin):
    """Runs independent, picklable jobs ``fn(payload)`` somewhere.

    Rules:
        * Each job runs through :func:`call_job`, so a failing job yields a :class:`JobResult` with
          ``error`` and ``physical`` set; it never stops the others.
        * A job lost with its worker (a killed process, a lost node) is run again elsewhere if the
          executor can; if it cannot, it yields an error result with ``physical = False``, never a
          silently missing key.
        * The caller may stop iterating early (an environment failure stops a stage): closing the
          generator must cancel the jobs not yet started.
    """

    kind = "executor"

    @abstractmethod
    def run(self, fn: Callable[[Any], Any], jobs: Iterable[tuple[str, Any]]) -> Iterator[JobResult]:
        """Run ``fn(payload)`` for each ``(key, payload)``; yield results as they finish."""

    def close(self) -> None:
        """Shut down workers."""

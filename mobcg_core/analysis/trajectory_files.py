"""Centre-of-mass frames from a user's all-atom trajectory in any format MDAnalysis reads.

GROMACS TPR/GRO with XTC/TRR, LAMMPS data with DCD or dump, PDB/PSF with DCD, Amber prmtop with
NetCDF, ... The trajectory is turned into the :class:`~mobcg_core.contract.types.Trajectory` that
every analysis takes (nm, ps, unwrapped centres of mass), so a user's run and a built-in
all-atom run go through the same :func:`~mobcg_core.analysis.liquid.analyse_liquid`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobcg_core.analysis.liquid import LiquidAnalysis, analyse_liquid
from mobcg_core.contract import units
from mobcg_core.contract.errors import TrajectoryError
from mobcg_core.contract.types import Trajectory

#: fewest frames for an MSD fit over 10–50 % of the span and a block error of g(r)
MIN_FRAMES = 20


def read_com_trajectory(topology: str | Path, trajectory: str | Path | None = None,
                        selection: str = "all", start: int = 0, stop: int | None = None,
                        step: int = 1, timestep_fs: float | None = None) -> Trajectory:
    """Unwrapped centre-of-mass frames of one liquid's molecules.

    Molecules are the topology's fragments where it has bonds, its residues otherwise. Each
    molecule is made whole (minimum image to its first atom) before its centre of mass is
    taken, and the centres are unwrapped in time frame by frame, so molecules may be split
    across the box or wrapped in the file. Masses come from the topology, or are guessed from
    atom types or elements.

    Args:
        topology, trajectory: files as ``MDAnalysis.Universe(topology, trajectory)`` takes them;
            ``trajectory`` None reads the frames in ``topology``.
        selection: MDAnalysis selection of the liquid's atoms (whole molecules of one kind).
        start, stop, step: frames to read.
        timestep_fs: the MD timestep (fs), for formats that store step numbers, not times (LAMMPS
            dump); required there, ignored elsewhere.

    Returns:
        positions in nm (n_frames, n_molecules, 3), box edges in nm (n_frames, 3), times in ps.

    Raises:
        TrajectoryError: unreadable files, no molecules selected, mixed molecule types, unknown
            masses, a non-orthorhombic box, too few frames or varying time steps (one line each).
    """
    u = _universe(topology, trajectory)
    step_ps = _dump_step_ps(u, trajectory or topology, timestep_fs)
    groups, masses = _molecules(u, selection, topology)
    frames = list(range(len(u.trajectory)))[start:stop:step]
    if len(frames) < MIN_FRAMES:
        raise TrajectoryError(f"{trajectory or topology}: {len(frames)} frame(s); at least {MIN_FRAMES} are "
                              "needed for D and g(r) errors (write frames more often or run longer)")
    times, coms, boxes = np.empty(len(frames)), np.empty((len(frames), len(groups), 3)), np.empty((len(frames), 3))
    weights = masses / masses.sum()
    for k, ts in enumerate(u.trajectory[start:stop:step]):
        box = _box_nm(ts, trajectory or topology)
        pos = ts.positions[groups].astype(np.float64) / units.ANGSTROM_PER_NM  # (n_mol, n_atoms, 3) nm
        rel = pos - pos[:, :1]
        rel -= box * np.round(rel / box)  # whole molecules: every atom within L/2 of the first
        coms[k] = pos[:, 0] + np.einsum("a,mad->md", weights, rel)
        boxes[k], times[k] = box, ts.data["step"] * step_ps if step_ps else ts.time
    _check_times(times, trajectory or topology)
    return Trajectory(times - times[0], _unwrap(coms, boxes), boxes, float(masses.sum()))


@dataclass(frozen=True)
class TargetRequest:
    """What ``mobcg target`` reads and how (paths as given; temperature K, viscosity mPa·s)."""

    topology: str
    trajectory: str | None = None
    selection: str = "all"
    temperature_K: float = 298.15
    viscosity_mPa_s: float | None = None
    cg_molecules: int = 1000
    start: int = 0
    stop: int | None = None
    step: int = 1
    name: str = "liquid"
    timestep_fs: float | None = None


def target_from_trajectory(req: TargetRequest, analysis: dict | None = None) -> LiquidAnalysis:
    """Read the trajectory and analyse it the way the built-in all-atom stage does."""
    traj = read_com_trajectory(req.topology, req.trajectory, req.selection, req.start, req.stop, req.step,
                               req.timestep_fs)
    first = analyse_liquid(traj, req.temperature_K, analysis)
    if req.viscosity_mPa_s is None:
        return first
    cg_box = units.box_length_nm(req.cg_molecules, traj.mass_gmol, first.density_g_cm3)
    return analyse_liquid(traj, req.temperature_K, analysis, req.viscosity_mPa_s, cg_box)


def _dump_step_ps(u, label, timestep_fs: float | None) -> float | None:
    """ps per MD step where the file holds step numbers (LAMMPS dump: MDAnalysis assumes 1 ps)."""
    if type(u.trajectory).__name__ != "DumpReader":
        return None
    if not timestep_fs or not timestep_fs > 0:
        raise TrajectoryError(f"{label}: a LAMMPS dump holds step numbers, not times; give the run's "
                              "timestep (mobcg target --timestep-fs, e.g. 2)")
    return timestep_fs * 1e-3


def _universe(topology, trajectory):
    import MDAnalysis as mda

    args = [str(topology)] + ([str(trajectory)] if trajectory else [])
    for path in args:
        if not Path(path).is_file():
            raise TrajectoryError(f"{path}: no such file (expected an all-atom topology or trajectory)")
    try:
        with warnings.catch_warnings():  # MDAnalysis warns about every guessed attribute
            warnings.simplefilter("ignore")
            return mda.Universe(*args)
    except Exception as exc:  # MDAnalysis raises many types; any of them means "cannot read"
        raise TrajectoryError(f"{' + '.join(args)}: MDAnalysis cannot read it ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0][:120] if str(exc) else ''})") from None


def _molecules(u, selection: str, label) -> tuple[np.ndarray, np.ndarray]:
    """(n_molecules, n_atoms) atom indices of the selected molecules and one molecule's masses."""
    try:
        atoms = u.select_atoms(selection)
    except Exception as exc:  # a selection syntax error
        raise TrajectoryError(f"--selection {selection!r}: {str(exc).splitlines()[0][:120]}") from None
    if len(atoms) == 0:
        raise TrajectoryError(f"{label}: selection {selection!r} holds no atoms (check the selection)")
    bonded = hasattr(u.atoms, "bonds") and len(u.atoms.bonds) > 0
    keys = atoms.fragindices if bonded else atoms.resindices
    order = np.argsort(keys, kind="stable")
    _, first, counts = np.unique(keys[order], return_index=True, return_counts=True)
    if len(counts) < 2:
        raise TrajectoryError(f"{label}: selection {selection!r} holds {len(counts)} molecule(s); a liquid needs "
                              "many (molecules are bonded fragments, or residues without bonds)")
    if np.any(counts != counts[0]):
        raise TrajectoryError(f"{label}: selection {selection!r} mixes molecules of {sorted(set(counts))} atoms; "
                              "select one kind of molecule (e.g. --selection 'resname HEX')")
    groups = atoms.indices[order].reshape(len(counts), counts[0])
    masses = u.atoms.masses[groups] if hasattr(u.atoms, "masses") else np.zeros(groups.shape)
    if not np.all(masses > 0):
        raise TrajectoryError(f"{label}: atom masses are unknown (give a topology with masses, elements or "
                              "standard atom names)")
    if np.any(np.abs(masses - masses[0]) > 1e-3):
        raise TrajectoryError(f"{label}: selection {selection!r} mixes molecule types (same size, other masses); "
                              "select one kind of molecule")
    return groups, masses[0].astype(np.float64)


def _box_nm(ts, label) -> np.ndarray:
    dims = ts.dimensions
    if dims is None or not np.all(dims[:3] > 0):
        raise TrajectoryError(f"{label}: frame {ts.frame} has no periodic box (a liquid needs one)")
    if np.any(np.abs(dims[3:] - 90.0) > 1e-3):
        raise TrajectoryError(f"{label}: frame {ts.frame} has a triclinic box (angles {dims[3:].round(2)}); "
                              "only orthorhombic boxes are supported")
    return dims[:3].astype(np.float64) / units.ANGSTROM_PER_NM


def _check_times(times: np.ndarray, label) -> None:
    dt = np.diff(times)
    if np.any(dt <= 0) or np.ptp(dt) > 1e-3 * max(float(np.mean(dt)), 1e-12):
        raise TrajectoryError(f"{label}: the time between frames varies ({dt.min():g}–{dt.max():g} ps); "
                              "D needs evenly spaced frames (select an evenly written part with start/stop/step)")


def _unwrap(coms: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Continuous centres of mass: each frame-to-frame jump taken as its minimum image.

    Valid while no molecule moves half a box between two frames, which holds for any liquid
    written more often than every few nanoseconds.
    """
    jumps = np.diff(coms, axis=0)
    jumps -= boxes[1:, None, :] * np.round(jumps / boxes[1:, None, :])
    return np.concatenate([coms[:1], coms[:1] + np.cumsum(jumps, axis=0)])

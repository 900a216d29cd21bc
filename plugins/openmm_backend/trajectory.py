"""OpenMM's own trajectory writers (``openmm.app.DCDFile``, ``openmm.app.XTCFile``) for CG runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as u

#: the formats OpenMM writes itself, by suffix
WRITERS = {".dcd": "DCDFile", ".xtc": "XTCFile"}


class OpenMMTrajectoryFile:
    """The frames :meth:`run` reports, written by OpenMM's own DCD or XTC writer.

    Positions are wrapped into the box (beads are their own molecules); DCD holds Å, XTC nm, and
    the header's first step and interval give each frame its time in the run.

    Args:
        path: ``*.dcd`` or ``*.xtc``.
        n_beads: beads per frame.
        box_nm: (3,) box edges at the start (nm); each frame carries its own.
        interval_ps: time between frames (ps).
        timestep_fs: the integration step (fs).
        start_time_ps: the simulation's time when the writing run starts (ps); the first frame
            is one interval later.
    """

    def __init__(self, path: str | Path, n_beads: int, box_nm, interval_ps: float, timestep_fs: float,
                 start_time_ps: float):
        self.path = Path(path)
        topology = app.Topology()
        topology.setUnitCellDimensions(mm.Vec3(*np.asarray(box_nm, dtype=float)) * u.nanometer)  # marks it periodic
        chain = topology.addChain()
        for _ in range(int(n_beads)):
            topology.addAtom("CG", None, topology.addResidue("CG", chain))
        dt_ps = timestep_fs * 1e-3
        interval = max(1, int(round(interval_ps / dt_ps)))
        first = int(round(start_time_ps / dt_ps)) + interval
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = None
        if self.path.suffix.lower() == ".dcd":
            self._fh = open(self.path, "wb")
            self._out = app.DCDFile(self._fh, topology, dt_ps, first, interval)
        else:
            self._out = app.XTCFile(str(self.path), topology, dt_ps, first, interval)

    def write(self, time_ps: float, positions_nm: np.ndarray, box_nm: np.ndarray) -> None:
        """One frame: positions (n_beads, 3) and box edges (3,) in nm; the time comes from the header."""
        box = np.asarray(box_nm, dtype=np.float64)
        pos = np.mod(np.asarray(positions_nm, dtype=np.float64), box)
        self._out.writeModel(pos * u.nanometer, unitCellDimensions=mm.Vec3(*box) * u.nanometer)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._out = None

"""An all-atom run's frames on disk: a topology with bonds (PDB, CONECT records) and a DCD or XTC trajectory.

The files are what any MD engine would write, so ``mobcg target --topology aa.pdb --trajectory
aa.dcd`` (or MDAnalysis, VMD, OVITO) reads them back: molecules are the bonded fragments, and the
masses, which PDB cannot carry, come back from the elements (OPLS-AA's C and H masses are theirs).
The writer asks the simulation for its atoms at each reported frame, right after the frame is
sampled, so the files hold the run as the engine integrated it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from mobcg_core.plugin_kit.frame_writer import StreamingWriter, write_mda_frame

if TYPE_CHECKING:  # the type only: plugin_kit needs nothing of forcefield at run time
    from mobcg_core.forcefield.box import LiquidBox

FORMATS = ("dcd", "xtc")


class AtomFrameWriter(StreamingWriter):
    """Streams an all-atom simulation's atoms to ``path`` (``*.dcd`` or ``*.xtc``), a PDB beside it.

    Attach it with ``sim.attach_frame_writer(writer)``; every reported frame of ``sim.run`` then
    calls :meth:`write`, which reads ``sim.atom_positions_nm()`` (n_atoms, 3).  Positions are
    written as the engine holds them (nm → Å), molecules whole; the box is taken per frame.

    Args:
        path: the trajectory file; its suffix picks the format.
        box: the liquid (topology, molecule count) the simulation was built from.
        sim: the running all-atom simulation.
        dt_ps: time between frames (ps), for the DCD header.
    """

    def __init__(self, path: str | Path, box: "LiquidBox", sim, dt_ps: float = 1.0):
        self.path, self.box, self.sim, self.dt_ps = Path(path), box, sim, float(dt_ps)
        self.fmt = self.path.suffix.lstrip(".").lower()
        if self.fmt not in FORMATS:
            raise ValueError(f"{self.path}: unknown all-atom trajectory format (choose from {', '.join(FORMATS)})")
        self.frames = 0
        self._universe = None

    @property
    def topology_path(self) -> Path:
        """The PDB beside the trajectory: the first frame, elements, the box and bonds (CONECT)."""
        return self.path.with_suffix(".pdb")

    def write(self, time_ps: float, positions_nm: np.ndarray, box_nm: np.ndarray) -> None:
        """One frame: ``positions_nm`` (the centres the run reports) are ignored; the atoms are read."""
        atoms = np.asarray(self.sim.atom_positions_nm(), dtype=np.float64)
        if self._out is None:
            self._open(atoms, np.asarray(box_nm, dtype=np.float64))
        write_mda_frame(self._out, self._universe, time_ps, atoms, box_nm, self.frames)
        self.frames += 1

    def _open(self, atoms: np.ndarray, box_nm: np.ndarray) -> None:
        import MDAnalysis as mda

        self.path.parent.mkdir(parents=True, exist_ok=True)
        u = liquid_universe(self.box)
        u.atoms.positions = (atoms * 10.0).astype(np.float32)
        u.dimensions = np.r_[box_nm * 10.0, 90.0, 90.0, 90.0]
        with warnings.catch_warnings():  # MDAnalysis warns about PDB fields it fills with defaults
            warnings.simplefilter("ignore")
            u.atoms.write(str(self.topology_path), bonds="all")
        kw = {"dt": self.dt_ps} if self.fmt == "dcd" else {}
        self._out = mda.Writer(str(self.path), u.atoms.n_atoms, **kw)
        self._universe = u


def liquid_universe(box: "LiquidBox"):
    """An MDAnalysis Universe of ``box``'s atoms: one residue per molecule, elements, OPLS types,
    masses (g/mol), charges (e) and bonds; positions from ``box.positions_nm``."""
    import MDAnalysis as mda

    topo = box.molecule.topology
    n_mol, per = box.n_molecules, topo.n_atoms
    u = mda.Universe.empty(n_mol * per, n_residues=n_mol, atom_resindex=np.repeat(np.arange(n_mol), per),
                           trajectory=True)
    u.add_TopologyAttr("names", [f"{e}{i + 1}"[:4] for i, e in enumerate(topo.elements)] * n_mol)
    u.add_TopologyAttr("elements", list(topo.elements) * n_mol)
    u.add_TopologyAttr("types", list(topo.types) * n_mol)
    u.add_TopologyAttr("masses", np.tile(np.asarray(topo.masses_gmol, dtype=float), n_mol))
    u.add_TopologyAttr("charges", np.tile(np.asarray(topo.charges_e, dtype=float), n_mol))
    u.add_TopologyAttr("resnames", ["MOL"] * n_mol)
    u.add_TopologyAttr("resids", np.arange(1, n_mol + 1))
    u.add_TopologyAttr("segids", ["LIQ"])
    bonds = np.asarray(topo.bonds, dtype=int).reshape(-1, 2)
    u.add_TopologyAttr("bonds", [tuple(b + k * per) for k in range(n_mol) for b in bonds])
    u.atoms.positions = (np.asarray(box.positions_nm) * 10.0).astype(np.float32)
    u.dimensions = [box.box_nm * 10.0] * 3 + [90.0] * 3
    return u

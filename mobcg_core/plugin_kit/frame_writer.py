"""CG trajectories on disk, frame by frame as a run reports them: DCD, XTC or GSD.

A topology goes beside DCD and XTC files (``NAME.pdb``: one ``CG`` bead per molecule, the box in
``CRYST1``), so ``MDAnalysis.Universe("cg_md.pdb", "cg_md.dcd")``, VMD and OVITO open them; PDB
has no mass column, so ``NAME.psf`` beside it carries the bead mass
(``MDAnalysis.Universe("cg_md.psf", "cg_md.dcd")``, VMD: ``mol new cg_md.psf``); GSD carries
its own. Positions are written wrapped into the box, as MD engines write them; the box edges
and times are those of the run (Å and ps in DCD/XTC, nm in GSD, HOOMD's convention with the
origin at the box centre). Where the engine has its own writer for the format
(``Simulation.native_trajectory``) it writes the frames and this class only the topology.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from mobcg_core.contract.errors import MissingDependencyError

FORMATS = ("dcd", "xtc", "gsd")


class StreamingWriter:
    """What the trajectory writers share: ``_out`` (the open file, or None), ``close`` and the
    context manager."""

    _out = None

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_mda_frame(out, universe, time_ps: float, positions_nm: np.ndarray, box_nm: np.ndarray,
                    frame: int) -> None:
    """One frame through an MDAnalysis writer: positions (N, 3) and box edges (3,) in nm, time in ps."""
    ts = universe.trajectory.ts
    ts.positions = (np.asarray(positions_nm) * 10.0).astype(np.float32)
    ts.dimensions = np.r_[np.asarray(box_nm, dtype=np.float64) * 10.0, 90.0, 90.0, 90.0]
    ts.time = float(time_ps)
    ts.frame = frame
    out.write(universe.atoms)


class FrameWriter(StreamingWriter):
    """Streams CG frames to ``path`` (its suffix picks the format); use as a context manager.

    Args:
        path: ``*.dcd``, ``*.xtc`` or ``*.gsd``.
        n_beads: beads per frame.
        mass_gmol: bead mass (g/mol), written to the topology.
        name: residue name of the beads (first 4 characters are kept).
        dt_ps: time between frames (ps), for the DCD header.
    """

    def __init__(self, path: str | Path, n_beads: int, mass_gmol: float, name: str = "CG", dt_ps: float = 1.0):
        self.path, self.n = Path(path), int(n_beads)
        self.fmt = self.path.suffix.lstrip(".").lower()
        if self.fmt not in FORMATS:
            raise ValueError(f"{self.path}: unknown trajectory format (choose from {', '.join(FORMATS)})")
        self.mass, self.name, self.dt_ps = float(mass_gmol), name[:4] or "CG", float(dt_ps)
        self.frames = 0
        self._out = None
        self._universe = None

    # ------------------------------------------------------------------ API
    def write(self, time_ps: float, positions_nm: np.ndarray, box_nm: np.ndarray) -> None:
        """Append one frame: positions (n_beads, 3) in nm (wrapped here), box edges (3,) in nm."""
        box = np.asarray(box_nm, dtype=np.float64)
        pos = np.mod(np.asarray(positions_nm, dtype=np.float64), box)
        if self._out is None:
            self._open(pos, box)
        if self.fmt == "gsd":
            self._write_gsd(pos, box)
        else:
            write_mda_frame(self._out, self._universe, time_ps, pos, box, self.frames)
        self.frames += 1

    def write_topology(self, positions_nm: np.ndarray, box_nm: np.ndarray, n_frames: int) -> None:
        """Only the topology (PDB and PSF, from these positions (n_beads, 3) and box edges (3,) in nm),
        for a trajectory of ``n_frames`` that the engine's own writer wrote at :attr:`path`."""
        if self.topology_path is not None:
            box = np.asarray(box_nm, dtype=np.float64)
            write_pdb(self.topology_path, np.mod(np.asarray(positions_nm, dtype=np.float64), box), box,
                      self.mass, self.name)
            write_psf(self.topology_path.with_suffix(".psf"), self.n, self.mass, self.name)
        self.frames = int(n_frames)

    @property
    def topology_path(self) -> Path | None:
        """The PDB beside a DCD/XTC file (None for GSD, which holds its own topology)."""
        return None if self.fmt == "gsd" else self.path.with_suffix(".pdb")

    # ------------------------------------------------------------- internals
    def _open(self, pos: np.ndarray, box: np.ndarray) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "gsd":
            try:
                import gsd.hoomd
            except ImportError:
                raise MissingDependencyError("cg.trajectory = 'gsd' needs the gsd package (pip install gsd); "
                                             "or choose 'dcd' or 'xtc'") from None
            self._out = gsd.hoomd.open(str(self.path), mode="w")
            return
        import MDAnalysis as mda

        u = write_pdb(self.topology_path, pos, box, self.mass, self.name)
        write_psf(self.topology_path.with_suffix(".psf"), self.n, self.mass, self.name)
        kw = {"dt": self.dt_ps} if self.fmt == "dcd" else {}
        self._out = mda.Writer(str(self.path), self.n, **kw)
        self._universe = u

    def _write_gsd(self, pos: np.ndarray, box: np.ndarray) -> None:
        import gsd.hoomd

        frame = gsd.hoomd.Frame()
        frame.configuration.step = self.frames
        frame.configuration.box = [*box, 0.0, 0.0, 0.0]
        frame.particles.N = self.n
        frame.particles.types = [self.name]
        frame.particles.typeid = np.zeros(self.n, dtype=np.uint32)
        frame.particles.mass = np.full(self.n, self.mass, dtype=np.float32)
        frame.particles.position = (pos - 0.5 * box).astype(np.float32)
        self._out.append(frame)


def write_pdb(path: str | Path, positions_nm: np.ndarray, box_nm: np.ndarray, mass_gmol: float, name: str = "CG"):
    """One frame of ``CG`` beads as PDB (Å, the box in ``CRYST1``); returns the MDAnalysis Universe.

    Args:
        path: the ``.pdb`` file to write.
        positions_nm: (n_beads, 3) bead positions (nm), wrapped into the box.
        box_nm: (3,) orthorhombic box edges (nm).
        mass_gmol: bead mass (g/mol); PDB cannot carry it, the Universe does.
        name: residue name (first 4 characters).
    """
    import MDAnalysis as mda

    n = len(positions_nm)
    u = mda.Universe.empty(n, n_residues=n, atom_resindex=np.arange(n), trajectory=True)
    u.add_TopologyAttr("names", ["CG"] * n)
    u.add_TopologyAttr("types", ["CG"] * n)
    u.add_TopologyAttr("resnames", [name[:4] or "CG"] * n)
    u.add_TopologyAttr("resids", np.arange(1, n + 1))
    u.add_TopologyAttr("masses", np.full(n, float(mass_gmol)))
    u.atoms.positions = (np.asarray(positions_nm) * 10.0).astype(np.float32)
    u.dimensions = np.r_[np.asarray(box_nm, dtype=float) * 10.0, 90.0, 90.0, 90.0]
    with warnings.catch_warnings():  # PDB has no element column for a CG bead
        warnings.simplefilter("ignore")
        u.atoms.write(str(path))
    return u


def write_psf(path: str | Path, n_beads: int, mass_gmol: float, name: str = "CG") -> None:
    """A PSF topology of ``n_beads`` unbonded ``CG`` beads of ``mass_gmol`` (g/mol), charge 0.

    NAMD's space-separated flavour (``PSF NAMD``): no field-width limit at 10⁴ beads and more,
    and read by VMD and MDAnalysis alike.
    """
    res = name[:8] or "CG"
    lines = ["PSF NAMD", "", "       1 !NTITLE", f" REMARKS mobcg: {n_beads} CG beads, one per molecule, "
             f"{mass_gmol:.4f} g/mol", "", f"{n_beads:8d} !NATOM"]
    lines += [f"{i:8d} CG {i} {res} CG CG {0.0:.6f} {mass_gmol:.6f} 0" for i in range(1, n_beads + 1)]
    for section in ("NBOND: bonds", "NTHETA: angles", "NPHI: dihedrals", "NIMPHI: impropers", "NDON: donors",
                    "NACC: acceptors", "NNB"):
        lines += ["", f"{0:8d} !{section}"]
    lines += ["", f"{0:8d} {0:8d} !NGRP", ""]
    Path(path).write_text("\n".join(lines) + "\n")

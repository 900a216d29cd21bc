"""Engine-neutral construction of start configurations."""

from __future__ import annotations

import numpy as np

from mobcg_core.contract.errors import SimulationError
from mobcg_core.contract.types import CGSystem, PairPotential


def lattice_positions(n: int, box_nm: float, seed: int = 0, jitter: float = 0.05) -> np.ndarray:
    """``n`` points on a simple cubic lattice filling a cubic box (nm), slightly jittered.

    The jitter (fraction of the lattice spacing) breaks the lattice symmetry so that
    runs with different seeds decorrelate quickly.
    """
    per_side = int(np.ceil(n ** (1.0 / 3.0)))
    spacing = box_nm / per_side
    grid = np.stack(np.meshgrid(*[np.arange(per_side)] * 3, indexing="ij"), -1).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    chosen = grid[np.sort(rng.choice(len(grid), size=n, replace=False))]
    pos = (chosen + 0.5) * spacing
    return pos + rng.uniform(-jitter, jitter, size=pos.shape) * spacing


def cg_box(n_beads: int, mass_gmol: float, box_nm: float, potential: PairPotential,
           seed: int = 0) -> CGSystem:
    """A CG system on a jittered lattice (engines minimise before running).

    Raises ``SimulationError`` if the box is shorter than twice the potential's cutoff
    (the minimum image convention would not hold; engines refuse such boxes anyway).
    """
    if box_nm < 2 * potential.cutoff_nm:
        raise SimulationError(f"a CG box of {n_beads} beads is {box_nm:.3f} nm, less than twice the potential's "
                              f"cutoff ({potential.cutoff_nm:g} nm): use more beads (cg.n_beads)")
    return CGSystem(n_beads, mass_gmol, box_nm, potential, lattice_positions(n_beads, box_nm, seed))

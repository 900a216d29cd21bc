"""Per-iteration records of an IBI run: ``iter_NNN.npz`` plus ``history.json``.

An iteration is stored only once it is complete (atomic writes), so a run killed
at any moment resumes after the last complete iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobcg_core.io import atomic_save_npz, atomic_write_json, read_json
from mobcg_core.contract.types import PairPotential, RDF


@dataclass
class Iteration:
    index: int
    potential: PairPotential        # the potential simulated in this iteration
    next_potential: PairPotential   # its IBI update, simulated in the next one
    rdf: RDF
    positions_nm: np.ndarray        # end configuration (the next iteration starts here)


class IterationStore:
    def __init__(self, workdir: Path):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)

    def _path(self, k: int) -> Path:
        return self.dir / f"iter_{k:03d}.npz"

    def history(self) -> list[dict]:
        path = self.dir / "history.json"
        return read_json(path) if path.exists() else []

    def save(self, k: int, pot: PairPotential, nxt: PairPotential, g: RDF, positions: np.ndarray,
             record: dict) -> None:
        atomic_save_npz(self._path(k), r_nm=pot.r_nm, u_kjmol=pot.u_kjmol, f_kjmol_nm=pot.f_kjmol_nm,
                        next_u_kjmol=nxt.u_kjmol, next_f_kjmol_nm=nxt.f_kjmol_nm,
                        rdf_r_nm=g.r_nm, rdf_g=g.g, positions_nm=positions)
        # history.json is written after the npz: an npz without a history entry is ignored.
        atomic_write_json(self.dir / "history.json", self.history()[:k] + [record])

    def load(self, k: int) -> Iteration:
        d = np.load(self._path(k))
        return Iteration(k, PairPotential(d["r_nm"], d["u_kjmol"], d["f_kjmol_nm"]),
                         PairPotential(d["r_nm"], d["next_u_kjmol"], d["next_f_kjmol_nm"]),
                         RDF(d["rdf_r_nm"], d["rdf_g"]), d["positions_nm"])

    def last(self) -> Iteration | None:
        history = self.history()
        return self.load(history[-1]["index"]) if history else None

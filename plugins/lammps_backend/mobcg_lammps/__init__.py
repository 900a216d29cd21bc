"""LAMMPS engine plugin for mobcg (``[engine] name = "lammps"``)."""

from __future__ import annotations

from pathlib import Path

from mobcg_core.config.schema import Option
from mobcg_core.contract.hookspecs import Engine, Simulation, hookimpl
from mobcg_core.contract.types import CGSystem, MDProtocol, ModelExport

__version__ = "0.1.0"


class LammpsEngine(Engine):
    """CG MD with LAMMPS ``pair_style table``, and all-atom OPLS-AA liquids, through its
    Python library interface.

    Thermostats: Nosé–Hoover (``fix nvt``/``fix npt``) or Langevin (``fix langevin`` +
    ``fix nve``; NPT with Langevin uses ``fix nph``).
    """

    name = "lammps"
    version = __version__
    options = {
        "threads": Option(int, 1, "OpenMP threads (OPENMP package; 1 = plain styles)", min=1),
        "neighbor_skin_A": Option(float, 2.0, "all-atom neighbour-list skin (Å)", min=0.0),
        "cg_neighbor_skin_A": Option(float, 1.0, "CG neighbour-list skin (Å; 1000 beads, 15.5 Å table: 1.0 takes "
                                     "14–23 % less time per ps than LAMMPS' usual 2.0, 0.7 alike, "
                                     "benchmarks/cg_skin.py; lists are checked every step, so any skin is exact)",
                                     min=0.0),
        "pdamp_steps": Option(int, 1000, "Nosé–Hoover barostat damping (timesteps)", min=1),
        "electrostatics": Option(str, "pppm", "all-atom electrostatics: PPPM, or damped shifted force "
                                 "(a cutoff method, no k-space)", choices=("pppm", "dsf")),
        "aa_cutoff_nm": Option(float, 1.0, "all-atom LJ and real-space Coulomb cutoff (nm)", min=0.5, max=3.0),
        "constraints": Option(str, "none", "all-atom constraints (SHAKE)", choices=("none", "h-bonds")),
    }

    @classmethod
    def unavailable_reason(cls) -> str | None:
        from .session import load_library_error

        return load_library_error()

    def cg_simulation(self, system: CGSystem, protocol: MDProtocol) -> Simulation:
        from .cg import LammpsCGSimulation

        return LammpsCGSimulation(system, protocol, self.opts)

    def aa_simulation(self, system, protocol: MDProtocol) -> Simulation:
        from .aa import LammpsAASimulation

        return LammpsAASimulation(system, protocol, self.opts)

    @classmethod
    def export_model(cls, model: ModelExport, folder: Path) -> list[str]:
        from .export import write_lammps_input

        return write_lammps_input(model, folder)


@hookimpl
def mobcg_engines():
    return [LammpsEngine]

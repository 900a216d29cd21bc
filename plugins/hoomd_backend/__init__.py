"""HOOMD-blue engine plugin (``[engine] name = "hoomd"``), written for HOOMD-blue 4.x/5.x.

``hoomd`` is imported lazily: without it the plugin is listed as unavailable with
the reason, and nothing else is affected.
"""

from __future__ import annotations

from pathlib import Path

from mobcg_core.config.schema import Option
from mobcg_core.plugin_kit.segmented import missing_module
from mobcg_core.contract.hookspecs import Engine, Simulation, hookimpl
from mobcg_core.contract.types import CGSystem, MDProtocol, ModelExport

__version__ = "0.1.0"


class HoomdEngine(Engine):
    """Runs CG and all-atom MD with HOOMD-blue in the (nm, ps, kJ/mol, g/mol) unit system.

    Those units are self-consistent in HOOMD (energy = mass·length²/time²), so no
    conversion happens except pressure (1 bar = 0.0602214 kJ/mol/nm³).
    """

    name = "hoomd"
    version = __version__
    options = {
        "device": Option(str, "CPU", "HOOMD device", choices=("CPU", "GPU", "auto")),
        "buffer_nm": Option(float, 0.04, "neighbour-list buffer (nm)", min=0.0),
        "tau_barostat_ps": Option(float, 5.0, "barostat time constant (ps)", min=0.0, exclusive_min=True),
        "aa_cutoff_nm": Option(float, 1.0, "all-atom LJ and real-space Coulomb cutoff (nm)", min=0.5, max=3.0),
        "pppm_spacing_nm": Option(float, 0.1, "all-atom PPPM grid spacing (nm)", min=0.01, max=1.0),
        # HOOMD's CPU real-space Ewald term (erfc per pair) is ~60 % of an all-atom step; these nearly
        # apolar liquids lose little with a reaction field (OpenMM's option of the same name).
        "electrostatics": Option(str, "pppm", "all-atom electrostatics: PPPM, or a reaction field "
                                 "(ε_RF = 78.3, shifted to 0 at the cutoff, as OpenMM's)",
                                 choices=("pppm", "reaction_field")),
    }

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return missing_module("hoomd", "HOOMD-blue is not on PyPI: install it from conda-forge "
                                       "(conda install -c conda-forge hoomd) or build it from source")

    def cg_simulation(self, system: CGSystem, protocol: MDProtocol) -> Simulation:
        from .cg import HoomdCGSimulation

        return HoomdCGSimulation(system, protocol, self.opts)

    def aa_simulation(self, system, protocol: MDProtocol) -> Simulation:
        from .aa import HoomdAASimulation

        return HoomdAASimulation(system, protocol, self.opts)

    @classmethod
    def export_model(cls, model: ModelExport, folder: Path) -> list[str]:
        from .export import write_hoomd_script

        return write_hoomd_script(model, folder)


@hookimpl
def mobcg_engines():
    return [HoomdEngine]

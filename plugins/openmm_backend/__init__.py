"""OpenMM engine plugin for mobcg (``[engine] name = "openmm"``)."""

from __future__ import annotations

from pathlib import Path

from mobcg_core.config.schema import Option
from mobcg_core.plugin_kit.segmented import missing_module
from mobcg_core.contract.hookspecs import Engine, Simulation, hookimpl
from mobcg_core.contract.types import CGSystem, MDProtocol, ModelExport

__version__ = "0.1.0"


class OpenMMEngine(Engine):
    """Runs CG (tabulated pair potential) and all-atom MD with OpenMM.

    Thermostat: Langevin middle integrator; barostat: Monte Carlo (isotropic).
    """

    name = "openmm"
    version = __version__
    options = {
        "platform": Option(str, "CPU", "OpenMM platform",
                           choices=("CPU", "CUDA", "OpenCL", "HIP", "Reference")),
        "threads": Option(int, 0, "CPU threads (0: the executor's share per job, else all cores)", min=0),
        "precision": Option(str, "mixed", "GPU precision", choices=("single", "mixed", "double")),
        "device_index": Option(str, "", "GPU device index, e.g. '0' or '0,1'"),
        "cg_kernel": Option(str, "auto", "CG table evaluation: 'numpy' (spline over a Verlet list in a "
                            "PythonForce, fastest on 1-2 CPU threads), 'segments' (spline coefficients by "
                            "lookup), 'spline' (Continuous1DFunction, native on GPUs), 'auto' (numpy on CPU up "
                            "to 2 threads, else segments; spline on GPUs)",
                            choices=("auto", "numpy", "segments", "spline")),
        "barostat_interval": Option(int, 25, "steps between Monte Carlo volume moves", min=1),
        "electrostatics": Option(str, "PME", "all-atom electrostatics", choices=("PME", "reaction_field")),
        "aa_cutoff_nm": Option(float, 1.0, "all-atom non-bonded cutoff (nm)", min=0.5, max=3.0),
        "constraints": Option(str, "none", "all-atom constraints", choices=("none", "h-bonds")),
    }

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return missing_module("openmm", "pip install openmm")

    def cg_simulation(self, system: CGSystem, protocol: MDProtocol) -> Simulation:
        from .cg import OpenMMCGSimulation

        return OpenMMCGSimulation(system, protocol, self.opts)

    def aa_simulation(self, system, protocol: MDProtocol) -> Simulation:
        from .aa import OpenMMAASimulation

        return OpenMMAASimulation(system, protocol, self.opts)

    @classmethod
    def export_model(cls, model: ModelExport, folder: Path) -> list[str]:
        from .export import write_openmm_script

        return write_openmm_script(model, folder)


@hookimpl
def mobcg_engines():
    return [OpenMMEngine]

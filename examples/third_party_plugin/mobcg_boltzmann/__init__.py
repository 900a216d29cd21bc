"""One-shot Boltzmann inversion, U(r) = −kT ln g(r): a complete third-party cg_method.

It needs no simulation: the potential of mean force is the zeroth IBI iterate.
Good as a quick first guess, usually too structured at liquid densities.
"""

from __future__ import annotations

from mobcg_core.config.schema import Option
from mobcg_core.contract.hookspecs import CGMethod, CGOutcome, hookimpl
from mobcg_core.physics.potentials import pmf_potential
from mobcg_core.contract.units import kT_kjmol


class BoltzmannInversion(CGMethod):
    name = "boltzmann"
    version = "0.1.0"
    options = {
        "core_threshold": Option(float, 0.01, "g(r) below which the core wall takes over", min=0.0, max=1.0),
    }

    def derive(self, task, engine, workdir, progress=None):
        pot = pmf_potential(task.target, kT_kjmol(task.temperature_K), task.cutoff_nm, task.table_dr_nm,
                            self.opts["core_threshold"])
        if progress:
            progress(1, 1, "done")
        return CGOutcome(pot, {"iterations": 0, "method": "one-shot Boltzmann inversion"})


@hookimpl
def mobcg_cg_methods():
    return [BoltzmannInversion]

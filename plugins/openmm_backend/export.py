"""``run_openmm.py`` for an exported model: OpenMM alone, no mobcg needed to run it."""

from __future__ import annotations

from pathlib import Path
from string import Template

from mobcg_core.contract.types import ModelExport
from mobcg_core.io import atomic_write_text

SCRIPT = Template('''"""$label: $n_beads CG beads of $mass_gmol g/mol at $temperature_K K in OpenMM.

Written by mobcg export:

    python run_openmm.py [--ps 100] [--platform CPU|CUDA|OpenCL]

Reads start.pdb and potential.xvg (nm, kJ/mol; U in column 6), writes trajectory.dcd and one
line per ps (step, temperature, potential energy) to stdout.
"""

import argparse
import sys

import numpy as np
import openmm as mm
from openmm import app, unit

TEMPERATURE_K, TIMESTEP_FS, MASS_GMOL = $temperature_K, $timestep_fs, $mass_gmol  # K, fs, g/mol
CUTOFF_NM, R_MIN_NM = $cutoff_nm, $r_min_nm
THERMOSTAT, FRICTION_PER_PS, DPD_RANGE_NM, SEED = "$thermostat", $friction_per_ps, $dpd_range_nm, $seed

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--ps", type=float, default=100.0, help="length of the run (ps)")
parser.add_argument("--platform", default="CPU", help="OpenMM platform")
args = parser.parse_args()

pdb = app.PDBFile("start.pdb")
table = np.loadtxt("potential.xvg", comments=("#", "@"))
keep = (table[:, 0] >= R_MIN_NM - 1e-9) & (table[:, 0] <= CUTOFF_NM + 1e-9)
r, u = table[keep, 0], table[keep, 5]
system = mm.System()
system.setDefaultPeriodicBoxVectors(*pdb.topology.getPeriodicBoxVectors())
pair = mm.CustomNonbondedForce(f"table(max(r, {float(r[0])!r}))")
pair.addTabulatedFunction("table", mm.Continuous1DFunction(u.tolist(), float(r[0]), float(r[-1])))
pair.setNonbondedMethod(mm.CustomNonbondedForce.CutoffPeriodic)
pair.setCutoffDistance(CUTOFF_NM)
for _ in range(pdb.topology.getNumAtoms()):
    system.addParticle(MASS_GMOL)
    pair.addParticle([])
system.addForce(pair)
dt_ps = TIMESTEP_FS * 1e-3
if THERMOSTAT == "dpd":
    integrator = mm.DPDIntegrator(TEMPERATURE_K, FRICTION_PER_PS, DPD_RANGE_NM, dt_ps)
elif THERMOSTAT == "langevin":
    integrator = mm.LangevinMiddleIntegrator(TEMPERATURE_K, FRICTION_PER_PS, dt_ps)
else:
    integrator = mm.NoseHooverIntegrator(TEMPERATURE_K, FRICTION_PER_PS, dt_ps)
if hasattr(integrator, "setRandomNumberSeed"):
    integrator.setRandomNumberSeed(SEED)
sim = app.Simulation(pdb.topology, system, integrator, mm.Platform.getPlatformByName(args.platform))
sim.context.setPositions(pdb.positions)
energy = sim.context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
print(f"potential energy of start.pdb: {energy:.6f} kJ/mol", flush=True)
sim.context.setVelocitiesToTemperature(TEMPERATURE_K, SEED)
every = max(1, round(1000.0 / TIMESTEP_FS))
sim.reporters.append(app.DCDReporter("trajectory.dcd", every))
sim.reporters.append(app.StateDataReporter(sys.stdout, every, step=True, temperature=True, potentialEnergy=True))
sim.step(round(args.ps * 1000.0 / TIMESTEP_FS))
''')


def write_openmm_script(model: ModelExport, folder: Path) -> list[str]:
    """Write ``run_openmm.py``; return its name."""
    seed = model.protocol.seed % 2_000_000_000 + 1  # OpenMM: a positive int32 (0 means "random")
    atomic_write_text(folder / "run_openmm.py", SCRIPT.substitute(model.script_values(seed)))
    return ["run_openmm.py"]

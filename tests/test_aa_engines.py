"""All-atom systems on every engine that runs them, held to OpenMM as the reference.

The same OPLS-AA box (published and synthetic bonded parameters) must give the same
potential energy on every engine before any step is taken: bonded terms exactly, LJ with
geometric mixing, 1-4 scaling, tail correction and Ewald-type electrostatics within the
k-space accuracy.
"""

from __future__ import annotations

import numpy as np
import pytest

from mobcg_core.forcefield import BondedParameters, build_liquid_box, build_molecule, parametrize
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.contract.types import MDProtocol

OTHER_AA_ENGINES = {"lammps": {"electrostatics": "pppm", "aa_cutoff_nm": 1.0},
                    "hoomd": {"device": "CPU", "aa_cutoff_nm": 1.0}}


@pytest.fixture(params=sorted(OTHER_AA_ENGINES))
def aa_engine(request):
    rec = registry().get("engine", request.param)
    if rec is None or not rec.available:
        pytest.skip(f"engine {request.param} unavailable: {rec.reason if rec else 'not installed'}")
    opts = {k: v for k, v in OTHER_AA_ENGINES[request.param].items() if k in rec.cls.options}
    return registry().create("engine", request.param, plugin_defaults("engine", request.param, opts))


def _energy(engine, box) -> float:
    sim = engine.aa_simulation(box, MDProtocol(298.15, 1.0, 0.0, seed=1))
    try:
        return float(sim.run(0.0).potential_energy_kjmol[-1])  # no step taken
    finally:
        sim.close()


@pytest.mark.parametrize("smiles, draw", [("CCC(C)CC", None), ("CCC(C)CC", 5), ("CCc1ccccc1", None)])
def test_aa_energy_matches_openmm(aa_engine, smiles, draw):
    topo = build_molecule(smiles, seed=1)
    bonded = None if draw is None else BondedParameters.synthetic(topo, draw)
    box = build_liquid_box(parametrize(topo, bonded), 40, 0.6, seed=1)
    ref = registry().create("engine", "openmm", plugin_defaults("engine", "openmm",
                                                                {"threads": 1, "aa_cutoff_nm": 1.0}))
    e_ref, e = _energy(ref, box), _energy(aa_engine, box)
    # Bonded sums are identical; PME (OpenMM, tolerance 5e-4) vs PPPM (1e-5) differ by < 1 kJ/mol here.
    assert e == pytest.approx(e_ref, rel=2e-3, abs=2.0), (e, e_ref)


def test_aa_npt_run_gives_com_frames(aa_engine):
    topo = build_molecule("CCC(C)CC", seed=2)
    box = build_liquid_box(parametrize(topo), 40, 0.55, seed=2)
    sim = aa_engine.aa_simulation(box, MDProtocol(298.15, 1.0, 0.0, pressure_bar=1.0, seed=2,
                                                  thermostat="langevin", friction_per_ps=5.0))
    try:
        sim.minimize()
        traj = sim.run(5.0, 0.5)
    finally:
        sim.close()
    assert traj.positions_nm.shape == (10, 40, 3)
    assert traj.mass_gmol == pytest.approx(topo.mass_gmol)
    assert np.all(np.isfinite(traj.potential_energy_kjmol))
    # Equipartition over the sampled frames (no constraints: 3N − 3 degrees of freedom) ...
    kT = 0.0083144626 * 298.15
    ekin = np.mean(traj.kinetic_energy_kjmol)
    assert ekin == pytest.approx(0.5 * (3 * 40 * topo.n_atoms - 3) * kT, rel=0.08)
    # ... and the barostat moves the box, within liquid densities (a 40-molecule box fluctuates a lot).
    assert np.std(traj.box_nm[:, 0]) > 1e-4
    rho = 40 * topo.mass_gmol / 602.214076 / traj.box_nm[:, 0] ** 3
    assert np.all((rho > 0.4) & (rho < 0.9))


@pytest.mark.parametrize("smiles", ["CCC(C)CC", "CCc1ccccc1"])
def test_hoomd_reaction_field_energy_matches_openmm(smiles):
    """HOOMD's cheaper electrostatics (no erfc per pair) is the same reaction field as OpenMM's."""
    rec = registry().get("engine", "hoomd")
    if rec is None or not rec.available:
        pytest.skip(f"engine hoomd unavailable: {rec.reason if rec else 'not installed'}")
    box = build_liquid_box(parametrize(build_molecule(smiles, seed=1)), 40, 0.6, seed=1)
    options = {"aa_cutoff_nm": 0.9, "electrostatics": "reaction_field"}
    ref = registry().create("engine", "openmm", plugin_defaults("engine", "openmm", {"threads": 1, **options}))
    hoomd = registry().create("engine", "hoomd", plugin_defaults("engine", "hoomd", options))
    e_ref, e = _energy(ref, box), _energy(hoomd, box)
    assert e == pytest.approx(e_ref, rel=2e-3, abs=2.0), (e, e_ref)


def test_lammps_npt_with_h_bond_constraints_holds_bonds_and_pressure():
    """SHAKE must precede LAMMPS's box-changing fix: NPT with h-bonds at 2 fs was refused before."""
    rec = registry().get("engine", "lammps")
    if rec is None or not rec.available:
        pytest.skip(f"engine lammps unavailable: {rec.reason if rec else 'not installed'}")
    eng = registry().create("engine", "lammps", plugin_defaults("engine", "lammps", {"constraints": "h-bonds"}))
    box = build_liquid_box(parametrize(build_molecule("CCCCCC", seed=3)), 40, 0.6, seed=3)
    sim = eng.aa_simulation(box, MDProtocol(298.15, 2.0, 0.0, pressure_bar=1.01325, seed=3,
                                            thermostat="nose_hoover", friction_per_ps=1.0))
    try:
        sim.minimize()
        traj = sim.run(6.0, 0.5)
    finally:
        sim.close()
    # 2 fs with C–H bonds free would heat the box; with SHAKE the kinetic temperature stays near 298 K
    # (dof = 3N − N_H-bonds − 3), and the box responds to the barostat.
    n_atoms, n_h = 40 * 20, 40 * 14
    t_kin = 2 * np.mean(traj.kinetic_energy_kjmol[4:]) / ((3 * n_atoms - n_h - 3) * 0.0083144626)
    assert 250 < t_kin < 350, t_kin
    assert np.ptp(traj.box_nm[:, 0]) > 0

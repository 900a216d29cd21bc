"""OPLS-AA typing from SMILES, synthetic force fields, and all-atom MD with a real engine."""

from __future__ import annotations

import numpy as np
import pytest

from mobcg_core.analysis import structure_error
from mobcg_core.contract.errors import MobcgError
from mobcg_core.forcefield import BondedParameters, build_molecule, parametrize, term_types
from mobcg_core.workflows import run_aa_liquid

MOLECULES = {  # SMILES: (atoms, molar mass g/mol, OPLS types)
    "CC(C)C(C)C(C)C": (26, 114.23, {"CT1", "CT3", "HC"}),          # 2,3,4-trimethylpentane
    "CCC(C)CC": (20, 86.18, {"CT1", "CT2", "CT3", "HC"}),          # 3-methylpentane
    "CCc1ccccc1": (18, 106.17, {"CA", "CAR", "CT2", "CT3", "HA", "HC"}),  # ethylbenzene
    "CCC(CC)CCC": (26, 114.23, {"CT1", "CT2", "CT3", "HC"}),       # 3-ethylhexane
    "CC(C)C(C)C": (20, 86.18, {"CT1", "CT3", "HC"}),               # 2,3-dimethylbutane
    "CC(C)(C)C": (17, 72.15, {"CT0", "CT3", "HC"}),                # neopentane
    "c1ccccc1": (12, 78.11, {"CA", "HA"}),                         # benzene
    "Cc1cc(C)cc(C)c1": (21, 120.19, {"CA", "CAR", "CT3", "HA", "HC"}),  # mesitylene
}


@pytest.mark.parametrize("smiles", sorted(MOLECULES))
def test_typing_and_neutrality(smiles):
    n_atoms, mass, types = MOLECULES[smiles]
    topo = build_molecule(smiles)
    assert topo.n_atoms == n_atoms and set(topo.types) == types
    assert topo.mass_gmol == pytest.approx(mass, abs=0.02)
    assert abs(topo.charges_e.sum()) < 1e-9
    params = parametrize(topo)  # every term finds published parameters
    assert len(params.bond_k) == len(topo.bonds) and np.all(params.bond_k > 0)


def test_benzylic_charges_follow_oplsaa():
    topo = build_molecule("CCc1ccccc1")
    q = dict(zip(topo.types, topo.charges_e))
    assert q["CT2"] == pytest.approx(-0.005) and q["CT3"] == pytest.approx(-0.18)  # opls_149, opls_135
    assert q["CAR"] == pytest.approx(-0.115)
    toluene = build_molecule("Cc1ccccc1")
    assert dict(zip(toluene.types, toluene.charges_e))["CT3"] == pytest.approx(-0.065)  # opls_148


def test_aromatic_dihedrals_hold_the_ring_planar():
    topo = build_molecule("c1ccccc1")
    params = parametrize(topo)
    assert np.allclose(params.dihedral_v_kjmol[:, 1], 7.25 * 4.184)


@pytest.mark.parametrize("smiles, message", [("CCO", "cannot type atom"), ("C=CC", "cannot type atom"),
                                             ("C1CC(", "cannot parse SMILES"), ("", "cannot parse SMILES")])
def test_untypable_or_bad_smiles(smiles, message):
    with pytest.raises(MobcgError, match=message):
        build_molecule(smiles)


def test_synthetic_draws_reproducible_within_ranges():
    topo = build_molecule("CC(C)C(C)C(C)C")
    a, b = BondedParameters.synthetic(topo, 7), BondedParameters.synthetic(topo, 7)
    c = BondedParameters.synthetic(topo, 8)
    assert a.as_dict() == b.as_dict() and a.hash == b.hash
    assert a.hash != c.hash and a.bonds != c.bonds
    assert set(a.bonds) == set(term_types(topo)["bonds"]) == {"CT-CT", "CT-HC"}
    assert 1.0 <= a.bonds["CT-CT"][1] <= 2.5 and 0.6 <= a.bonds["CT-HC"][1] <= 1.8
    assert all(20 <= v[0] <= 1000 for v in a.bonds.values())
    assert all(70 <= v[1] <= 140 and 5 <= v[0] <= 100 for v in a.angles.values())
    assert all(-2 <= x <= 2 for v in a.dihedrals.values() for x in v)
    assert BondedParameters.published(topo).hash != a.hash


AA_SETTINGS = {"timestep_fs": 1.0, "equilibration_ps": 2.0, "production_ps": 4.0, "report_interval_ps": 0.1,
               "thermostat": "langevin", "friction_per_ps": 1.0,
               "synthetic_ranges": {"bond_r0_CC": [2.0, 2.2]}}  # stretched C–C bonds


def test_synthetic_molecule_has_measurably_different_structure(openmm_engine):
    """Stretched bonds make a bigger molecule with a measurably different COM g(r)."""
    openmm_engine.opts.update({"electrostatics": "reaction_field", "aa_cutoff_nm": 0.8, "threads": 2})
    runs = {}
    for label, seed in (("published", None), ("synthetic", 3)):
        runs[label] = run_aa_liquid(openmm_engine, "CCC(C)CC", 40, 0.55, AA_SETTINGS, 298.15, None, seed=1,
                                    forcefield_seed=seed)
    pub, syn = runs["published"], runs["synthetic"]
    assert syn.bonded["bonds"]["CT-CT"][1] >= 2.0
    # Two published runs with different seeds differ by ε ≈ 0.014 (sampling noise of this
    # small, short run); the stretched molecule differs by ε ≈ 0.07–0.10.
    assert structure_error(syn.rdf, pub.rdf, 0.3, 1.1) > 0.04
    assert pub.density_g_cm3 == pytest.approx(0.55, rel=1e-6)  # NVT at the packing density

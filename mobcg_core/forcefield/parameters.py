"""Bonded parameters: published OPLS-AA or synthetic draws, and their conversion to core units.

A :class:`BondedParameters` is a value: per bond/angle/dihedral *type* (the tuple of
atom classes), the parameters in the published LAMMPS conventions (Å, kcal/mol, deg),
with the seed it was drawn from and a stable hash recorded with every result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mobcg_core.contract.errors import MoleculeError
from mobcg_core.io import stable_hash
from mobcg_core.contract.units import ANGSTROM_PER_NM, KCAL_TO_KJ
from mobcg_core.forcefield.molecule import Topology, oplsaa_data


def _key(classes: tuple[str, ...]) -> str:
    """Canonical type key: the lexically smaller of the tuple and its reverse."""
    return "-".join(min(classes, tuple(reversed(classes))))


def _lookup(table: dict, classes: tuple[str, ...], what: str) -> list[float]:
    for cand in (classes, tuple(reversed(classes))):
        key = "-".join(cand)
        if key in table:
            return table[key]
    if len(classes) == 4:
        for cand in (classes, tuple(reversed(classes))):
            wild = "-".join(("X", cand[1], cand[2], "X"))
            if wild in table:
                return table[wild]
    raise MoleculeError(f"OPLS-AA has no {what} parameters for {'-'.join(classes)}")


def term_types(topo: Topology) -> dict[str, list[str]]:
    """The distinct bond, angle and dihedral type keys of a molecule."""
    c = topo.classes
    return {"bonds": sorted({_key(tuple(c[i] for i in b)) for b in topo.bonds}),
            "angles": sorted({_key(tuple(c[i] for i in a)) for a in topo.angles}),
            "dihedrals": sorted({_key(tuple(c[i] for i in d)) for d in topo.dihedrals})}


@dataclass
class BondedParameters:
    """Bonded parameters per type key, published conventions.

    bonds: key -> [K kcal/mol/Å², r0 Å]; angles: key -> [K kcal/mol/rad², θ0 deg];
    dihedrals: key -> [V1, V2, V3 kcal/mol].  ``seed`` is None for the published set.
    """

    bonds: dict[str, list[float]]
    angles: dict[str, list[float]]
    dihedrals: dict[str, list[float]]
    seed: int | None = None
    ranges: dict = field(default_factory=dict)

    @property
    def hash(self) -> str:
        return stable_hash({"bonds": self.bonds, "angles": self.angles, "dihedrals": self.dihedrals})

    def as_dict(self) -> dict:
        return {"bonds": self.bonds, "angles": self.angles, "dihedrals": self.dihedrals, "seed": self.seed,
                "hash": self.hash, "ranges": self.ranges}

    @classmethod
    def published(cls, topo: Topology) -> "BondedParameters":
        data, keys = oplsaa_data(), term_types(topo)
        return cls(*({k: list(_lookup(data[kind], tuple(k.split("-")), kind[:-1])) for k in keys[kind]}
                     for kind in ("bonds", "angles", "dihedrals")))

    @classmethod
    def synthetic(cls, topo: Topology, seed: int, ranges: dict | None = None) -> "BondedParameters":
        """Uniform random draws per type within ``ranges`` (defaults: the published ranges).

        Non-bonded parameters are not touched: they stay OPLS-AA.
        """
        r = {**oplsaa_data()["synthetic"], **(ranges or {})}
        rng = np.random.default_rng(seed)
        keys = term_types(topo)

        def u(lo_hi):
            return float(rng.uniform(*lo_hi))

        bonds = {k: [u(r["bond_K"]), u(r["bond_r0_CH"] if _has_h(k) else r["bond_r0_CC"])]
                 for k in keys["bonds"]}
        angles = {k: [u(r["angle_K"]), u(r["angle_theta0"])] for k in keys["angles"]}
        dihedrals = {k: [u(r["dihedral_K"]) for _ in range(3)] for k in keys["dihedrals"]}
        return cls(bonds, angles, dihedrals, seed, r)


def _has_h(key: str) -> bool:
    return any(cls in ("HC", "HA") for cls in key.split("-"))


@dataclass
class MoleculeParameters:
    """A topology with every term's parameters in core units (OpenMM/GROMACS conventions).

    bond_k: E = ½ k (r − r0)², k in kJ/mol/nm², r0 in nm.
    angle_k: E = ½ k (θ − θ0)², k in kJ/mol/rad², θ0 in rad.
    dihedral_v: V1..V3 in kJ/mol of the OPLS Fourier series.
    sigma_nm, epsilon_kjmol, charges_e: per atom; pairs14 scaled by 0.5 (LJ and Coulomb).
    """

    topology: Topology
    bonded: BondedParameters
    bond_k: np.ndarray
    bond_r0_nm: np.ndarray
    angle_k: np.ndarray
    angle_theta0_rad: np.ndarray
    dihedral_v_kjmol: np.ndarray
    sigma_nm: np.ndarray
    epsilon_kjmol: np.ndarray


def parametrize(topo: Topology, bonded: BondedParameters | None = None) -> MoleculeParameters:
    """Attach parameters (published OPLS-AA when ``bonded`` is None) in core units."""
    bonded = bonded or BondedParameters.published(topo)
    c, types = topo.classes, oplsaa_data()["types"]
    kj, nm = KCAL_TO_KJ, 1.0 / ANGSTROM_PER_NM
    b = np.array([bonded.bonds[_key(tuple(c[i] for i in t))] for t in topo.bonds]).reshape(-1, 2)
    a = np.array([bonded.angles[_key(tuple(c[i] for i in t))] for t in topo.angles]).reshape(-1, 2)
    d = np.array([bonded.dihedrals[_key(tuple(c[i] for i in t))] for t in topo.dihedrals]).reshape(-1, 3)
    return MoleculeParameters(
        topo, bonded,
        bond_k=2 * b[:, 0] * kj / nm**2, bond_r0_nm=b[:, 1] * nm,
        angle_k=2 * a[:, 0] * kj, angle_theta0_rad=np.radians(a[:, 1]),
        dihedral_v_kjmol=d * kj,
        sigma_nm=np.array([types[t]["sigma"] for t in topo.types]) * nm,
        epsilon_kjmol=np.array([types[t]["epsilon"] for t in topo.types]) * kj)


def dihedral_energy_kjmol(phi_rad: np.ndarray, v: np.ndarray) -> np.ndarray:
    """OPLS Fourier dihedral energy for V1..V3 (kJ/mol)."""
    return 0.5 * (v[0] * (1 + np.cos(phi_rad)) + v[1] * (1 - np.cos(2 * phi_rad)) + v[2] * (1 + np.cos(3 * phi_rad)))


"""Molecules from SMILES, typed with OPLS-AA, with their bonded topology.

RDKit builds the molecule (explicit hydrogens, one 3D conformer); typing rules
cover saturated and aromatic hydrocarbons and fail loudly for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from mobcg_core.contract.errors import MoleculeError
from mobcg_core.io import tomllib


@lru_cache(maxsize=1)
def oplsaa_data() -> dict:
    """The force-field data file (published units: Å, kcal/mol, degrees)."""
    text = resources.files("mobcg_core.forcefield").joinpath("data/oplsaa_hydrocarbons.toml").read_text()
    return tomllib.loads(text)


@dataclass
class Topology:
    """A typed molecule: atoms, OPLS types and the bonded terms (index tuples).

    ``positions_nm`` is one RDKit conformer, used to build liquid boxes.
    """

    smiles: str
    elements: list[str]
    types: list[str]
    charges_e: np.ndarray
    bonds: list[tuple[int, int]]
    angles: list[tuple[int, int, int]]
    dihedrals: list[tuple[int, int, int, int]]
    positions_nm: np.ndarray
    pairs14: list[tuple[int, int]] = field(default_factory=list)

    @property
    def n_atoms(self) -> int:
        return len(self.elements)

    @property
    def classes(self) -> list[str]:
        types = oplsaa_data()["types"]
        return [types[t]["class"] for t in self.types]

    @property
    def masses_gmol(self) -> np.ndarray:
        types = oplsaa_data()["types"]
        return np.array([types[t]["mass"] for t in self.types])

    @property
    def mass_gmol(self) -> float:
        return float(self.masses_gmol.sum())

    def exclusions(self) -> set[tuple[int, int]]:
        """1-2 and 1-3 pairs (excluded from non-bonded interactions), i < j."""
        pairs = {tuple(sorted(b)) for b in self.bonds}
        pairs |= {tuple(sorted((a[0], a[2]))) for a in self.angles}
        return pairs


def _type_atom(atom) -> str:
    """OPLS-AA type name of an RDKit atom (hydrogens included explicitly)."""
    sym = atom.GetSymbol()
    neighbours = atom.GetNeighbors()
    if sym == "H":
        (heavy,) = neighbours
        if heavy.GetSymbol() == "C" and heavy.GetIsAromatic():
            return "HA"
        if heavy.GetSymbol() == "C" and heavy.GetHybridization().name == "SP3":
            return "HC"
    elif sym == "C" and atom.GetIsAromatic():
        n_h = sum(1 for n in neighbours if n.GetSymbol() == "H")
        heavy = [n for n in neighbours if n.GetSymbol() != "H"]
        if all(n.GetSymbol() == "C" for n in heavy) and len(neighbours) == 3:
            return "CA" if n_h == 1 else "CAR"
    elif sym == "C" and atom.GetHybridization().name == "SP3" and atom.GetFormalCharge() == 0:
        if all(n.GetSymbol() in ("C", "H") for n in neighbours):
            n_h = sum(1 for n in neighbours if n.GetSymbol() == "H")
            return f"CT{n_h}"
    raise MoleculeError(f"cannot type atom {atom.GetIdx()} ({sym}, {atom.GetHybridization().name}, "
                     f"{'aromatic' if atom.GetIsAromatic() else 'aliphatic'}): mobcg's OPLS-AA covers "
                     "saturated and aromatic hydrocarbons only")


def _charges(mol, types: list[str]) -> np.ndarray:
    data = oplsaa_data()
    q = np.array([data["types"][t]["q"] for t in types])
    for atom in mol.GetAtoms():
        if types[atom.GetIdx()].startswith("CT") and any(n.GetIsAromatic() for n in atom.GetNeighbors()):
            q[atom.GetIdx()] += data["benzylic"]["charge_shift"]
    return q


def _terms(mol) -> tuple[list, list, list]:
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()]
    nbr = {a.GetIdx(): [n.GetIdx() for n in a.GetNeighbors()] for a in mol.GetAtoms()}
    angles = [(i, j, k) for j in nbr for i in nbr[j] for k in nbr[j] if i < k]
    dihedrals = []
    for j, k in bonds:
        for i in nbr[j]:
            for m in nbr[k]:
                if i != k and m != j and i != m:
                    dihedrals.append((i, j, k, m))
    return bonds, angles, dihedrals


def build_molecule(smiles: str, seed: int = 0) -> Topology:
    """Typed OPLS-AA topology and one 3D conformer (nm) from a SMILES string."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import AllChem

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        raise MoleculeError(f"cannot parse SMILES {smiles!r}")
    mol = Chem.AddHs(mol)
    types = [_type_atom(a) for a in mol.GetAtoms()]
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(mol, params) != 0:
        raise MoleculeError(f"RDKit could not embed a 3D conformer for {smiles!r}")
    AllChem.MMFFOptimizeMolecule(mol)
    pos = mol.GetConformer().GetPositions() / 10.0
    bonds, angles, dihedrals = _terms(mol)
    topo = Topology(smiles, [a.GetSymbol() for a in mol.GetAtoms()], types, _charges(mol, types),
                    bonds, angles, dihedrals, pos)
    excluded = topo.exclusions()
    topo.pairs14 = sorted({tuple(sorted((d[0], d[3]))) for d in dihedrals} - excluded)
    return topo

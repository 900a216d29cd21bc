"""Molecules from SMILES (RDKit)."""

from __future__ import annotations

from .errors import MobcgError


def molar_mass_gmol(smiles: str) -> float:
    """Average molar mass (g/mol) of the molecule, hydrogens included."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import Descriptors

    RDLogger.DisableLog("rdApp.*")  # RDKit prints parse errors itself; we raise one line instead
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        raise MobcgError(f"cannot parse SMILES {smiles!r} (check the liquid's smiles key)")
    return float(Descriptors.MolWt(mol))

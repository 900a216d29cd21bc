"""Molecules from SMILES (RDKit)."""

from __future__ import annotations

from mobcg_core.contract.errors import MobcgError


def molar_mass_gmol(smiles: str) -> float:
    """Average molar mass (g/mol) of the molecule, hydrogens included."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import Descriptors

    RDLogger.DisableLog("rdApp.*")  # RDKit prints parse errors itself; we raise one line instead
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        raise MobcgError(f"cannot parse SMILES {smiles!r} (check the liquid's smiles key)")
    return float(Descriptors.MolWt(mol))


#: The paper's reference liquids and the test liquids of the force-field issue, by short name.
KNOWN_MOLECULES = {
    "234TriMePe": "CC(C)C(C)C(C)C",
    "EtBz": "CCc1ccccc1",
    "3MePe": "CCC(C)CC",
    "3EtHex": "CCCC(CC)CC",
    "23DiMeBu": "CC(C)C(C)C",
    "neopentane": "CC(C)(C)C",
    "benzene": "c1ccccc1",
    "mesitylene": "Cc1cc(C)cc(C)c1",
}


def resolve_molecule(entry: str) -> tuple[str, str]:
    """``(name, smiles)`` for a known short name (see :data:`KNOWN_MOLECULES`) or a SMILES."""
    if entry in KNOWN_MOLECULES:
        return entry, KNOWN_MOLECULES[entry]
    molar_mass_gmol(entry)  # raises a one-line error for a bad SMILES
    return entry, entry

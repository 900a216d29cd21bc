"""Engine-neutral all-atom description: OPLS-AA hydrocarbons from SMILES, synthetic variants."""

from mobcg_core.forcefield.box import LiquidBox, build_liquid_box
from mobcg_core.forcefield.molecule import Topology, build_molecule, oplsaa_data
from mobcg_core.forcefield.parameters import BondedParameters, MoleculeParameters, parametrize, term_types

__all__ = ["Topology", "build_molecule", "oplsaa_data", "BondedParameters", "MoleculeParameters",
           "parametrize", "term_types", "LiquidBox", "build_liquid_box"]

"""mobcg: mobility-preserving coarse-grained models of molecular liquids.

Internal units everywhere in the core: nm, ps, kJ/mol, g/mol, K, bar.
Conversions to other conventions (Å, kcal/mol, atm) happen only at the edges
(table files, reports), see :mod:`mobcg_core.contract.units`.
"""

__version__ = "0.2.0.dev0"

"""Simulation workflows on the engine contract: the all-atom liquid run and the one CG measurement.

Below the study and the database (both use them), above analysis, force field and plugin kit
(they use those); no engine is imported here.
"""

from mobcg_core.workflows.all_atom import AAResult, run_aa_liquid
from mobcg_core.workflows.cg import CGMeasurement, CGRun, measure_cg

__all__ = ["AAResult", "run_aa_liquid", "CGMeasurement", "CGRun", "measure_cg"]

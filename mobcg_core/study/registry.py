"""The stage registry: each stage's function and what follows it.

Stages never import each other through this table: a stage module may use another's helpers
(``ml_stages`` reads the IBI potential through ``stages.load_potential``), and only this module
and the pipeline see them all.
"""

from __future__ import annotations

from typing import Callable

from mobcg_core.database.generate import stage_database
from mobcg_core.study.friction_stage import stage_friction
from mobcg_core.study.ml_stages import stage_predict, stage_train, stage_validate
from mobcg_core.study.report import write_validation
from mobcg_core.study.stages import stage_cg_md, stage_coarse_grain, stage_target

#: name -> function; study stages take (study), liquid stages (study, liquid).
STAGE_FUNCTIONS: dict[str, Callable] = {
    "database": stage_database, "train": stage_train, "target": stage_target,
    "coarse_grain": stage_coarse_grain, "friction": stage_friction, "cg_md": stage_cg_md,
    "predict": stage_predict, "validate": stage_validate}

#: name -> function(study) run once after the stage has run for every liquid.
AFTER_STAGE: dict[str, Callable] = {"validate": write_validation}

"""The engine contract (``mobcg_core.plugin_kit.check_engine``), run for every installed engine.

Engines are taken from the plugin registry, not from a list of names: a third-party engine
installed here is checked too.  Engines that are not usable here skip with their reason.
"""

from __future__ import annotations

import numpy as np
import pytest

from mobcg_core.plugin_kit import CHECKS, check_engine
from mobcg_core.plugin_kit.engine_check import MASS, SIGMA, EPS, _box
from mobcg_core.plugins import registry
from mobcg_core.physics.potentials import lennard_jones
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.timestep import energy_drift
from mobcg_core.contract.types import PairPotential


def quiet_options(rec) -> dict:
    """Defaults, one CPU thread where the engine has such options (reproducible, fair)."""
    opts = {k: o.default for k, o in rec.cls.options.items()}
    for key, value in (("threads", 1), ("platform", "CPU"), ("device", "CPU")):
        if key in opts:
            opts[key] = value
    return opts


@pytest.fixture(params=registry().names("engine"))
def engine(request):
    rec = registry().get("engine", request.param)
    if not rec.available:
        pytest.skip(f"engine {request.param} unavailable: {rec.reason}")
    return rec.cls(quiet_options(rec))


@pytest.mark.parametrize("check", list(CHECKS))
def test_engine_contract(engine, check):
    report = check_engine(engine, [check])
    assert report[check] is None, report[check]


def test_energy_check_can_fail(engine):
    """The NVE check tells a rough table from a smooth one (it is not always green)."""
    lj = lennard_jones(SIGMA, EPS, 2.5 * SIGMA)
    rough = PairPotential(lj.r_nm, lj.u_kjmol + np.random.default_rng(0).normal(0, 0.5, len(lj.r_nm)))
    assert energy_drift(engine, cg_box(200, MASS, _box(200, 0.7), rough, seed=2), 120.0, 5.0, duration_ps=20.0) > 0.1

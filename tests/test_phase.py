"""The liquid-state check: a frozen or glassy CG run is told from a liquid by its own frames."""

from __future__ import annotations

import numpy as np

from mobcg_core.analysis import check_phase, fit_diffusion
from mobcg_core.contract.types import Trajectory

N, FRAMES, DT_PS, BOX_NM = 400, 200, 1.0, 4.0  # spacing (64/400)^(1/3) = 0.54 nm


def _traj(steps: np.ndarray) -> Trajectory:
    pos = np.cumsum(steps, axis=0)
    return Trajectory(DT_PS * np.arange(FRAMES), pos, np.full((FRAMES, 3), BOX_NM), 100.0)


def _walk(rng, d_nm2_ps: float, frames: int = FRAMES) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2 * d_nm2_ps * DT_PS), size=(frames, N, 3))


def test_a_random_walk_liquid_is_a_liquid_and_its_d_is_steady():
    rng = np.random.default_rng(1)
    traj = _traj(_walk(rng, 1e-3))  # D = 1e-9 m²/s, a slow hydrocarbon
    ph = check_phase(traj)
    assert ph.state == "liquid", ph.reason
    assert abs(ph.alpha2) < 0.1 and 0.7 < ph.d_half_ratio < 1.4
    assert abs(fit_diffusion(traj).d_1e9_m2_s - 1.0) < 0.1


def test_molecules_rattling_on_lattice_sites_are_frozen():
    rng = np.random.default_rng(2)
    sites = rng.uniform(0, BOX_NM, size=(N, 3))
    pos = sites + rng.normal(0, 0.03, size=(FRAMES, N, 3))  # 0.03 nm vibrations, no diffusion
    steps = np.diff(pos, axis=0, prepend=np.zeros((1, N, 3)))
    steps[0] = sites
    ph = check_phase(_traj(steps))
    assert ph.frozen and "cage" in ph.reason


def test_a_liquid_that_freezes_half_way_is_flagged_by_its_halves():
    rng = np.random.default_rng(3)
    steps = _walk(rng, 2e-3)
    steps[FRAMES // 2:] *= 0.05  # mobility drops 400-fold in the second half
    ph = check_phase(_traj(steps))
    assert ph.frozen and ph.d_half_ratio < 0.1 and "halves" in ph.reason


def test_a_glass_with_a_few_hopping_molecules_is_flagged_as_non_gaussian():
    rng = np.random.default_rng(4)
    steps = _walk(rng, 1e-5)
    movers = rng.choice(N, size=N // 20, replace=False)
    steps[:, movers] = _walk(rng, 5e-3)[:, : len(movers)]  # 5 % move, 95 % are caged
    ph = check_phase(_traj(steps))
    assert ph.frozen and ph.alpha2 > 1.0

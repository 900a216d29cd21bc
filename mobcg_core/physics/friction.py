"""Friction calibration: the DPD or Langevin friction that gives a CG liquid the target D.

A pair potential that reproduces g(r) is unique (Henderson), so the structure-matching
potential cannot also carry the all-atom friction; a thermostat can.  Both Langevin
(per bead) and DPD (per pair, momentum-conserving) slow diffusion roughly as

    1/D(γ) ≈ 1/D(0) + b·γ

(for Langevin exactly in the Brownian limit, D = kT/(mγ)).  The calibration measures the
Newtonian D(0), then walks that line: each new friction is where the straight line
through the measured points (weighted by their errors) crosses 1/D_target, and the walk
stops when a measured D is within ``tolerance`` of the target.

Units: friction in 1/ps (DPD: OpenMM's γ, see :class:`~mobcg_core.contract.types.MDProtocol`),
D in 1e-9 m²/s.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from mobcg_core.contract.errors import PhysicalFailure

#: measure(thermostat, friction_per_ps) -> (D, D_err), both in 1e-9 m²/s
Measure = Callable[[str, float], tuple[float, float]]


@dataclass
class FrictionCalibration:
    """Result of :func:`calibrate`.

    Attributes:
        thermostat: ``"dpd"`` or ``"langevin"``.
        friction_per_ps: the calibrated friction γ (1/ps).
        diffusion_1e9_m2_s, diffusion_err_1e9_m2_s: D measured at that friction and its error.
        target_1e9_m2_s: the D aimed at (e.g. D_AA).
        newtonian_1e9_m2_s: D without friction (Nosé–Hoover).
        converged: |D/target − 1| ≤ tolerance.
        runs: every CG run: ``{"thermostat", "friction_per_ps", "D", "D_err", "wall_s"}``.
        wall_s: total wall time (s).
    """

    thermostat: str
    friction_per_ps: float
    diffusion_1e9_m2_s: float
    diffusion_err_1e9_m2_s: float
    target_1e9_m2_s: float
    newtonian_1e9_m2_s: float
    converged: bool
    runs: list[dict] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ratio(self) -> float:
        """D/target at the calibrated friction."""
        return self.diffusion_1e9_m2_s / self.target_1e9_m2_s

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def _next_friction(runs: list[dict], target: float) -> float:
    """Where the weighted straight line 1/D = a + bγ through ``runs`` reaches 1/target."""
    g = np.array([r["friction_per_ps"] for r in runs])
    d = np.array([r["D"] for r in runs])
    sigma_inv = np.maximum([r["D_err"] for r in runs], 1e-6 * d) / d**2  # σ(1/D) = σ_D / D²
    b, a = np.polyfit(g, 1.0 / d, 1, w=1.0 / sigma_inv)
    if not b > 0:  # noise hid the slope: double the largest friction tried
        return 2.0 * max(g.max(), 0.1)
    return float(max((1.0 / target - a) / b, 1e-3))


def calibrate(measure: Measure, target: float, thermostat: str = "dpd", start_per_ps: float = 1.0,
              tolerance: float = 0.03, max_runs: int = 8) -> FrictionCalibration:
    """Find the friction whose D is within ``tolerance`` of ``target`` (relative).

    Args:
        measure: runs CG MD with (thermostat, friction) and returns (D, D_err).
        target: the D to reach (1e-9 m²/s).
        thermostat: ``"dpd"`` or ``"langevin"``.
        start_per_ps: first friction tried after the Newtonian run.
        tolerance: relative tolerance on D.
        max_runs: CG runs at most (the Newtonian one included).

    Raises:
        PhysicalFailure: the Newtonian CG liquid is already slower than the target
            (friction only slows it down).
    """
    t0 = time.perf_counter()
    runs: list[dict] = []

    def run(name: str, friction: float) -> dict:
        t = time.perf_counter()
        d, err = measure(name, friction)
        runs.append({"thermostat": name, "friction_per_ps": friction, "D": d, "D_err": err,
                     "wall_s": time.perf_counter() - t})
        return runs[-1]

    newton = run("nose_hoover", 0.0)
    if newton["D"] <= target * (1 + tolerance):
        raise PhysicalFailure(f"the CG liquid without friction already diffuses at D = {newton['D']:.3g} ≤ "
                              f"target {target:.3g} (1e-9 m²/s); friction can only slow it down")
    newton["friction_per_ps"] = 0.0  # the line's intercept
    best = run(thermostat, start_per_ps)
    while abs(best["D"] / target - 1) > tolerance and len(runs) < max_runs:
        fitted = [r for r in runs if r["D"] > 0]
        run(thermostat, _next_friction(fitted, target))
        best = min(runs[1:], key=lambda r: abs(math.log(r["D"] / target)))
    return FrictionCalibration(thermostat, best["friction_per_ps"], best["D"], best["D_err"], target,
                               newton["D"], abs(best["D"] / target - 1) <= tolerance, runs,
                               time.perf_counter() - t0)

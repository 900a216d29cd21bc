"""Friction-calibrated CG dynamics: DPD/Langevin restore a target D without touching structure."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import lj_potential
from mobcg_core.analysis import fit_diffusion, rdf, rdf_grid, structure_error
from mobcg_core.contract.errors import PhysicalFailure
from mobcg_core.physics.friction import calibrate
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.contract.types import MDProtocol

SIGMA, EPS, MASS, T = 0.34, 0.99774, 39.948, 120.0


def _engine(name: str):
    rec = registry().get("engine", name)
    if rec is None or not rec.available:
        pytest.skip(f"engine {name} unavailable: {rec.reason if rec else 'not installed'}")
    threads = {"threads": 1} if "threads" in rec.cls.options else {}
    return registry().create("engine", name, plugin_defaults("engine", name, threads))


def _lj_run(engine, thermostat: str, friction: float, seed: int, n: int = 500, run_ps: float = 60.0):
    """(D, D_err, g(r)) of an LJ liquid near its triple point (ρσ³ = 0.7, T = 120 K)."""
    box = (n / (0.7 / SIGMA**3)) ** (1 / 3)
    sim = engine.cg_simulation(cg_box(n, MASS, box, lj_potential(SIGMA, EPS, 2.5 * SIGMA), seed),
                               MDProtocol(T, 5.0, 0.0, seed=seed, thermostat=thermostat,
                                          friction_per_ps=friction or 1.0))
    try:
        sim.minimize()
        sim.run(10.0)
        traj = sim.run(run_ps, 0.5)
    finally:
        sim.close()
    fit = fit_diffusion(traj, 0.1, 0.5)
    return fit.d_1e9_m2_s, fit.d_err_1e9_m2_s, rdf(traj, rdf_grid(0.0025, 0.49 * box, 0.005))


def test_calibration_walks_the_line_to_the_target():
    rng = np.random.default_rng(1)

    def measure(thermostat, friction):  # 1/D = 1/6 + 0.1 γ, with 3 % noise
        d = (1 / (1 / 6 + 0.1 * friction)) * (1 + 0.03 * rng.standard_normal())
        return d, 0.03 * d

    result = calibrate(measure, 3.0, "dpd", tolerance=0.03)
    assert result.converged and abs(result.ratio - 1) <= 0.03 and len(result.runs) <= 5
    assert result.friction_per_ps == pytest.approx(10 / 6, rel=0.15)
    assert result.runs[0]["thermostat"] == "nose_hoover" and result.newtonian_1e9_m2_s == pytest.approx(6, rel=0.1)
    with pytest.raises(PhysicalFailure, match="already diffuses"):
        calibrate(measure, 8.0)  # friction cannot speed a liquid up


def test_dpd_calibrated_to_half_the_newtonian_d_keeps_the_structure():
    """An LJ liquid calibrated to D_Newton/2: an independent run lands within 5 %, and g(r)
    differs from the Newtonian one no more than two Newtonian runs differ from each other."""
    engine = _engine("lammps")
    d0, _, g0 = _lj_run(engine, "nose_hoover", 0.0, seed=11)
    _, _, g0b = _lj_run(engine, "nose_hoover", 0.0, seed=12)
    target = 0.5 * d0
    seeds = iter(range(20, 40))
    result = calibrate(lambda th, g: _lj_run(engine, th, g, next(seeds))[:2], target, "dpd", tolerance=0.03)
    assert result.converged, result.runs
    d, err, g = _lj_run(engine, "dpd", result.friction_per_ps, seed=99)
    assert abs(d / target - 1) < 0.05 + 2 * err / target, (d, target, err)
    noise = structure_error(g0b, g0)
    assert structure_error(g, g0) < 3 * noise, (structure_error(g, g0), noise)


@pytest.mark.parametrize("name", ["openmm", "lammps", "hoomd"])
def test_dpd_conserves_momentum_and_holds_temperature(name):
    """DPD's friction and noise act on pair velocities: the centre of mass does not move."""
    engine = _engine(name)
    n = 300
    box = (n / (0.7 / SIGMA**3)) ** (1 / 3)
    sim = engine.cg_simulation(cg_box(n, MASS, box, lj_potential(SIGMA, EPS, 2.5 * SIGMA), 5),
                               MDProtocol(T, 5.0, 0.0, seed=5, thermostat="dpd", friction_per_ps=10.0))
    try:
        sim.minimize()
        traj = sim.run(20.0, 0.5)
    finally:
        sim.close()
    com = traj.positions_nm.mean(axis=1)
    assert np.abs(com - com[0]).max() < 1e-6  # Langevin moves it by ~1e-2 nm here (no CM remover)
    from mobcg_core.contract.units import BOLTZMANN_KJMOL_K

    t_kin = 2 * traj.kinetic_energy_kjmol[10:].mean() / (3 * n * BOLTZMANN_KJMOL_K)
    assert t_kin == pytest.approx(T, rel=0.05)


def test_dpd_friction_means_the_same_on_openmm_and_lammps():
    """One γ (OpenMM's convention, converted at LAMMPS's edge): the same D within errors.
    Measured: γ = 5/ps gives 2.02 ± 0.07 (OpenMM) and 2.17 ± 0.06 (LAMMPS), Newtonian 6.4."""
    runs = {name: _lj_run(_engine(name), "dpd", 5.0, seed=7, n=300, run_ps=40.0)[:2]
            for name in ("openmm", "lammps")}
    (d1, e1), (d2, e2) = runs["openmm"], runs["lammps"]
    assert abs(d1 - d2) < 3 * np.hypot(e1, e2) + 0.05 * d1, runs


def test_friction_stage_calibrates_an_ibi_potential_and_resumes(friction_study):
    """`mobcg run` with the friction stage: IBI's potential, D_AA from the run file, DPD on LAMMPS."""
    import json

    from conftest import run_cli

    study, first = friction_study
    assert first.returncode == 0, first.stderr
    d = study / "out" / "liquids" / "tmp"
    result = json.loads((d / "friction.json").read_text())
    assert result["thermostat"] == "dpd" and result["friction_per_ps"] > 0
    assert abs(result["ratio"] - 1) <= 0.1 and result["newtonian_1e9_m2_s"] > 1.5 * 1.20
    # friction leaves g(r) alone: the calibrated run is no further from the target than the
    # frictionless run of the same potential by more than sampling noise (20 ps of 250 beads:
    # measured 1.12-1.17x its ε; the IBI potential itself is only 3 tiny iterations old), and no
    # run is by more than 2x: an overshooting γ samples fewer independent configurations (on one
    # machine γ = 8/ps, D 7.5x below the frictionless run, gave 1.55x its ε)
    newtonian = result["runs"][0]
    assert newtonian["friction_per_ps"] == 0.0
    chosen = next(r for r in result["runs"] if r["friction_per_ps"] == result["friction_per_ps"])
    assert chosen["structure_error"] < 1.3 * newtonian["structure_error"], result["runs"]
    assert all(r["structure_error"] < 2.0 * newtonian["structure_error"] for r in result["runs"][1:]), result["runs"]
    assert result["export"].startswith("mobcg export")  # engine inputs: tests/test_export.py
    again = run_cli("run", str(study / "run.toml"))
    assert again.returncode == 0 and "γ =" not in again.stderr  # reused, not recomputed


def test_bench_thermostat_list_parses_and_refuses_unknown():
    from mobcg_core.cli.main import _thermostats
    from mobcg_core.contract.errors import MobcgError

    assert _thermostats("nose_hoover, dpd:2.5,langevin:1") == [("nose_hoover", 1.0), ("dpd", 2.5), ("langevin", 1.0)]
    assert _thermostats("") is None
    with pytest.raises(MobcgError):
        _thermostats("berendsen")

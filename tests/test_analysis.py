"""Analysis checked against exact results and published liquid-state data, with a real engine."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import lj_potential
from mobcg_core.contract import units
from mobcg_core.analysis import (fit_diffusion, fit_finite_size, rdf, rdf_grid, structure_error,
                                 yeh_hummer_correction)
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.contract.types import MDProtocol, PairPotential, RDF, Trajectory


def test_free_langevin_particles_diffuse_at_kT_over_m_gamma(openmm_engine):
    """Non-interacting Langevin particles: D = kT/(mγ) exactly (Einstein relation)."""
    T, m, gamma = 300.0, 10.0, 2.0
    r = np.linspace(0.0, 0.5, 51)
    free = PairPotential(r, np.zeros_like(r), np.zeros_like(r))
    sim = openmm_engine.cg_simulation(cg_box(300, m, 5.0, free, seed=3),
                                      MDProtocol(T, 10.0, 0.0, friction_per_ps=gamma, seed=3))
    traj = sim.run(200.0, 1.0)
    fit = fit_diffusion(traj, 0.05, 0.3)
    exact = units.kT_kjmol(T) / (m * gamma)
    # 1 − 1/N: the system's own centre-of-mass motion is removed before the MSD.
    assert fit.d_nm2_ps == pytest.approx(exact * (1 - 1 / 300), rel=0.05)
    assert fit.d_err_nm2_ps < 0.05 * exact


def test_ideal_gas_rdf_is_one():
    rng = np.random.default_rng(0)
    box = 4.0
    pos = rng.uniform(0, box, size=(20, 500, 3))
    traj = Trajectory(np.arange(20.0), pos, np.full((20, 3), box), 1.0)
    g = rdf(traj, rdf_grid(0.1, 1.9, 0.05))
    assert np.all(np.abs(g.g - 1.0) < 0.12)
    assert abs(g.g.mean() - 1.0) < 0.02
    assert g.r_nm[-1] < box / 2


@pytest.fixture(scope="module")
def lj_liquid():
    """Argon-like LJ liquid near the triple point: T* = 0.722, ρ* = 0.8442 (Verlet 1967/68)."""
    from mobcg_core.plugins import registry

    sigma, eps, mass = 0.34, 0.99774, 39.948  # nm, kJ/mol (ε/k_B = 120 K), g/mol
    T = 0.722 * eps / units.BOLTZMANN_KJMOL_K
    n = 300
    box = (n / (0.8442 / sigma**3)) ** (1 / 3)
    engine = registry().create("engine", "openmm", {"platform": "CPU", "threads": 1})
    sim = engine.cg_simulation(cg_box(n, mass, box, lj_potential(sigma, eps, 2.5 * sigma), seed=5),
                               MDProtocol(T, 10.0, 0.0, friction_per_ps=0.5, seed=5))
    sim.minimize()
    sim.run(30.0)
    traj = sim.run(80.0, 0.5)
    return traj, sigma, box


def test_lj_rdf_first_peak_matches_published(lj_liquid):
    """Verlet, Phys. Rev. 165, 201 (1968): first peak g ≈ 3.0 at r ≈ 1.09σ for this state."""
    traj, sigma, box = lj_liquid
    g = rdf(traj, rdf_grid(0.5 * sigma, 0.49 * box, 0.01 * sigma))
    peak = int(np.argmax(g.g))
    assert g.r_nm[peak] / sigma == pytest.approx(1.09, abs=0.03)
    assert g.g[peak] == pytest.approx(3.0, abs=0.2)
    assert np.all(g.g[g.r_nm < 0.85 * sigma] < 0.01)  # excluded core
    tail = g.g[g.r_nm > 2.5 * sigma]
    assert abs(tail.mean() - 1.0) < 0.03  # g(r) -> 1 at large r


def test_structure_error_is_zero_for_identical_and_grows():
    r = np.linspace(0.05, 2.0, 400)
    g = RDF(r, 1 + np.exp(-((r - 0.5) / 0.1) ** 2))
    assert structure_error(g, g) == 0.0
    shifted = RDF(r, g.g + 0.1)
    assert structure_error(shifted, g) == pytest.approx(0.01 * 1.4, rel=0.01)  # 0.1² × (1.5 − 0.1)


def test_yeh_hummer_correction_magnitude():
    # water-like: η = 0.89 mPa·s, L = 3 nm, 298.15 K:
    # k_B T = 4.1164e-21 J; 6πηL = 5.0328e-11 N·s/m... -> ΔD = 2.837297 × 8.179e-11 = 0.2321e-9 m²/s
    delta = yeh_hummer_correction(298.15, 0.89, 3.0)
    assert units.diffusion_to_1e9_m2_s(delta) == pytest.approx(0.2321, rel=0.002)


def test_finite_size_fit_recovers_viscosity_and_d_inf():
    # Boxes of 100, 300 and 1000 EtBz-like molecules; D_PBC built from D∞ and η by Yeh–Hummer.
    d_inf, eta, boxes = 0.15, 0.64, np.array([2.73, 3.94, 5.88])
    d_pbc = d_inf - np.array([yeh_hummer_correction(298.15, eta, b) for b in boxes])
    fit = fit_finite_size(boxes, d_pbc, np.full(3, 0.005), 298.15)
    assert fit.d_inf_nm2_ps == pytest.approx(d_inf, rel=1e-9)
    assert fit.viscosity_mPa_s == pytest.approx(eta, rel=1e-9)
    assert fit.d_at(4.5)[0] == pytest.approx(d_inf - yeh_hummer_correction(298.15, eta, 4.5), rel=1e-9)


def test_finite_size_fit_error_bars_are_calibrated():
    """Over many noisy data sets, (fit − truth)/error must scatter with unit spread."""
    rng = np.random.default_rng(7)
    d_inf, eta, boxes, err = 0.15, 0.64, np.array([2.73, 3.94]), np.array([0.008, 0.004])
    exact = d_inf - np.array([yeh_hummer_correction(298.15, eta, b) for b in boxes])
    pulls_inf, pulls_paper = [], []
    for _ in range(2000):
        fit = fit_finite_size(boxes, exact + err * rng.standard_normal(2), err, 298.15)
        pulls_inf.append((fit.d_inf_nm2_ps - d_inf) / fit.d_inf_err_nm2_ps)
        d, d_err = fit.d_at(5.88)
        pulls_paper.append((d - (d_inf - yeh_hummer_correction(298.15, eta, 5.88))) / d_err)
    for pulls in (pulls_inf, pulls_paper):
        assert abs(np.mean(pulls)) < 0.1
        assert np.std(pulls) == pytest.approx(1.0, abs=0.06)


def test_finite_size_fit_needs_two_boxes():
    with pytest.raises(ValueError, match="two different box sizes"):
        fit_finite_size([3.0, 3.0], [0.1, 0.11], [0.01, 0.01], 298.15)


def test_finite_size_fit_widens_errors_for_runs_that_disagree():
    boxes, err = [2.73, 3.94, 3.94], [0.07, 0.07, 0.07]
    consistent = fit_finite_size(boxes, [0.99, 1.10, 1.10], err, 298.15)
    scattered = fit_finite_size(boxes, [0.99, 1.00, 1.20], err, 298.15)  # two seeds 3σ/√2 apart
    two_runs = fit_finite_size(boxes[:2], [0.99, 1.10], err[:2], 298.15)
    assert consistent.d_inf_err_nm2_ps < two_runs.d_inf_err_nm2_ps  # a repeat that agrees narrows it
    assert scattered.d_inf_err_nm2_ps > 1.3 * consistent.d_inf_err_nm2_ps

"""IBI through the engine contract: resumes exactly, and recovers a known potential."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import TARGET_RDF, lj_potential
from mobcg_core import units
from mobcg_core.analysis import rdf, rdf_grid
from mobcg_core.hookspecs import CGTask
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.systems import cg_box
from mobcg_core.tables import read_rdf_file
from mobcg_core.types import MDProtocol


def _ibi(**options):
    return registry().create("cg_method", "ibi", plugin_defaults("cg_method", "ibi", options))


def _task(n=250):
    mass = 114.2302
    return CGTask(name="tmp", target=read_rdf_file(TARGET_RDF), mass_gmol=mass, n_beads=n,
                  box_nm=units.box_length_nm(n, mass, 0.7332), temperature_K=298.15, cutoff_nm=1.5,
                  table_dr_nm=0.002, timestep_fs=5.0, seed=11)


SMALL = dict(max_iterations=4, run_ps_min=4.0, run_ps_max=8.0, equilibration_ps=1.0, tolerance=1e-6,
             report_interval_ps=0.5)


class Interrupt(Exception):
    pass


def test_interrupted_ibi_resumes_to_the_same_result(tmp_path, openmm_engine):
    full = _ibi(**SMALL).derive(_task(), openmm_engine, tmp_path / "full")

    def stop_after_two(done, total, message):
        if done == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        _ibi(**SMALL).derive(_task(), openmm_engine, tmp_path / "resumed", stop_after_two)
    assert len(list((tmp_path / "resumed").glob("iter_*.npz"))) == 2
    resumed = _ibi(**SMALL).derive(_task(), openmm_engine, tmp_path / "resumed")
    assert resumed.info["iterations"] == full.info["iterations"] == 4
    assert [h["error"] for h in resumed.info["history"]] == [h["error"] for h in full.info["history"]]
    assert np.array_equal(resumed.potential.u_kjmol, full.potential.u_kjmol)


def test_ibi_error_decreases_from_the_pmf(tmp_path, openmm_engine):
    out = _ibi(**{**SMALL, "max_iterations": 5}).derive(_task(), openmm_engine, tmp_path)
    errors = [h["error"] for h in out.info["history"]]
    assert min(errors[1:]) < 0.5 * errors[0], errors
    assert out.info["best_iteration"] > 0

"""Bad inputs are stopped by ``mobcg check`` (exit 2, one line naming the key), never a traceback.

Runs the cases of ``benchmarks/bad_inputs.py`` (no MD) and fuzzes g(r) files with hypothesis.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobcg_core.config.inputs import molecular_size_nm, rdf_problems

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bad_inputs", ROOT / "benchmarks/bad_inputs.py")
bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bad)


@pytest.mark.parametrize("name", sorted(bad.CASES))
def test_bad_input_is_refused_in_one_line(name):
    rc, msg = bad.one(name, bad.CASES[name])
    assert rc == 2, (name, msg)
    assert "Traceback" not in msg and "internal error" not in msg and msg


def test_valid_quickstart_file_still_passes():
    rc, msg = bad.one("valid", {})
    assert rc == 0, msg


def test_unit_mixup_is_caught_by_the_first_peak():
    size = molecular_size_nm(114.23, 0.7332)
    r = np.linspace(0.05, 2.5, 200)
    g = 1 + np.exp(-((r - 1.15 * size) / 0.05) ** 2)
    assert rdf_problems(r, g, 1.55, size) == []
    assert any("unit of r" in m for m in rdf_problems(r * 10, g, 1.55, size))
    assert rdf_problems(r / 10, g, 1.55, size)


_rows = st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True, width=32),
                           st.floats(allow_nan=True, allow_infinity=True, width=32)), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows, head=st.sampled_from(["# r [nm] g\n", "# r [angstrom] g\n", "# r g\n", "\ufeff# r [nm]\n", ""]),
       enc=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_fuzzed_rdf_file_never_crashes_nor_passes_nonsense(tmp_path, rows, head, enc):
    text = head + "".join(f"{r!r} {g!r}\n" for r, g in rows)
    rc, msg = bad.one("fuzz", {"rdf": text.encode(enc, "replace")})
    assert rc == 2, msg  # at most 30 rows cannot reach the 1.55 nm cutoff with a sane peak
    assert "internal error" not in msg


@settings(max_examples=25, deadline=None)
@given(value=st.one_of(st.floats(), st.integers(-10**6, 10**6), st.text(max_size=5)),
       key=st.sampled_from(["cutoff_nm", "timestep_fs", "n_beads", "production_ps"]))
def test_fuzzed_cg_values_never_crash(value, key):
    if isinstance(value, str):
        lit = '"' + value.replace("\\", "").replace('"', "") + '"'
    elif isinstance(value, float) and not math.isfinite(value):
        lit = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    else:
        lit = repr(value)
    rc, msg = bad.one("fuzz", {"cg": f"{key} = {lit}"})
    assert rc in (0, 2), msg
    assert "internal error" not in msg

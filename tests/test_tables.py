"""Table and g(r) file I/O: the paper's conventions, round trips, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHARED, TARGET_RDF
from mobcg_core.contract.errors import TableError
from mobcg_core.physics.tables import read_lammps_table, read_rdf_file, write_gromacs_table, write_lammps_table
from mobcg_core.contract.types import PairPotential

PAPER = SHARED / "paper_ml_potential_234TriMePe.table"
needs_shared = pytest.mark.skipif(not PAPER.exists(), reason="../shared reference data not present")


@needs_shared
def test_paper_table_follows_lammps_header_spacing():
    pot = read_lammps_table(PAPER)
    assert len(pot.r_nm) == 1550
    assert pot.r_nm[0] == pytest.approx(1e-5) and pot.cutoff_nm == pytest.approx(1.55)
    # last energy: −0.0022460609 kcal/mol
    assert pot.u_kjmol[-1] == pytest.approx(-0.00224606109 * 4.184, rel=1e-6)
    column = read_lammps_table(PAPER, spacing="column")
    assert column.cutoff_nm == pytest.approx(1.54901)
    assert pot.shifted().u_kjmol[-1] == 0.0


def test_lammps_round_trip(tmp_path):
    r = np.linspace(0.0, 1.2, 601)
    pot = PairPotential(r, np.cos(5 * r) * np.exp(-r))
    write_lammps_table(pot, tmp_path / "t.table")
    back = read_lammps_table(tmp_path / "t.table")
    assert np.allclose(back.r_nm, pot.r_nm) and np.allclose(back.u_kjmol, pot.u_kjmol, atol=1e-9)
    assert np.allclose(back.f_kjmol_nm, pot.f_kjmol_nm, atol=1e-7)


def test_paper_format_resampling(tmp_path):
    r = np.linspace(0.0, 1.55, 1551)
    write_lammps_table(PairPotential(r, np.exp(-5 * r)), tmp_path / "p.table", n_points=1550, r_min_nm=1e-5)
    text = (tmp_path / "p.table").read_text().splitlines()
    assert "N 1550 R 0.000100 15.500000" in text


def test_gromacs_table_starts_at_zero(tmp_path):
    r = np.linspace(0.1, 1.0, 451)
    write_gromacs_table(PairPotential(r, 1.0 / r), tmp_path / "table.xvg")
    data = np.loadtxt(tmp_path / "table.xvg")
    assert data[0, 0] == 0.0 and data.shape[1] == 7
    assert data[-1, 0] == pytest.approx(1.0)
    i = np.argmin(np.abs(data[:, 0] - 0.5))
    assert data[i, 5] == pytest.approx(2.0, rel=1e-4) and data[i, 6] == pytest.approx(4.0, rel=1e-2)


@pytest.mark.parametrize("text, message", [
    ("VOTCA\nN x R 0 1\n\n1 0 0 0\n", "bad table header"),
    ("VOTCA\nN 5 R 0 1\n\n1 0 0 0\n2 0.25 0 0\n", "found 2 complete rows"),
    ("nothing here\n", "no table section"),
])
def test_bad_tables_give_clear_errors(tmp_path, text, message):
    (tmp_path / "bad.table").write_text(text)
    with pytest.raises(TableError, match=message):
        read_lammps_table(tmp_path / "bad.table")


def test_rdf_units_from_header(tmp_path):
    g = read_rdf_file(TARGET_RDF)
    assert g.r_nm[0] == pytest.approx(0.1) and g.r_nm[-1] == pytest.approx(2.5)
    (tmp_path / "g.txt").write_text("0.1 0\n0.2 0\n0.3 1\n0.4 2\n0.5 1\n")
    with pytest.raises(TableError, match="set rdf_r_unit"):
        read_rdf_file(tmp_path / "g.txt")
    assert read_rdf_file(tmp_path / "g.txt", "nm").r_nm[2] == pytest.approx(0.3)

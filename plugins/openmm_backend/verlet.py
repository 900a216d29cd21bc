"""The CG table force evaluated with NumPy over a Verlet list, for OpenMM's ``PythonForce``.

Why this exists: OpenMM's CPU platform evaluates a ``CustomNonbondedForce``'s tabulated
functions one pair at a time, outside its vectorised expression code, so a 1000-bead
table system ran 8× slower than LAMMPS.  The same natural cubic spline evaluated over the
whole pair list at once (a few dozen array operations per step) is ~3× faster on one core
and exact to float64 rounding, which the single-precision custom kernels are not.

The pair list holds every pair within r_c + skin, found with SciPy's periodic k-d tree.
Displacements are measured against the reference positions *rescaled to the current box*,
so the Monte Carlo barostat's uniform rescaling (a box change every few dozen steps) does
not force a rebuild: the list stays valid while the two largest displacements sum to less
than s·(r_c + skin) − r_c, with s the box's scale factor since the build.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree


class VerletSplineForce:
    """U(r) = Σ_pairs S(r), S the table's natural cubic spline, and its forces.

    Args:
        coeffs: (4, n−1) per-segment coefficients of S, highest power first, on the uniform
            grid r0 + k·h (``cg.spline_segments``).  Below r0 the energy is held at S(r0)
            with zero force; from the last knot (the cutoff) on it is zero.
        r0_nm: first knot (nm).
        h_nm: knot spacing (nm).
        skin_nm: Verlet skin (nm); 0.1 nm rebuilds the list every ~30 steps of 2 fs for
            beads of ~100 g/mol at room temperature.
        threads: the pair list is split into this many blocks evaluated in parallel.

    Called by OpenMM with a ``State`` (positions, rectangular box); returns the energy
    (kJ/mol) and the forces ((N, 3) kJ/mol/nm).
    """

    def __init__(self, coeffs: np.ndarray, r0_nm: float, h_nm: float, skin_nm: float = 0.1, threads: int = 1):
        self.r0_nm, self.h_nm, self.skin_nm = float(r0_nm), float(h_nm), float(skin_nm)
        self.threads = max(int(threads), 1)
        self._pool = None
        self.cutoff_nm = self.r0_nm + coeffs.shape[1] * self.h_nm
        self.n_builds = 0
        self.set_coefficients(coeffs)
        self.invalidate()

    def set_coefficients(self, coeffs: np.ndarray) -> None:
        """New table on the same grid; takes effect at the next force evaluation."""
        n_tail = int(np.ceil(self.skin_nm / self.h_nm)) + 2
        # Segment 0 is a constant S(r0) for r < r0 (zero force there, as in the custom
        # kernels); zero segments past the cutoff make pairs in the skin contribute nothing
        # without a mask.
        head = np.zeros((4, 1))
        head[3, 0] = coeffs[3, 0]
        table = np.concatenate([head, coeffs, np.zeros((4, n_tail))], axis=1)
        self.c3, self.c2, self.c1, self.c0 = (np.ascontiguousarray(c) for c in table)
        self.last_segment = table.shape[1] - 1

    def invalidate(self) -> None:
        """Forget the pair list (e.g. after positions were replaced)."""
        self.ref_frac = None
        self.ref_box_nm = None

    def __call__(self, state) -> tuple[float, np.ndarray]:
        pos = np.asarray(state.getPositions(asNumpy=True)._value)  # nm, OpenMM's internal unit
        box = np.asarray(state.getPeriodicBoxVectors(asNumpy=True)._value)
        box_nm = np.diag(box).copy()
        if np.any(box != np.diag(box_nm)):
            raise ValueError("the numpy CG kernel needs a rectangular box")
        if not np.isfinite(pos).all():
            raise ValueError("particle positions are NaN")
        if 2 * self.cutoff_nm > box_nm.min():
            raise ValueError(f"box {box_nm.min():.3f} nm is shorter than twice the cutoff {self.cutoff_nm:.3f} nm")
        if self._list_is_stale(pos, box_nm):
            self._build(pos, box_nm)
        return self._evaluate(pos, box_nm)

    def close(self) -> None:
        """Stop the worker threads (a study builds many simulations; idle pools would pile up)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _list_is_stale(self, pos: np.ndarray, box_nm: np.ndarray) -> bool:
        if self.ref_frac is None:
            return True
        scale = float(np.min(box_nm / self.ref_box_nm))
        allowed = scale * (self.cutoff_nm + self.skin) - self.cutoff_nm
        moved = pos - self.ref_frac * box_nm
        d2 = np.einsum("ij,ij->i", moved, moved)
        return float(np.sqrt(np.partition(d2, -2)[-2:]).sum()) >= allowed

    def _build(self, pos: np.ndarray, box_nm: np.ndarray) -> None:
        # A skin wider than half the box minus the cutoff would let two images of one pair
        # both come within range, and the list keeps only the nearest.
        self.skin = min(self.skin_nm, 0.5 * box_nm.min() - self.cutoff_nm)
        wrapped = np.mod(pos, box_nm)
        wrapped[wrapped >= box_nm] = 0.0  # np.mod can round up to the box length
        pairs = cKDTree(wrapped, boxsize=box_nm).query_pairs(self.cutoff_nm + self.skin, output_type="ndarray")
        self.blocks = [_PairBlock(chunk[:, 0], chunk[:, 1], pos, box_nm)
                       for chunk in np.array_split(pairs, self.threads)]
        self.ref_frac = pos / box_nm
        self.ref_box_nm = box_nm
        self.n_builds += 1

    def _evaluate(self, pos: np.ndarray, box_nm: np.ndarray) -> tuple[float, np.ndarray]:
        if self.threads == 1:
            return self.blocks[0].evaluate(self, pos, box_nm)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="mobcg-verlet")
        # NumPy and SciPy's sparse product release the GIL, so blocks run in parallel.
        parts = list(self._pool.map(lambda block: block.evaluate(self, pos, box_nm), self.blocks))
        return sum(e for e, _ in parts), sum(f for _, f in parts)


class _PairBlock:
    """A slice of the pair list: indices, images, and the scatter matrix for its forces."""

    def __init__(self, i: np.ndarray, j: np.ndarray, pos: np.ndarray, box_nm: np.ndarray):
        self.i, self.j = i.copy(), j.copy()
        # Image of j nearest to i, as whole box lengths (so it scales with the box).
        self.images = [np.rint((pos[i, c] - pos[j, c]) / box_nm[c]) for c in range(3)]
        n_pairs = len(i)
        # Forces on particles = A @ pair forces, A[:, p] = e_i − e_j: one sparse product
        # instead of six scatter-adds.
        rows = np.empty(2 * n_pairs, dtype=np.int32)
        rows[0::2], rows[1::2] = i, j
        data = np.tile([1.0, -1.0], n_pairs)
        self.scatter = sp.csc_matrix((data, rows, np.arange(0, 2 * n_pairs + 1, 2, dtype=np.int32)),
                                     shape=(len(pos), n_pairs))
        self.pair_forces = np.empty((n_pairs, 3))

    def evaluate(self, table: VerletSplineForce, pos: np.ndarray, box_nm: np.ndarray) -> tuple[float, np.ndarray]:
        """Energy (kJ/mol) and forces ((N, 3) kJ/mol/nm) of this block's pairs."""
        with np.errstate(all="ignore"):  # coinciding beads give inf/NaN, which the run reports
            return self._evaluate(table, pos, box_nm)

    def _evaluate(self, table: VerletSplineForce, pos: np.ndarray, box_nm: np.ndarray) -> tuple[float, np.ndarray]:
        i, j = self.i, self.j
        d = []
        for c in range(3):
            x = pos[:, c]
            dc = x[i]
            dc -= x[j]
            dc -= self.images[c] * box_nm[c]
            d.append(dc)
        r = d[0] * d[0]
        r += d[1] * d[1]
        r += d[2] * d[2]
        np.sqrt(r, out=r)
        x = r - table.r0_nm
        x *= 1.0 / table.h_nm
        x += 1.0  # segment 0 is the constant below r0
        np.maximum(x, 0.0, out=x)
        k = x.astype(np.intp)
        np.minimum(k, table.last_segment, out=k)
        t = x
        t -= k
        t *= table.h_nm
        c3, c2, c1 = table.c3[k], table.c2[k], table.c1[k]
        energy = c3 * t
        energy += c2
        energy *= t
        energy += c1
        energy *= t
        total = float(energy.sum() + table.c0[k].sum())
        g = c3 * (3.0 * t)  # dS/dr = c1 + 2 c2 t + 3 c3 t², then −dS/dr / r
        g += 2.0 * c2
        g *= t
        g += c1
        g /= r
        np.negative(g, out=g)
        for c in range(3):
            np.multiply(d[c], g, out=self.pair_forces[:, c])
        return total, self.scatter @ self.pair_forces

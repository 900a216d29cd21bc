"""Linear algebra that gives the same bits on any number of threads.

Multithreaded BLAS/LAPACK (OpenBLAS) splits sums differently with 1 and 2 threads, and a
Gauss–Newton step computed from them differs in the last bits; MD is chaotic, so two runs
of the same job — on a laptop and on a dask worker with another thread count — drift apart.
mobcg promises that a job gives the same result wherever it runs, so the IMC update does its
few, small dense operations here: products with ``numpy.einsum`` (numpy's own loops, no
BLAS) and solves by Gaussian elimination with partial pivoting in numpy.
"""

from __future__ import annotations

import numpy as np


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 1-D or 2-D operands, without BLAS."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    spec = {(2, 2): "ik,kj->ij", (2, 1): "ik,k->i", (1, 2): "k,kj->j", (1, 1): "k,k->"}[(a.ndim, b.ndim)]
    return np.einsum(spec, a, b, optimize=False)


def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with a x = b (a: (n, n), b: (n,) or (n, m)), without LAPACK."""
    a = np.array(a, dtype=float)
    x = np.array(b, dtype=float)
    vector = x.ndim == 1
    x = x.reshape(len(a), -1)
    n = len(a)
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0.0:
            raise np.linalg.LinAlgError("singular matrix")
        if p != k:
            a[[k, p]], x[[k, p]] = a[[p, k]], x[[p, k]]
        factors = a[k + 1:, k] / a[k, k]
        a[k + 1:, k:] -= factors[:, None] * a[k, k:][None, :]
        x[k + 1:] -= factors[:, None] * x[k][None, :]
    for k in range(n - 1, -1, -1):
        x[k] = (x[k] - np.einsum("j,jm->m", a[k, k + 1:], x[k + 1:], optimize=False)) / a[k, k]
    return x[:, 0] if vector else x

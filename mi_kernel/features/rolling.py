"""Numba rolling kernels over panels (the numeric layer; no pandas here).

Every kernel reads C-ordered float64 panels of shape ``(n_rows, n_symbols)`` whose rows are
consecutive sessions of every column (a date panel of gap-free columns, or a session panel;
see :mod:`mi_kernel.features.sessions`) and NaN where a value is missing. Windows are
trailing and include the current row, so the value at row ``k`` uses rows ``<= k`` only;
a window holding any NaN gives NaN (``min_periods`` = window).

The jitted loops (``_name``) run over rows with the symbols innermost (contiguous memory),
on a column range ``[lo, hi)``, and write into outputs allocated by NumPy (which asks the
OS for huge pages: much cheaper to fill than small ones). The public wrappers allocate
the outputs and split the symbols over ``threads`` threads; the loops release the GIL and
each symbol's arithmetic is the same whatever the split. They compile on first call
(``cache=True`` keeps the machine code on disk).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba as nb
import numpy as np

from mi_kernel.features.panel import Array

#: What :func:`rolling_moments` returns: (mean, -), (mean, std), (z-score, -), (sqrt(mean), -),
#: (std, -).
MEAN, MEAN_STD, ZSCORE, ROOT_MEAN, STD = 0, 1, 2, 3, 4
#: Fewest symbols per thread worth a thread of their own.
MIN_COLUMNS_PER_THREAD = 64


def split_columns(kernel: Callable[..., None], n_cols: int, threads: int, *args: Any) -> None:
    """Run ``kernel(*args, lo, hi)`` over column ranges covering ``[0, n_cols)`` in threads."""
    threads = max(1, min(threads, n_cols // MIN_COLUMNS_PER_THREAD))
    cuts = np.linspace(0, n_cols, threads + 1).astype(np.int64)
    if threads == 1:
        kernel(*args, 0, n_cols)
        return
    with ThreadPoolExecutor(threads - 1) as pool:
        futures = [pool.submit(kernel, *args, cuts[i], cuts[i + 1]) for i in range(1, threads)]
        kernel(*args, cuts[0], cuts[1])
        for future in futures:
            future.result()


def rolling_moments(
    x: Array, window: int, ddof: int, what: int, threads: int = 1
) -> tuple[Array, Array]:
    """Return trailing ``window``-row moments of ``x``, fused with their common use.

    ``what`` picks the output: :data:`MEAN` -> (mean, empty); :data:`MEAN_STD` -> (mean,
    std with ``ddof``); :data:`STD` -> (std, empty); :data:`ZSCORE` -> ((x - mean) / std,
    empty), NaN where std is 0; :data:`ROOT_MEAN` -> (sqrt(mean), empty). The empty array
    has shape (0, n_symbols).

    Sums run about a per-column anchor that is reset, and the window's sums recomputed
    exactly, every ``window`` rows, so rounding does not build up along long histories.
    A window of identical values gets exactly that value as mean and 0 as std (no rounding
    residue, as pandas).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    first = np.empty(x.shape)
    second = np.empty((x.shape[0] if what == MEAN_STD else 0, x.shape[1]))
    split_columns(_rolling_moments, x.shape[1], threads, x, window, ddof, what, first, second)
    return first, second


def rolling_beta(y: Array, x: Array, window: int, threads: int = 1) -> tuple[Array, Array]:
    """Return the trailing OLS slope of ``y`` on ``x`` and the residual std (ddof = 2).

    ``x`` has ``y``'s shape, or one column used for every column of ``y``. A window with a
    NaN in either series gives NaN, and so does one where ``x`` does not vary (sample
    variance <= 1e-18). Sums are recomputed exactly every ``window`` rows.
    """
    y, x = np.ascontiguousarray(y, dtype=np.float64), np.ascontiguousarray(x, dtype=np.float64)
    beta, resid = np.empty(y.shape), np.empty(y.shape)
    split_columns(_rolling_beta, y.shape[1], threads, y, x, window, beta, resid)
    return beta, resid


def ewm(x: Array, alpha: float, min_periods: int, threads: int = 1) -> Array:
    """Return the exponential moving average ``e = alpha * x + (1 - alpha) * e_prev``.

    Seeded with the first value (pandas ``adjust=False``); a NaN restarts the recursion,
    and the value is NaN until ``min_periods`` rows have passed since the (re)start.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    split_columns(_ewm, x.shape[1], threads, x, alpha, min_periods, out)
    return out


def rsi(x: Array, window: int, threads: int = 1) -> Array:
    """Return Wilder's relative strength index of ``x``, in [0, 100].

    The first average gain and loss are the plain means of the first ``window`` changes;
    later ones are smoothed, ``avg = (avg * (window - 1) + change) / window``. A NaN change
    restarts the seeding. No loss gives 100 (50 when nothing moved).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    split_columns(_rsi, x.shape[1], threads, x, window, out)
    return out


@nb.njit(cache=True, nogil=True)
def _rolling_moments(
    x: Array, window: int, ddof: int, what: int, first: Array, second: Array, c0: int, c1: int
) -> None:
    n, m = x.shape
    need_var = what in (MEAN_STD, ZSCORE, STD)
    s = np.zeros(m)
    ss = np.zeros(m)
    bad = np.zeros(m, np.int64)
    run = np.zeros(m, np.int64)  # length of the current run of identical values
    a = np.zeros(m)
    inv = 1.0 / window
    dd = 1.0 / (window - ddof) if window > ddof else np.nan
    until = 0
    for k in range(n):
        fresh = until == 0  # re-anchor and recompute the window's sums from scratch
        lo = max(0, k - window + 1) if fresh else k
        if fresh:
            until = window
            for j in range(c0, c1):
                if x[k, j] == x[k, j]:
                    a[j] = x[k, j]
                s[j] = 0.0
                ss[j] = 0.0
                bad[j] = 0
        for i in range(lo, k + 1):
            for j in range(c0, c1):
                v = x[i, j]
                if v == v:
                    d = v - a[j]
                    s[j] += d
                    ss[j] += d * d
                else:
                    bad[j] += 1
        if not fresh and k >= window:
            for j in range(c0, c1):
                v = x[k - window, j]
                if v == v:
                    d = v - a[j]
                    s[j] -= d
                    ss[j] -= d * d
                else:
                    bad[j] -= 1
        until -= 1
        for j in range(c0, c1):
            v = x[k, j]
            run[j] = run[j] + 1 if k > 0 and v == x[k - 1, j] else 1
            if k < window - 1 or bad[j] > 0:
                first[k, j] = np.nan
                if what == MEAN_STD:
                    second[k, j] = np.nan
                continue
            if run[j] >= window:  # constant window: exact mean, zero spread
                mu, sd = v, 0.0 if window > ddof else np.nan
            else:
                mu = a[j] + s[j] * inv
                sd = 0.0
                if need_var:
                    var = (ss[j] - s[j] * s[j] * inv) * dd
                    sd = np.sqrt(var) if var > 0.0 else (0.0 if var == var else np.nan)
            if what == MEAN:
                first[k, j] = mu
            elif what == MEAN_STD:
                first[k, j] = mu
                second[k, j] = sd
            elif what == ZSCORE:
                first[k, j] = (v - mu) / sd if sd > 0.0 else np.nan
            elif what == STD:
                first[k, j] = sd
            else:
                first[k, j] = np.sqrt(mu) if mu > 0.0 else (0.0 if mu == 0.0 else np.nan)


@nb.njit(cache=True, nogil=True)
def _rolling_beta(
    y: Array, x: Array, window: int, beta: Array, resid: Array, c0: int, c1: int
) -> None:
    n, m = y.shape
    wide = 1 if x.shape[1] > 1 else 0  # x[i, j * wide]: its own column, or the only one
    sx = np.zeros(m)
    sy = np.zeros(m)
    sxx = np.zeros(m)
    syy = np.zeros(m)
    sxy = np.zeros(m)
    bad = np.zeros(m, np.int64)
    until = 0
    for k in range(n):
        fresh = until == 0
        lo = max(0, k - window + 1) if fresh else k
        if fresh:
            until = window
            for j in range(c0, c1):
                sx[j], sy[j], sxx[j], syy[j], sxy[j], bad[j] = 0.0, 0.0, 0.0, 0.0, 0.0, 0
        for i in range(lo, k + 1):
            for j in range(c0, c1):
                a, b = x[i, j * wide], y[i, j]
                if a == a and b == b:
                    sx[j] += a
                    sy[j] += b
                    sxx[j] += a * a
                    syy[j] += b * b
                    sxy[j] += a * b
                else:
                    bad[j] += 1
        if not fresh and k >= window:
            for j in range(c0, c1):
                a, b = x[k - window, j * wide], y[k - window, j]
                if a == a and b == b:
                    sx[j] -= a
                    sy[j] -= b
                    sxx[j] -= a * a
                    syy[j] -= b * b
                    sxy[j] -= a * b
                else:
                    bad[j] -= 1
        until -= 1
        for j in range(c0, c1):
            beta[k, j] = np.nan
            resid[k, j] = np.nan
            if k < window - 1 or bad[j] > 0:
                continue
            cxx = sxx[j] - sx[j] * sx[j] / window
            if cxx / (window - 1) <= 1e-18:
                continue
            cxy = sxy[j] - sx[j] * sy[j] / window
            rss = syy[j] - sy[j] * sy[j] / window - cxy * cxy / cxx
            beta[k, j] = cxy / cxx
            resid[k, j] = np.sqrt(rss / (window - 2)) if rss > 0.0 and window > 2 else 0.0


@nb.njit(cache=True, nogil=True)
def _ewm(x: Array, alpha: float, min_periods: int, out: Array, c0: int, c1: int) -> None:
    n, m = x.shape
    e = np.zeros(m)
    count = np.zeros(m, np.int64)
    for k in range(n):
        for j in range(c0, c1):
            v = x[k, j]
            out[k, j] = np.nan
            if v != v:
                count[j] = 0
                continue
            e[j] = v if count[j] == 0 else alpha * v + (1.0 - alpha) * e[j]
            count[j] += 1
            if count[j] >= min_periods:
                out[k, j] = e[j]


@nb.njit(cache=True, nogil=True)
def _rsi(x: Array, window: int, out: Array, c0: int, c1: int) -> None:
    n, m = x.shape
    gain = np.zeros(m)
    loss = np.zeros(m)
    count = np.zeros(m, np.int64)
    for j in range(c0, c1 if n > 0 else c0):
        out[0, j] = np.nan
    for k in range(1, n):
        for j in range(c0, c1):
            out[k, j] = np.nan
            d = x[k, j] - x[k - 1, j]
            if d != d:
                count[j] = 0
                gain[j] = 0.0
                loss[j] = 0.0
                continue
            up = d if d > 0.0 else 0.0
            down = -d if d < 0.0 else 0.0
            count[j] += 1
            if count[j] <= window:
                gain[j] += up / window
                loss[j] += down / window
            else:
                gain[j] = (gain[j] * (window - 1) + up) / window
                loss[j] = (loss[j] * (window - 1) + down) / window
            if count[j] >= window:
                if loss[j] > 0.0:
                    out[k, j] = 100.0 - 100.0 / (1.0 + gain[j] / loss[j])
                else:
                    out[k, j] = 100.0 if gain[j] > 0.0 else 50.0

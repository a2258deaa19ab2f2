"""Value at Risk and Expected Shortfall of a book or a return series, by four methods.

Conventions, written once for the module:

- ``returns`` are simple per-period returns. A book's per-period return is
  ``returns @ weights`` (weights held constant, i.e. rebalanced to the same weights every
  period, as in :func:`mi_kernel.risk.ex_ante`). A ``Series`` of returns is taken as the
  book's own return series.
- ``horizon`` is in periods of ``returns`` (1 and 10 for daily data are the usual 1-day and
  10-day figures). The h-period return of the book is the compound of its h per-period
  returns, except where a method says otherwise.
- VaR and ES are positive loss fractions: ``VaR = -q_{1 - level}(R_h)`` and
  ``ES = -E[R_h | R_h <= -VaR]`` (a gain at the quantile gives a negative VaR).

Methods (:class:`VarMethod`):

``historical``
    Empirical VaR / CVaR (:func:`skfolio.measures.value_at_risk` and
    :func:`skfolio.measures.cvar`, the definitions :func:`~mi_kernel.risk.ex_ante` uses) of
    the overlapping h-period compounded returns of the book (``n - h + 1`` windows,
    autocorrelated for ``h > 1``).
``normal``
    Parametric: mean ``mu`` and standard deviation ``sigma`` (``ddof=1``) of the per-period
    book returns, scaled to the horizon as ``h * mu`` and ``sqrt(h) * sigma`` (the sum of h
    i.i.d. periods); ``VaR = -(mu_h + z sigma_h)`` and
    ``ES = -mu_h + sigma_h phi(z) / (1 - level)`` with ``z = Phi^-1(1 - level)``.
``cornish_fisher``
    Modified VaR (Zangari 1996; Favre & Galeano 2002): the normal quantile ``z`` is replaced
    by ``q = z + (z^2 - 1) S / 6 + (z^3 - 3 z) K / 24 - (2 z^3 - 5 z) S^2 / 36`` with the
    sample skewness ``S`` and excess kurtosis ``K`` (moment estimators, ``bias=True``),
    scaled to the horizon as for a sum of i.i.d. periods (``S / sqrt(h)``, ``K / h``). ES is
    the tail average of the Cornish-Fisher quantile function,
    ``ES = -(mu_h + sigma_h / a * int_0^a q(Phi^-1(u)) du)`` with ``a = 1 - level``, which
    integrates in closed form (truncated normal moments) to
    ``ES = -mu_h + sigma_h phi(z) / a * [1 + z S / 6 + (z^2 - 1) K / 24 + (1 - 2 z^2) S^2 / 36]``.
    This is the numerical-integration definition of Maillard (2012, "A user's guide to the
    Cornish Fisher expansion") in closed form, not the Edgeworth-density modified ES of
    Boudt, Peterson & Croux (2008). Both assume ``q`` is increasing over the tail; for
    extreme ``S`` and ``K`` outside Maillard's domain of validity the figures mean little.
``monte_carlo``
    Asset returns simulated per period (see :class:`MonteCarloSpec`), the book's return of
    each path aggregated over the horizon, and empirical VaR / CVaR of the paths as for
    ``historical``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import joblib
import numpy as np
import pandas as pd
from scipy.linalg.blas import dtrmm
from scipy.stats import kurtosis, norm, skew
from skfolio.measures import cvar as _cvar
from skfolio.measures import value_at_risk as _value_at_risk

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk.weights import check_weights

RandomState = int | np.random.Generator | None


class VarMethod(StrEnum):
    """How VaR and ES are estimated."""

    HISTORICAL = "historical"
    NORMAL = "normal"
    CORNISH_FISHER = "cornish_fisher"
    MONTE_CARLO = "monte_carlo"


class Simulation(StrEnum):
    """Distribution of the simulated per-period asset returns of ``monte_carlo``."""

    NORMAL = "normal"
    STUDENT_T = "student_t"
    BOOTSTRAP = "bootstrap"


class Aggregation(StrEnum):
    """How simulated per-period book returns make the horizon return."""

    COMPOUND = "compound"
    SUM = "sum"


def _member(enum: type[StrEnum], value: object, name: str) -> StrEnum:
    try:
        return enum(str(value))
    except ValueError:
        valid = ", ".join(repr(m.value) for m in enum)
        raise ConfigError(f"unknown {name} {value!r}; use one of {valid}") from None


@dataclass(frozen=True)
class MonteCarloSpec:
    """Settings of the ``monte_carlo`` method.

    Asset returns are drawn per period from the window's sample mean ``mu`` and covariance
    ``S`` (``ddof=1``) as ``mu + F z``, with ``F`` the Cholesky factor of ``S`` or, when ``S``
    is not positive definite (fewer periods than assets, collinear names), its eigen factor
    ``V sqrt(L)`` over the eigenvalues above ``n * eps * max(L)`` (exact for a singular
    normal). Paths are drawn in chunks of at most ``chunk_bytes`` of asset returns, each
    chunk from its own child of the ``random_state`` seed sequence, so a seed gives the same
    figures on every run (for the same ``chunk_bytes`` and number of held names).

    Measured (``benchmarks/risk_var.md``, a shared 2-core VM at load 1-4): 100,000 paths x
    500 assets, 1-day, 1.3-1.6 s with ``n_jobs=1`` and 0.9-1.0 s with ``n_jobs=2`` (drawing
    the 50 M normals alone takes 0.5 s, the triangular product about 0.3-0.5 s); 10-day
    compounded costs 10 days (8.5 s with ``n_jobs=2``); 10-day ``sum`` with ``normal`` one.

    Parameters
    ----------
    n_paths : int, default 100_000
        Number of simulated horizon returns.
    distribution : {"normal", "student_t", "bootstrap"}, default "normal"
        ``normal``: multivariate normal. ``student_t``: multivariate t with ``dof`` degrees
        of freedom scaled to covariance ``S`` (``z * sqrt((dof - 2) / chi2_dof)``, one
        chi-square per path and period). ``bootstrap``: periods of the window resampled with
        replacement (i.i.d.); a resampled row of asset returns times the weights is the
        book's return of that row, so the book's series is resampled directly (same numbers).
    dof : float, default 5.0
        Degrees of freedom of ``student_t``, above 2.
    aggregation : {"compound", "sum"}, default "compound"
        Horizon return of a path: ``prod(1 + r_t) - 1`` or ``sum(r_t)`` of its per-period
        book returns. With ``normal`` and ``sum`` the h draws are not made one by one: their
        sum is exactly ``N(h mu, h S)``, drawn once with the factor scaled by ``sqrt(h)``.
    chunk_bytes : int, default 32 MiB
        Memory bound of one chunk of simulated asset returns (one chunk in memory per job).
    n_jobs : int, optional
        Jobs simulating chunks at once: threads (-1: one per core), or inside
        :func:`mi_kernel.cluster.on_dask` the cluster's workers. None: joblib's default (1, or
        every worker of the cluster under ``on_dask``). The figures do not depend on it:
        chunk ``i`` always uses the ``i``-th child generator.
    """

    n_paths: int = 100_000
    distribution: str = Simulation.NORMAL
    dof: float = 5.0
    aggregation: str = Aggregation.COMPOUND
    chunk_bytes: int = 32 * 2**20
    n_jobs: int | None = None

    def __post_init__(self) -> None:
        """Validate the settings and turn the names into enum members."""
        object.__setattr__(
            self, "distribution", _member(Simulation, self.distribution, "distribution")
        )
        object.__setattr__(
            self, "aggregation", _member(Aggregation, self.aggregation, "aggregation")
        )
        if not (isinstance(self.n_paths, int | np.integer) and self.n_paths > 0):
            raise ConfigError(f"n_paths must be a positive integer, got {self.n_paths!r}")
        if not (math.isfinite(self.dof) and self.dof > 2):
            raise ConfigError(f"dof must be above 2 (finite variance), got {self.dof!r}")
        if not self.chunk_bytes > 0:
            raise ConfigError(f"chunk_bytes must be positive, got {self.chunk_bytes!r}")
        if self.n_jobs is not None and not (
            isinstance(self.n_jobs, int | np.integer) and (self.n_jobs >= 1 or self.n_jobs == -1)
        ):
            raise ConfigError(f"n_jobs must be a positive integer, -1 or None, got {self.n_jobs!r}")


@dataclass(frozen=True)
class _Inputs:
    panel: np.ndarray  # (n_periods, n_held) asset returns
    w: np.ndarray  # (n_held,) weights
    book: np.ndarray  # (n_periods,) book returns


def _prepare(returns: pd.DataFrame | pd.Series, weights: pd.Series | None) -> _Inputs:
    """Validate the inputs and return the held names' returns, weights and book returns."""
    if isinstance(returns, pd.Series) and weights is None:
        panel = returns.to_frame()
        held = pd.Series(1.0, index=panel.columns)
    elif isinstance(returns, pd.DataFrame) and weights is not None:
        held = check_weights(weights)
        missing = [str(s) for s in held.index if s not in returns.columns]
        if missing:
            raise DataError(
                f"returns have no column for the weighted symbol(s) {missing[:10]}"
                f"{' ...' if len(missing) > 10 else ''}; pass returns covering every held name"
            )
        panel = returns.loc[:, list(held.index)]
    else:
        raise ConfigError(
            "pass a returns DataFrame (ts x symbol) with weights (symbol -> weight), or a "
            f"return Series without weights; got {type(returns).__name__} and "
            f"{type(weights).__name__}"
        )
    if not returns.index.is_monotonic_increasing:
        raise DataError("returns are not in time order; call returns.sort_index() first")
    if not all(pd.api.types.is_numeric_dtype(t) for t in panel.dtypes):
        panel = panel.apply(pd.to_numeric, errors="coerce")
    values = panel.to_numpy(dtype="float64")
    bad = ~np.isfinite(values).all(axis=0)
    if bad.any():
        cols = [str(c) for c in panel.columns[bad]]
        raise DataError(
            f"returns of {cols[:10]}{' ...' if len(cols) > 10 else ''} have NaN or inf "
            "values; fill them (returns.fillna(0.0)) or drop those rows (returns.dropna())"
        )
    w = held.to_numpy(dtype="float64")
    return _Inputs(panel=values, w=w, book=values @ w)


def _min_periods(method: VarMethod, level: float, horizon: int) -> int:
    if method is VarMethod.HISTORICAL:
        # at least one window beyond the VaR: ceil(1 / (1 - level)) windows
        return math.ceil(1.0 / (1.0 - level) - 1e-9) + horizon - 1
    return 4 if method is VarMethod.CORNISH_FISHER else 2


def _check_args(
    methods: Sequence[object], levels: Sequence[float], horizons: Sequence[int]
) -> list[VarMethod]:
    chosen = [VarMethod(_member(VarMethod, m, "method")) for m in methods]
    for level in levels:
        if not 0.0 < level < 1.0:
            raise ConfigError(f"level must be in (0, 1), e.g. 0.95 or 0.99, got {level!r}")
    for h in horizons:
        if not (isinstance(h, int | np.integer) and h >= 1):
            raise ConfigError(f"horizon must be a positive number of periods, got {h!r}")
    return chosen


def _check_history(n: int, method: VarMethod, level: float, horizon: int) -> None:
    need = _min_periods(method, level, horizon)
    if n < need:
        rule = " (ceil(1 / (1 - level)) + horizon - 1)" if method is VarMethod.HISTORICAL else ""
        raise DataError(
            f"returns have {n} row(s); {method.value} VaR at level {level} over {horizon} "
            f"period(s) needs at least {need}{rule}; pass a longer history or a lower level"
        )


def _empirical(horizon_returns: np.ndarray, levels: Sequence[float]) -> list[tuple[float, float]]:
    return [
        (
            float(_value_at_risk(horizon_returns, beta=lv)) + 0.0,  # + 0.0: no -0.0
            float(_cvar(horizon_returns, beta=lv)) + 0.0,
        )
        for lv in levels
    ]


def _compound_windows(book: np.ndarray, horizon: int) -> np.ndarray:
    """Return the overlapping ``horizon``-period compounded returns, shape (n - h + 1,)."""
    if horizon == 1:
        return book
    growth = np.lib.stride_tricks.sliding_window_view(1.0 + book, horizon)
    return np.prod(growth, axis=1) - 1.0


def _historical(
    inp: _Inputs, horizon: int, levels: Sequence[float], **_: object
) -> list[tuple[float, float]]:
    return _empirical(_compound_windows(inp.book, horizon), levels)


def _moments(book: np.ndarray, horizon: int) -> tuple[float, float]:
    return horizon * float(np.mean(book)), math.sqrt(horizon) * float(np.std(book, ddof=1))


def _normal(
    inp: _Inputs, horizon: int, levels: Sequence[float], **_: object
) -> list[tuple[float, float]]:
    mu, sd = _moments(inp.book, horizon)
    out = []
    for lv in levels:
        z = float(norm.ppf(lv))
        out.append((z * sd - mu + 0.0, sd * float(norm.pdf(z)) / (1.0 - lv) - mu + 0.0))
    return out


def _cornish_fisher(
    inp: _Inputs, horizon: int, levels: Sequence[float], **_: object
) -> list[tuple[float, float]]:
    mu, sd = _moments(inp.book, horizon)
    if sd > 0:
        s = float(skew(inp.book, bias=True)) / math.sqrt(horizon)
        k = float(kurtosis(inp.book, fisher=True, bias=True)) / horizon
    else:
        s = k = 0.0
    out = []
    for lv in levels:
        a = 1.0 - lv
        z = float(norm.ppf(a))
        q = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
        tail = 1 + z * s / 6 + (z**2 - 1) * k / 24 + (1 - 2 * z**2) * s**2 / 36
        out.append((-(mu + sd * q) + 0.0, sd * float(norm.pdf(z)) / a * tail - mu + 0.0))
    return out


def _factor(cov: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return ``F`` with ``F @ F.T == cov`` (Fortran order) and whether it is lower-triangular."""
    try:
        return np.asfortranarray(np.linalg.cholesky(cov)), True
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        keep = vals > len(vals) * np.finfo(float).eps * max(float(vals.max()), 0.0)
        return np.asfortranarray(vecs[:, keep] * np.sqrt(vals[keep])), False


Draw = Callable[[np.random.Generator, np.ndarray, float, float], np.ndarray]


@dataclass(frozen=True)
class _NormalDraw:
    """``draw(gen, buf, scale, shift)``: one period of ``len(buf)`` paths simulated into
    ``buf`` (normals, then asset returns minus their mean); returns the paths' book returns.
    A module-level value, so Dask can ship it to its workers (pickled by reference)."""

    factor: np.ndarray
    lower: bool
    mean_w: float
    w: np.ndarray
    dof: float | None  # Student t degrees of freedom; None: normal

    def __call__(
        self, gen: np.random.Generator, buf: np.ndarray, scale: float, shift: float
    ) -> np.ndarray:
        z = gen.standard_normal(out=buf)
        if self.dof is not None:
            z *= np.sqrt((self.dof - 2.0) / gen.chisquare(self.dof, len(z)))[:, None]
        # (n_assets, m) asset returns minus their mean (in z's memory when triangular),
        # unscaled: the horizon scale is applied to the book returns, a vector
        f = self.factor
        x = dtrmm(1.0, f, z.T, side=0, lower=1, overwrite_b=1) if self.lower else f @ z.T
        return shift * self.mean_w + scale * (self.w @ x)


@dataclass(frozen=True)
class _BootstrapDraw:
    """``draw(gen, buf, scale, shift)``: the book's returns of ``len(buf)`` periods drawn
    with replacement."""

    book: np.ndarray

    def __call__(
        self, gen: np.random.Generator, buf: np.ndarray, scale: float, shift: float
    ) -> np.ndarray:
        return self.book[gen.integers(0, self.book.size, len(buf))]


def _normal_draw(inp: _Inputs, spec: MonteCarloSpec) -> tuple[Draw, int]:
    """Return the period draw of ``normal`` / ``student_t`` and the width of ``buf`` it needs."""
    cov = np.atleast_2d(np.cov(inp.panel, rowvar=False, ddof=1))
    factor, lower = _factor(cov)
    mean_w = float(inp.panel.mean(axis=0) @ inp.w)
    dof = spec.dof if spec.distribution is Simulation.STUDENT_T else None
    return _NormalDraw(factor, lower, mean_w, inp.w, dof), factor.shape[1]


def _bootstrap_draw(inp: _Inputs) -> tuple[Draw, int]:
    return _BootstrapDraw(inp.book), 0


def _paths(
    draw: Draw, gen: np.random.Generator, buf: np.ndarray, h: int, spec: MonteCarloSpec
) -> np.ndarray:
    """Return the horizon returns of ``len(buf)`` paths."""
    if spec.aggregation is Aggregation.SUM and spec.distribution is Simulation.NORMAL:
        return draw(gen, buf, math.sqrt(h), float(h))  # h i.i.d. N(mu, S) sum to N(h mu, h S)
    compound = spec.aggregation is Aggregation.COMPOUND
    acc = np.ones(len(buf)) if compound else np.zeros(len(buf))
    for _ in range(h):
        r = draw(gen, buf, 1.0, 1.0)
        acc = acc * (1.0 + r) if compound else acc + r
    return acc - 1.0 if compound else acc


def _chunks(
    draw: Draw,
    gens: list[np.random.Generator],
    spans: list[tuple[int, int]],
    width: int,
    horizon: int,
    spec: MonteCarloSpec,
) -> list[np.ndarray]:
    """Horizon returns of the chunks ``spans`` (``gens[i]`` draws chunk ``i``): one task."""
    buf = np.empty((max(b - a for a, b in spans), width))  # reused: no page faults per chunk
    return [
        _paths(draw, g, buf[: b - a], horizon, spec).copy()
        for g, (a, b) in zip(gens, spans, strict=True)
    ]


def _simulate(
    inp: _Inputs, horizon: int, spec: MonteCarloSpec, rng: np.random.Generator
) -> np.ndarray:
    """Return ``spec.n_paths`` simulated horizon returns of the book.

    Chunk ``i`` of paths uses the ``i``-th child generator of ``rng``, so the figures do not
    depend on how many jobs draw them, nor where. The chunks are shared out among joblib
    tasks: threads here, or the workers of a Dask cluster inside
    :func:`mi_kernel.cluster.on_dask` (the same figures).
    """
    out = np.zeros(spec.n_paths)
    if inp.w.size == 0:
        return out
    if spec.distribution is Simulation.BOOTSTRAP:
        draw, width = _bootstrap_draw(inp)
    else:
        draw, width = _normal_draw(inp, spec)
    chunk = max(1, min(spec.n_paths, spec.chunk_bytes // (8 * inp.w.size)))
    spans = [(a, min(a + chunk, spec.n_paths)) for a in range(0, spec.n_paths, chunk)]
    gens = rng.spawn(len(spans))
    jobs = min(len(spans), joblib.effective_n_jobs(spec.n_jobs))
    tasks = [
        joblib.delayed(_chunks)(draw, gens[j::jobs], spans[j::jobs], width, horizon, spec)
        for j in range(jobs)
    ]
    results = (
        joblib.Parallel(n_jobs=jobs, prefer="threads")(tasks)
        if jobs > 1
        else [_chunks(draw, gens, spans, width, horizon, spec)]
    )
    for j, paths in enumerate(results):
        for (a, b), r in zip(spans[j::jobs], paths, strict=True):
            out[a:b] = r
    return out


def _monte_carlo(
    inp: _Inputs,
    horizon: int,
    levels: Sequence[float],
    *,
    spec: MonteCarloSpec,
    random_state: RandomState,
) -> list[tuple[float, float]]:
    return _empirical(_simulate(inp, horizon, spec, np.random.default_rng(random_state)), levels)


_METHODS: dict[VarMethod, Callable[..., list[tuple[float, float]]]] = {
    VarMethod.HISTORICAL: _historical,
    VarMethod.NORMAL: _normal,
    VarMethod.CORNISH_FISHER: _cornish_fisher,
    VarMethod.MONTE_CARLO: _monte_carlo,
}


def var_es(
    returns: pd.DataFrame | pd.Series,
    weights: pd.Series | None = None,
    *,
    method: str = VarMethod.HISTORICAL,
    level: float = 0.95,
    horizon: int = 1,
    random_state: RandomState = None,
    monte_carlo: MonteCarloSpec | None = None,
) -> tuple[float, float]:
    """Estimate the VaR and the ES of a book (or a return series) over ``horizon`` periods.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, n_symbols), or Series of shape (n_periods,)
        Simple per-period returns in time order: one column per symbol with ``weights``, or
        the book's own return series without them. Held columns must be free of NaN / inf.
    weights : Series, optional
        Weight per symbol (fraction of equity, signed; zero weights are ignored). Required
        with a DataFrame, not allowed with a Series.
    method : {"historical", "normal", "cornish_fisher", "monte_carlo"}, default "historical"
        Estimator; see the module docstring for each one's formula.
    level : float, default 0.95
        Confidence level in (0, 1), e.g. 0.95 or 0.99.
    horizon : int, default 1
        Horizon in periods of ``returns`` (10 for a 10-day figure from daily returns).
    random_state : int, numpy Generator or None
        Seed of ``monte_carlo`` (ignored by the other methods); an int gives the same
        figures on every call.
    monte_carlo : MonteCarloSpec, optional
        Settings of ``monte_carlo`` (default ``MonteCarloSpec()``: 100,000 normal paths).

    Returns
    -------
    var, es : float
        Value at risk and expected shortfall, positive loss fractions of equity.

    Raises
    ------
    ConfigError
        On an unknown method, a level outside (0, 1), a non-positive horizon, or a returns /
        weights combination other than DataFrame + weights or Series alone.
    DataError
        If a held symbol has no return column, held returns have NaN / inf, the index is not
        in time order, or there are too few rows for the method (the message says how many).
    """
    table = var_table(
        returns,
        weights,
        methods=(method,),
        horizons=(horizon,),
        levels=(level,),
        random_state=random_state,
        monte_carlo=monte_carlo,
    )
    return float(table["var"].iloc[0]), float(table["es"].iloc[0])


def value_at_risk(
    returns: pd.DataFrame | pd.Series,
    weights: pd.Series | None = None,
    *,
    method: str = VarMethod.HISTORICAL,
    level: float = 0.95,
    horizon: int = 1,
    random_state: RandomState = None,
    monte_carlo: MonteCarloSpec | None = None,
) -> float:
    """Return the VaR of a book over ``horizon`` periods, a positive loss fraction.

    Parameters and errors are those of :func:`var_es`.
    """
    return var_es(
        returns,
        weights,
        method=method,
        level=level,
        horizon=horizon,
        random_state=random_state,
        monte_carlo=monte_carlo,
    )[0]


def expected_shortfall(
    returns: pd.DataFrame | pd.Series,
    weights: pd.Series | None = None,
    *,
    method: str = VarMethod.HISTORICAL,
    level: float = 0.95,
    horizon: int = 1,
    random_state: RandomState = None,
    monte_carlo: MonteCarloSpec | None = None,
) -> float:
    """Return the ES (mean loss beyond the VaR) of a book over ``horizon`` periods.

    Parameters and errors are those of :func:`var_es`.
    """
    return var_es(
        returns,
        weights,
        method=method,
        level=level,
        horizon=horizon,
        random_state=random_state,
        monte_carlo=monte_carlo,
    )[1]


def var_table(
    returns: pd.DataFrame | pd.Series,
    weights: pd.Series | None = None,
    *,
    methods: Sequence[str] = tuple(VarMethod),
    horizons: Sequence[int] = (1, 10),
    levels: Sequence[float] = (0.95, 0.99),
    random_state: RandomState = None,
    monte_carlo: MonteCarloSpec | None = None,
) -> pd.DataFrame:
    """Tabulate VaR and ES by method, horizon and level.

    Monte Carlo simulates once per horizon and reads every level off the same paths; with
    an int ``random_state`` each row equals :func:`var_es` called with that seed.

    Parameters
    ----------
    returns, weights, random_state, monte_carlo
        As for :func:`var_es`.
    methods : sequence of str, default all four
        Methods to run, in row order.
    horizons : sequence of int, default (1, 10)
        Horizons in periods of ``returns``.
    levels : sequence of float, default (0.95, 0.99)
        Confidence levels in (0, 1).

    Returns
    -------
    DataFrame
        One row per (method, horizon, level) with columns ``method`` (str), ``horizon``
        (int, periods), ``level``, ``var`` and ``es`` (positive loss fractions).

    Raises
    ------
    ConfigError, DataError
        As for :func:`var_es`.
    """
    chosen = _check_args(methods, levels, horizons)
    inp = _prepare(returns, weights)
    spec = monte_carlo if monte_carlo is not None else MonteCarloSpec()
    for method in chosen:
        for h in horizons:
            for lv in levels:
                _check_history(len(inp.book), method, lv, h)
    rows = []
    for method in chosen:
        for h in horizons:
            figures = _METHODS[method](
                inp, int(h), list(levels), spec=spec, random_state=random_state
            )
            rows += [
                (method.value, int(h), float(lv), *vr)
                for lv, vr in zip(levels, figures, strict=True)
            ]
    return pd.DataFrame(rows, columns=["method", "horizon", "level", "var", "es"])

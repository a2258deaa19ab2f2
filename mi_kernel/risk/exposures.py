"""Factor exposures of a book as of a rebalance date, from data known at that date only.

- :func:`factor_exposures`: time-series OLS betas (with an intercept) of each held symbol's
  returns on factor return series (an index, Fama-French MktRF / SMB / HML / Mom, factor
  ETFs) over the last ``window`` factor periods known at ``asof``; book beta
  ``sum_i w_i beta_i``.
- :func:`style_exposures`: cross-sectional z-scores of characteristics (size, value,
  momentum, ...) on the last date at or before ``asof``; book exposure ``sum_i w_i z_i``.
- :func:`sector_exposures`: long, short, net and gross weight per sector.

A factor row stamped ``ts`` (e.g. a monthly return stamped at month end) is known at
``ts + publication_lag``; rows not known by ``asof`` are never used, nor are return or
characteristic rows stamped after ``asof``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk.weights import check_weights, sector_labels


def _held_columns(held: pd.Series, frame: pd.DataFrame, what: str) -> None:
    missing = [str(s) for s in held.index if s not in frame.columns]
    if missing:
        raise DataError(
            f"{what} have no column for the weighted symbol(s) {missing[:10]}"
            f"{' ...' if len(missing) > 10 else ''}; pass {what} covering every held name"
        )


def _stamp(asof: pd.Timestamp | str, stamps: pd.Index, what: str) -> pd.Timestamp:
    """Return ``asof`` as a Timestamp comparable with the datetime ``stamps`` of ``what``."""
    if not isinstance(stamps, pd.DatetimeIndex):
        raise DataError(f"{what} must be stamped with datetimes (ts), got {stamps.dtype}")
    ts = pd.Timestamp(asof)
    if (ts.tz is None) != (stamps.tz is None):
        raise ConfigError(
            f"asof {ts} and the {what} timestamps ({stamps.tz or 'naive'}) must both be "
            "timezone-aware or both naive; e.g. pass pd.Timestamp(asof, tz='UTC')"
        )
    return ts


@dataclass(frozen=True)
class FactorExposures:
    """Time-series factor betas of a book as of ``asof``.

    Attributes
    ----------
    asof : Timestamp
        The rebalance date.
    start, end : Timestamp
        First and last factor period of the regression window.
    betas : DataFrame, shape (n_held, n_factors)
        OLS slope of each held symbol's return on each factor (NaN below ``min_obs``).
    alpha : Series
        Intercept per symbol (per-period return).
    tstats : DataFrame, shape (n_held, n_factors)
        ``beta / se(beta)`` with ``se`` from ``RSS / (n_obs - n_factors - 1)``.
    r2 : Series
        R-squared per symbol (NaN for a constant return).
    n_obs : Series
        Periods used per symbol (rows with both a return and every factor).
    book : Series
        ``sum_i w_i beta_i`` per factor over the symbols with betas.
    coverage : float
        Share of the book's gross weight whose betas are estimated.
    """

    asof: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    betas: pd.DataFrame
    alpha: pd.Series
    tstats: pd.DataFrame
    r2: pd.Series
    n_obs: pd.Series
    book: pd.Series
    coverage: float


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Return (coefficients incl. intercept, t-stats, R2) of ``y`` on ``[1, x]``."""
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    rss, tss = float(resid @ resid), float(((y - y.mean()) ** 2).sum())
    dof = len(y) - design.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = rss / dof * np.linalg.pinv(design.T @ design)
        tstats = coef / np.sqrt(np.diag(cov))
    return coef, tstats, (1.0 - rss / tss) if tss > 0 else float("nan")


def factor_exposures(
    weights: pd.Series,
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    asof: pd.Timestamp | str,
    *,
    window: int,
    min_obs: int | None = None,
    publication_lag: pd.Timedelta | str = "0D",
) -> FactorExposures:
    """Regress each held symbol's returns on factor returns over a window ending by ``asof``.

    Parameters
    ----------
    weights : Series
        Weight per symbol (fraction of equity, signed); zero weights are ignored.
    returns : DataFrame, shape (n_periods, n_symbols)
        Simple per-period returns indexed by ``ts``, at the factors' frequency and stamps
        (monthly factors need monthly returns stamped at the same month ends).
    factors : DataFrame, shape (n_periods, n_factors)
        Factor returns indexed by ``ts`` (the period's end), e.g. ``MktRF, SMB, HML, Mom``.
    asof : Timestamp or str
        Rebalance date; only rows with ``ts <= asof`` (factors: ``ts + publication_lag <=
        asof``) are used.
    window : int
        Number of the latest usable factor periods to regress over.
    min_obs : int, optional
        Fewest periods a symbol needs for betas (default ``n_factors + 2``, the least with a
        residual degree of freedom); symbols with fewer get NaN and no book exposure.
    publication_lag : Timedelta or str, default "0D"
        Delay between a factor row's stamp and its publication.

    Returns
    -------
    FactorExposures

    Raises
    ------
    ConfigError
        On a non-positive ``window`` or ``min_obs`` below ``n_factors + 2``.
    DataError
        If a held symbol has no return column, or no factor period is known by ``asof``.
    """
    held = check_weights(weights)
    _held_columns(held, returns, "returns")
    asof, lag = _stamp(asof, factors.index, "factors"), pd.Timedelta(publication_lag)
    _stamp(asof, returns.index, "returns")
    k = factors.shape[1]
    need = k + 2 if min_obs is None else min_obs
    if not window >= 1 or need < k + 2:
        raise ConfigError(
            f"window must be positive and min_obs at least n_factors + 2 = {k + 2}; "
            f"got window={window!r}, min_obs={min_obs!r}"
        )
    stamps = pd.DatetimeIndex(factors.index)
    known = factors.loc[(stamps + lag <= asof) & (stamps <= asof)].dropna()
    known = known.sort_index().iloc[-window:].astype("float64")
    if known.empty:
        raise DataError(
            f"no complete factor period is known by {asof} (publication_lag {lag}); "
            "pass an earlier-starting factor history or a later asof"
        )
    panel = returns.loc[returns.index <= asof, list(held.index)].reindex(known.index)
    panel = panel.apply(pd.to_numeric, errors="coerce").astype("float64")
    cols = ["alpha", *map(str, factors.columns)]
    coef = pd.DataFrame(np.nan, index=held.index, columns=cols)
    tstat, r2 = coef.copy(), pd.Series(np.nan, index=held.index)
    n_obs = panel.notna().sum().astype(int)
    if len(held) and not n_obs.any():
        raise DataError(
            f"the held symbols have no return on the {len(known)} factor timestamps up to "
            f"{known.index[-1]}; compound returns to the factors' frequency and stamps "
            "(e.g. monthly returns stamped at month end for monthly factors)"
        )
    x_all = known.to_numpy()
    for sym in held.index:
        ok = panel[sym].notna().to_numpy()
        if ok.sum() >= need:
            c, t, r = _ols(panel[sym].to_numpy(dtype="float64")[ok], x_all[ok])
            coef.loc[sym], tstat.loc[sym], r2[sym] = c, t, r
    betas = coef.drop(columns="alpha")
    covered = betas.notna().all(axis=1)
    gross = float(held.abs().sum())
    return FactorExposures(
        asof=asof,
        start=known.index[0],
        end=known.index[-1],
        betas=betas,
        alpha=coef["alpha"],
        tstats=tstat.drop(columns="alpha"),
        r2=r2,
        n_obs=n_obs,
        book=betas[covered].mul(held[covered], axis=0).sum(),
        coverage=float(held[covered].abs().sum()) / gross if gross else 0.0,
    )


@dataclass(frozen=True)
class StyleExposures:
    """Cross-sectional style exposures of a book as of ``asof``.

    Attributes
    ----------
    asof, date : Timestamp
        The rebalance date and the characteristics date used (the last one ``<= asof``).
    zscores : DataFrame, shape (n_held, n_characteristics)
        Held symbols' z-scores against the whole cross-section of ``date`` (NaN where the
        characteristic is missing).
    book : Series
        ``sum_i w_i z_i`` per characteristic over the symbols with a value.
    coverage : Series
        Share of the book's gross weight with a value, per characteristic.
    """

    asof: pd.Timestamp
    date: pd.Timestamp
    zscores: pd.DataFrame
    book: pd.Series
    coverage: pd.Series


def style_exposures(
    weights: pd.Series,
    characteristics: pd.DataFrame,
    asof: pd.Timestamp | str,
    columns: list[str] | None = None,
) -> StyleExposures:
    """Z-score characteristics across symbols on the last date ``<= asof``; sum them by weight.

    ``z = (x - mean) / std`` over every symbol with a value on that date (equal-weighted
    mean, population ``std``, ``ddof=0``); a characteristic with zero spread gives z = 0.

    Parameters
    ----------
    weights : Series
        Weight per symbol (fraction of equity, signed); zero weights are ignored.
    characteristics : DataFrame
        Long table with columns ``ts`` (when the value is known), ``symbol`` and one column
        per characteristic (size, value, momentum, beta, ...).
    asof : Timestamp or str
        Rebalance date.
    columns : list of str, optional
        Characteristics to use (default: every column but ``ts`` and ``symbol``).

    Returns
    -------
    StyleExposures

    Raises
    ------
    DataError
        If ``ts`` / ``symbol`` / a requested column is missing, no row is dated ``<= asof``,
        or a symbol appears twice on that date.
    """
    held = check_weights(weights)
    cols = [c for c in characteristics.columns if c not in ("ts", "symbol")]
    cols = cols if columns is None else list(columns)
    absent = [c for c in ["ts", "symbol", *cols] if c not in characteristics.columns]
    if absent:
        raise DataError(f"characteristics have no column {absent}; pass a long (ts, symbol, ...)")
    asof = _stamp(asof, pd.DatetimeIndex(characteristics["ts"]), "characteristics")
    past = characteristics.loc[characteristics["ts"] <= asof]
    if past.empty:
        raise DataError(f"no characteristics row is dated at or before {asof}; pass a later asof")
    date = pd.Timestamp(past["ts"].max())
    day = past.loc[past["ts"] == date]
    if day["symbol"].duplicated().any():
        dup = sorted(map(str, day.loc[day["symbol"].duplicated(), "symbol"]))[:10]
        raise DataError(f"characteristics name {dup} twice on {date}; keep one row per symbol")
    values = day.set_index("symbol")[cols].apply(pd.to_numeric, errors="coerce")
    spread = values.std(ddof=0)
    z = (values - values.mean()).div(spread.where(spread > 0), axis=1)
    z = z.where(values.isna() | (spread > 0), 0.0)
    zs = z.reindex(held.index)
    gross = float(held.abs().sum())
    has = zs.notna()
    return StyleExposures(
        asof=asof,
        date=date,
        zscores=zs,
        book=zs.mul(held, axis=0).sum(),
        coverage=has.mul(held.abs(), axis=0).sum() / gross if gross else has.sum() * 0.0,
    )


def sector_exposures(
    weights: pd.Series, sectors: pd.Series | Mapping[str, str] | None
) -> pd.DataFrame:
    """Return long, short, net and gross weight per sector.

    Parameters
    ----------
    weights : Series
        Weight per symbol (fraction of equity, signed); zero weights are ignored.
    sectors : Series or mapping, optional
        Symbol -> sector; names without one count under ``"Unknown"``.

    Returns
    -------
    DataFrame
        Index sector (sorted), columns ``long`` (sum of positive weights), ``short`` (sum of
        negative weights, <= 0), ``net`` and ``gross`` (sum of ``|w|``).
    """
    held = check_weights(weights)
    names = sector_labels(held.index, sectors)
    frame = pd.DataFrame(
        {
            "long": held.clip(lower=0.0),
            "short": held.clip(upper=0.0),
            "net": held,
            "gross": held.abs(),
        }
    )
    out = frame.groupby(names).sum().sort_index()
    out.index.name = "sector"
    return out

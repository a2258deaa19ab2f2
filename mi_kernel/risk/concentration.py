"""Concentration and liquidity of a book.

Concentration uses each position's share of the gross book, ``s_i = |w_i| / sum_j |w_j|``:
``HHI = sum s_i^2`` (1 for one name, ``1 / N`` for N equal names), ``effective_n = 1 / HHI``.
(:func:`~mi_kernel.risk.ex_ante` reports ``1 / sum w_i^2`` instead, which equals this only
for a book of gross 1.)

Liquidity counts the days needed to trade a position out while trading at most
``participation`` of its average daily volume: ``days_i = |shares_i| / (participation *
ADV_i)``, i.e. position value over ``participation * ADV_i * price_i``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk.report import json_number
from mi_kernel.risk.weights import check_weights


@dataclass(frozen=True)
class Concentration:
    """Concentration of a book (every figure 0 for an empty book).

    Attributes
    ----------
    n_positions : int
        Number of non-zero weights.
    gross : float
        Sum of ``|w|``.
    hhi : float
        Herfindahl-Hirschman index of the gross shares, in (0, 1].
    effective_n : float
        ``1 / hhi``.
    top_share : float
        Share of the gross book in the ``top`` largest positions.
    top : int
        Number of positions ``top_share`` counts.
    largest_share : float
        Gross share of the largest position.
    largest_symbol : str or None
        Its symbol.
    """

    n_positions: int
    gross: float
    hhi: float
    effective_n: float
    top_share: float
    top: int
    largest_share: float
    largest_symbol: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return {
            k: json_number(getattr(self, k))
            if isinstance(getattr(self, k), float)
            else getattr(self, k)
            for k in self.__dataclass_fields__
        }


def concentration(weights: pd.Series, top: int = 10) -> Concentration:
    """Measure how concentrated a book of weights is.

    Parameters
    ----------
    weights : Series
        Weight per symbol (signed); zero weights are ignored, shorts count by ``|w|``.
    top : int, default 10
        Number of largest positions whose share is reported.

    Returns
    -------
    Concentration

    Raises
    ------
    ConfigError
        If ``top`` is not a positive integer.
    DataError
        On NaN / inf or duplicated weights.
    """
    if not (isinstance(top, int | np.integer) and top >= 1):
        raise ConfigError(f"top must be a positive number of positions, got {top!r}")
    held = check_weights(weights).abs().sort_values(ascending=False, kind="stable")
    gross = float(held.sum())
    if not gross > 0:
        return Concentration(0, 0.0, 0.0, 0.0, 0.0, int(top), 0.0, None)
    shares = held / gross
    hhi = float((shares**2).sum())
    return Concentration(
        n_positions=int(held.size),
        gross=gross,
        hhi=hhi,
        effective_n=1.0 / hhi,
        top_share=float(shares.iloc[:top].sum()),
        top=int(top),
        largest_share=float(shares.iloc[0]),
        largest_symbol=str(shares.index[0]),
    )


@dataclass(frozen=True)
class Liquidity:
    """Days to liquidate a book at a participation cap.

    Attributes
    ----------
    positions : DataFrame
        One row per held symbol: ``shares`` (signed), ``value`` (``|shares| * price``,
        currency), ``daily_capacity`` (``participation * ADV * price``, currency per day) and
        ``days`` (``value / daily_capacity``; inf at zero ADV), largest ``days`` first.
    participation : float
        Cap on the fraction of ADV traded per day.
    max_days : float
        Days to liquidate the whole book (its slowest position).
    liquidatable : dict of int to float
        Share of the book's gross value that can be sold within each number of days,
        ``sum_i min(value_i, d * daily_capacity_i) / sum_i value_i`` (partial sales count).
    """

    positions: pd.DataFrame
    participation: float
    max_days: float
    liquidatable: dict[int, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (non-finite numbers become None)."""
        return {
            "participation": self.participation,
            "max_days": json_number(self.max_days),
            "liquidatable": {str(d): json_number(v) for d, v in self.liquidatable.items()},
            "days": {str(s): json_number(v) for s, v in self.positions["days"].items()},
        }


def _lookup(values: pd.Series | None, symbols: pd.Index, name: str, zero_ok: bool) -> pd.Series:
    if values is None:
        raise ConfigError(f"{name} is required: pass a Series symbol -> {name}")
    got = pd.to_numeric(values.reindex(symbols), errors="coerce").astype("float64")
    missing = [str(s) for s in symbols[got.isna().to_numpy()]]
    if missing:
        raise DataError(
            f"{name} is missing or NaN for held symbol(s) {missing[:10]}; supply it or drop "
            "those positions"
        )
    bad = [str(s) for s in symbols[~((got > 0) | (zero_ok & (got == 0))).to_numpy()]]
    if bad or not np.isfinite(got.to_numpy()).all():
        rule = "non-negative" if zero_ok else "positive"
        raise DataError(f"{name} must be finite and {rule}; check {bad[:10]}")
    return got


def _held(values: pd.Series, name: str) -> pd.Series:
    """Return the non-zero entries of a symbol -> amount Series, checked."""
    if not isinstance(values, pd.Series):
        raise ConfigError(f"{name} must be a pandas Series (symbol -> {name})")
    if values.index.duplicated().any():
        dup = sorted(set(map(str, values.index[values.index.duplicated()])))[:10]
        raise DataError(f"{name} name {dup} more than once; keep one entry per symbol")
    got = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = [str(s) for s in got.index[~np.isfinite(got.to_numpy())]]
    if bad:
        raise DataError(f"{name} of {bad[:10]} are NaN or inf; use 0.0 for no position")
    return got[got != 0.0]


def _positions(
    shares: pd.Series | None,
    weights: pd.Series | None,
    capital: float | None,
    price: pd.Series | None,
) -> tuple[pd.Series, pd.Series]:
    """Return (signed shares, price) of the held names from shares, or weights and capital."""
    if shares is not None and weights is None:
        held = _held(shares, "shares")
        return held, _lookup(price, held.index, "price", zero_ok=False)
    if weights is None or shares is not None:
        raise ConfigError("pass either shares, or weights with capital (not both, not neither)")
    if capital is None or not (math.isfinite(capital) and capital > 0):
        raise ConfigError(f"capital must be a positive amount with weights, got {capital!r}")
    held = _held(weights, "weights")
    px = _lookup(price, held.index, "price", zero_ok=False)
    return held * capital / px, px


def liquidity(
    adv: pd.Series,
    price: pd.Series,
    *,
    shares: pd.Series | None = None,
    weights: pd.Series | None = None,
    capital: float | None = None,
    participation: float = 0.1,
    horizons: Sequence[int] = (1, 5, 10),
) -> Liquidity:
    """Count the days needed to liquidate each position trading ``participation`` of ADV.

    Parameters
    ----------
    adv : Series
        Average daily volume per symbol, in shares (0 means untradeable: infinite days).
    price : Series
        Price per symbol (currency per share), positive.
    shares : Series, optional
        Signed shares held per symbol. Give this, or ``weights`` and ``capital``.
    weights : Series, optional
        Signed weight per symbol (fraction of ``capital``).
    capital : float, optional
        Book equity in currency, with ``weights``.
    participation : float, default 0.1
        Fraction of ADV traded per day, in (0, 1].
    horizons : sequence of int, default (1, 5, 10)
        Day counts at which the liquidatable share is reported.

    Returns
    -------
    Liquidity

    Raises
    ------
    ConfigError
        On both or neither of ``shares`` / ``weights``, a missing or non-positive ``capital``,
        ``participation`` outside (0, 1], or a non-positive horizon.
    DataError
        If ADV or price is missing, NaN or negative (price: non-positive) for a held symbol.
    """
    if not 0.0 < participation <= 1.0:
        raise ConfigError(f"participation must be in (0, 1], e.g. 0.1, got {participation!r}")
    if any(not (isinstance(d, int | np.integer) and d >= 1) for d in horizons):
        raise ConfigError(f"horizons must be positive day counts, got {list(horizons)!r}")
    held, px = _positions(shares, weights, capital, price)
    volume = _lookup(adv, held.index, "adv", zero_ok=True)
    value = held.abs() * px
    capacity = participation * volume * px
    with np.errstate(divide="ignore"):
        days = value / capacity
    table = pd.DataFrame(
        {"shares": held, "value": value, "daily_capacity": capacity, "days": days}
    ).sort_values("days", ascending=False, kind="stable")
    total = float(value.sum())
    sold = {
        int(d): float(np.minimum(value, d * capacity).sum()) / total if total > 0 else 1.0
        for d in horizons
    }
    return Liquidity(
        positions=table,
        participation=float(participation),
        max_days=float(days.max()) if len(days) else 0.0,
        liquidatable=sold,
    )

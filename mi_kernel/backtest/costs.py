"""Transaction and carry costs: five one-method models, one per slot of the engine's kernel.

Every cost model has a single method, ``cost``, and a ``slot``: the column of the engine's
cost attribution it fills (:data:`COST_SLOTS`). Its formula is a small Numba function that
works on scalars (the engine's kernel calls it per fill) and on arrays (``cost`` calls it on a
whole fills table), so the numbers in the attribution are the numbers the simulation paid.

The set is closed: the kernel computes exactly these five formulas from the parameter vector
:meth:`Costs.kernel_params` builds, so :data:`COST_MODELS` is read-only and
:class:`Costs` refuses any other key. A new cost is expressed through the parameters of one
of the slots (e.g. a venue fee as ``commission_bps``); a new *formula* is a change to the
kernel (``mi_kernel.backtest._engine``) and its reference implementation, not a registration.

Formulas (``q`` signed shares, ``p`` execution price, notional ``|q| p``; bps = 1e-4):

- commission: ``max(per_share |q| + bps |q| p, minimum)`` per fill (0 when nothing fills);
- spread: ``half_spread_bps |q| p`` — half the quoted spread, paid on every fill;
- impact: ``coef sigma sqrt(Q / ADV) Q p`` on the asset's cumulative quantity ``Q`` in the
  bar (each fill pays the increase it causes) — the square-root law, sigma the daily
  volatility and ADV the average daily volume, both known before the bar;
- taxes: ``buy_bps`` on purchases and ``sell_bps`` on sales (stamp duty, FTT, SEC fee);
  dividend withholding is a separate rate applied by the engine to dividends received;
- borrow: ``annual_bps`` a year on the value of short positions, accrued per bar by the
  calendar time it covers.

A cost configuration is explicit: :class:`Costs` is built from every rate, or from a named
base and the rates that differ from it — ``Costs.defaults()`` / ``Costs.zero()``, then
``.replace(commission_bps=0)``; as a mapping ``{"base": "default", "commission_bps": 0}``.
A partial mapping without ``base`` is refused, naming the missing fields: it used to be
merged with the defaults silently, so ``{"commission_bps": 0, "spread_bps": 0}`` still paid
impact and borrow. What a backtest applied is recorded whole on its result
(``BacktestResult.cost_model``) and in its report (``cost_model``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, Self

import numpy as np
import pandas as pd
from numba import njit
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mi_kernel.errors import ConfigError

Array = NDArray[np.float64]

#: Cost attribution columns, in the order of the engine's cost arrays.
COST_SLOTS = ("commission", "spread", "impact", "taxes", "borrow")
_BPS = 1e-4


# -- formulas: scalar or array in, same shape out -----------------------------------------
@njit(cache=True)
def commission_fee(q: Any, p: Any, per_share: float, bps: float, minimum: float) -> Any:
    """Commission of one fill: per share plus bps of notional, floored at ``minimum``."""
    a = np.abs(q)
    return (a > 0) * np.maximum(per_share * a + bps * _BPS * a * p, minimum)


@njit(cache=True)
def spread_fee(q: Any, p: Any, half_spread_bps: float) -> Any:
    """Half of the quoted spread on the fill's notional."""
    return half_spread_bps * _BPS * np.abs(q) * p


@njit(cache=True)
def impact_fee(q: Any, p: Any, adv: Any, sigma: Any, coef: float, before: Any = 0.0) -> Any:
    """Square-root impact of a fill: coef x sigma x p x ((B + |q|)^1.5 - B^1.5) / sqrt(ADV).

    ``before`` (B) is what the asset already traded in the bar: impact is the square-root
    law on the bar's cumulative quantity, so splitting an order within a bar never lowers it.
    With B = 0 this is coef x sigma x sqrt(|q| / ADV) x |q| p. 0 where ADV or sigma <= 0.
    """
    a = np.abs(q)
    ok = (adv > 0) * (sigma > 0)
    cum = (before + a) * np.sqrt(before + a) - before * np.sqrt(before)
    return ok * coef * np.maximum(sigma, 0.0) * p * cum / np.sqrt(np.maximum(adv, 1e-300))


@njit(cache=True)
def tax_fee(q: Any, p: Any, buy_bps: float, sell_bps: float) -> Any:
    """Transaction taxes: ``buy_bps`` of purchases, ``sell_bps`` of sales."""
    return ((q > 0) * buy_bps + (q < 0) * sell_bps) * _BPS * np.abs(q) * p


@njit(cache=True)
def borrow_fee(short_value: Any, annual_bps: float, years: Any) -> Any:
    """Borrow fee on ``short_value`` (currency, >= 0) for ``years`` of calendar time."""
    return annual_bps * _BPS * short_value * years


# -- plug-ins -----------------------------------------------------------------------------
class CostModel(Protocol):
    """A cost plug-in: ``slot`` names its attribution column, ``cost`` is its one method."""

    slot: ClassVar[str]

    def cost(self, fills: pd.DataFrame) -> Array:
        """Return the cost (currency, >= 0) of each row of ``fills``.

        ``fills`` has columns quantity (signed shares), price, adv and sigma for trading
        costs; for carry costs (borrow) short_value and years.
        """
        ...


def _col(fills: pd.DataFrame, name: str) -> Array:
    return np.ascontiguousarray(fills[name].to_numpy(dtype="float64"))


@dataclass(frozen=True)
class Commission:
    """Commission per share and in bps of notional, with a minimum per fill."""

    per_share: float = 0.0
    bps: float = 1.0
    minimum: float = 0.0
    slot: ClassVar[str] = "commission"

    def cost(self, fills: pd.DataFrame) -> Array:
        """Commission of each fill."""
        q, p = _col(fills, "quantity"), _col(fills, "price")
        return np.asarray(commission_fee(q, p, self.per_share, self.bps, self.minimum))


@dataclass(frozen=True)
class HalfSpread:
    """Half of a quoted spread of ``spread_bps`` on every fill."""

    spread_bps: float = 5.0
    slot: ClassVar[str] = "spread"

    def cost(self, fills: pd.DataFrame) -> Array:
        """Half-spread paid on each fill."""
        q, p = _col(fills, "quantity"), _col(fills, "price")
        return np.asarray(spread_fee(q, p, 0.5 * self.spread_bps))


@dataclass(frozen=True)
class SqrtImpact:
    """Square-root market impact with coefficient ``coef``."""

    coef: float = 0.1
    slot: ClassVar[str] = "impact"

    def cost(self, fills: pd.DataFrame) -> Array:
        """Impact of each fill (in execution order), from ADV and sigma known before the bar.

        What the symbol traded earlier in the same bar is the running sum of |quantity| over
        the rows before it with the same (ts, symbol) (0 without those columns: each row a
        bar of its own); delisting close-outs (order_id -2) cost nothing.
        """
        q, p = _col(fills, "quantity"), _col(fills, "price")
        live = np.ones(len(q), dtype=bool)
        if "order_id" in fills:
            live = (fills["order_id"] != -2).to_numpy()
        size = pd.Series(np.abs(q) * live, index=fills.index)
        before = np.zeros(len(q))
        if {"ts", "symbol"} <= set(fills.columns):
            keys = [fills["ts"], fills["symbol"]]
            before = (size.groupby(keys, sort=False).cumsum() - size).to_numpy()
        fee = impact_fee(q, p, _col(fills, "adv"), _col(fills, "sigma"), self.coef, before)
        return np.asarray(fee) * live


@dataclass(frozen=True)
class Taxes:
    """Transaction taxes on buys and sells (bps); dividend withholding rate (fraction)."""

    buy_bps: float = 0.0
    sell_bps: float = 0.0
    dividend_rate: float = 0.0
    slot: ClassVar[str] = "taxes"

    def cost(self, fills: pd.DataFrame) -> Array:
        """Transaction tax of each fill (dividend withholding is charged on dividends)."""
        q, p = _col(fills, "quantity"), _col(fills, "price")
        return np.asarray(tax_fee(q, p, self.buy_bps, self.sell_bps))


@dataclass(frozen=True)
class Borrow:
    """Borrow fee on shorts, ``annual_bps`` a year."""

    annual_bps: float = 50.0
    slot: ClassVar[str] = "borrow"

    def cost(self, fills: pd.DataFrame) -> Array:
        """Borrow fee of each (short_value, years) row."""
        return np.asarray(
            borrow_fee(_col(fills, "short_value"), self.annual_bps, _col(fills, "years"))
        )


class Costs(BaseModel):
    """Cost configuration of a backtest (frozen; a mapping parses with :func:`as_costs`).

    Every rate is stated: either all of them (keywords or a mapping), or a base that fills
    the ones left out — :meth:`defaults` or :meth:`zero`, then :meth:`replace`
    (``Costs.zero().replace(spread_bps=10)``); as a mapping ``{"base": "default",
    "commission_bps": 0}`` (``"default"`` or ``"zero"``). ``base`` is not kept: the model
    holds the resolved rates only. ``models`` may be left out (every slot on). Anything else
    is refused, naming the missing fields (:func:`as_costs` raises a
    :class:`~mi_kernel.errors.ConfigError`; the constructor pydantic's ValidationError).

    Attributes
    ----------
    commission_bps, commission_per_share, min_commission : float
        Commission in bps of notional and per share, and its minimum per fill (currency).
    spread_bps : float
        Full quoted bid-ask spread in bps; half is paid per fill.
    impact_coef : float
        Square-root impact coefficient (0 turns impact off).
    buy_tax_bps, sell_tax_bps : float
        Transaction taxes on purchases and sales, in bps.
    dividend_tax : float
        Withholding rate on dividends received (fraction, 0-1).
    borrow_bps : float
        Annual borrow fee on short positions, in bps of their value.
    models : tuple of str
        Keys of :data:`COST_MODELS` (the kernel's :data:`COST_SLOTS`) that are on; the others
        cost nothing. Any other key is refused: the kernel could not charge it.

    Defaults (``Costs.defaults()``): commission 1 bps, spread 5 bps (2.5 paid per fill),
    impact coefficient 0.1, borrow 50 bps a year, no per-share or minimum commission, no
    taxes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    commission_bps: float = Field(default=1.0, ge=0.0)
    commission_per_share: float = Field(default=0.0, ge=0.0)
    min_commission: float = Field(default=0.0, ge=0.0)
    spread_bps: float = Field(default=5.0, ge=0.0)
    impact_coef: float = Field(default=0.1, ge=0.0)
    buy_tax_bps: float = Field(default=0.0, ge=0.0)
    sell_tax_bps: float = Field(default=0.0, ge=0.0)
    dividend_tax: float = Field(default=0.0, ge=0.0, le=1.0)
    borrow_bps: float = Field(default=50.0, ge=0.0)
    models: tuple[str, ...] = COST_SLOTS

    @model_validator(mode="before")
    @classmethod
    def _explicit(cls, data: Any) -> Any:
        return explicit_costs(data) if isinstance(data, Mapping) else data

    @field_validator("models")
    @classmethod
    def _known_models(cls, models: tuple[str, ...]) -> tuple[str, ...]:
        _check_models(models)
        return models

    @classmethod
    def defaults(cls) -> Self:
        """The default cost model (every slot on; see the class docstring for the rates)."""
        return cls.model_validate({"base": "default"})

    @classmethod
    def zero(cls) -> Self:
        """No cost at all: every rate 0 (a frictionless backtest)."""
        return cls.model_validate({"base": "zero"})

    def replace(self, **changes: Any) -> Self:
        """Return a copy with ``changes`` applied and validated (unknown keys refused)."""
        try:
            return type(self).model_validate(self.model_dump() | changes)
        except ValueError as exc:
            raise ConfigError(f"invalid cost change {changes!r}: {exc}") from exc

    def build(self) -> list[CostModel]:
        """Instantiate the configured cost models from :data:`COST_MODELS`."""
        _check_models(self.models)  # also when built with model_construct (no validation)
        return [COST_MODELS[m](self) for m in self.models]

    def kernel_params(self) -> Array:
        """The parameter vector of the engine's kernel (see :data:`KERNEL_PARAMS`)."""
        on: dict[str, Any] = {m.slot: m for m in self.build()}
        com, spr, imp = on.get("commission"), on.get("spread"), on.get("impact")
        tax, bor = on.get("taxes"), on.get("borrow")
        values = {
            "per_share": com.per_share if com else 0.0,
            "commission_bps": com.bps if com else 0.0,
            "minimum": com.minimum if com else 0.0,
            "half_spread_bps": 0.5 * spr.spread_bps if spr else 0.0,
            "impact_coef": imp.coef if imp else 0.0,
            "buy_tax_bps": tax.buy_bps if tax else 0.0,
            "sell_tax_bps": tax.sell_bps if tax else 0.0,
            "dividend_tax": tax.dividend_rate if tax else 0.0,
            "borrow_bps": bor.annual_bps if bor else 0.0,
        }
        return np.array([values[k] for k in KERNEL_PARAMS], dtype="float64")


#: Order of the kernel's cost parameter vector.
KERNEL_PARAMS = (
    "per_share",
    "commission_bps",
    "minimum",
    "half_spread_bps",
    "impact_coef",
    "buy_tax_bps",
    "sell_tax_bps",
    "dividend_tax",
    "borrow_bps",
)


def _check_models(models: tuple[str, ...]) -> None:
    unknown = [m for m in models if m not in COST_SLOTS]
    if unknown:
        raise ConfigError(
            f"unknown cost model(s) {unknown} in Costs.models; the kernel runs only "
            f"{list(COST_SLOTS)}. A new cost must be expressed through the parameters of one "
            "of these slots (e.g. a fee in bps as commission_bps); a new formula needs a "
            "change to the engine's kernel, it cannot be registered"
        )


#: The cost models the kernel runs, read-only: slot -> factory building the model from a
#: :class:`Costs`. Not a plug-in registry (see the module docstring).
COST_MODELS: Mapping[str, Callable[[Costs], CostModel]] = MappingProxyType(
    {
        "commission": lambda c: Commission(
            c.commission_per_share, c.commission_bps, c.min_commission
        ),
        "spread": lambda c: HalfSpread(c.spread_bps),
        "impact": lambda c: SqrtImpact(c.impact_coef),
        "taxes": lambda c: Taxes(c.buy_tax_bps, c.sell_tax_bps, c.dividend_tax),
        "borrow": lambda c: Borrow(c.borrow_bps),
    }
)

#: The rates a cost configuration states (every field of :class:`Costs` but ``models``).
RATE_FIELDS = tuple(f for f in Costs.model_fields if f != "models")

#: What ``base`` fills the rates left out of a cost configuration with.
COST_BASES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "default": MappingProxyType({f: Costs.model_fields[f].default for f in RATE_FIELDS}),
        "zero": MappingProxyType(dict.fromkeys(RATE_FIELDS, 0.0)),
    }
)


def explicit_costs(data: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve a cost mapping's ``base`` into every rate; refuse a partial one without it.

    Raises
    ------
    ConfigError
        ``base`` is unknown, or rates are missing and no ``base`` says what fills them.
    """
    out = dict(data)
    base = out.pop("base", None)
    if base is not None:
        if base not in COST_BASES:
            raise ConfigError(
                f"unknown cost base {base!r}; use one of {sorted(COST_BASES)} "
                "(the defaults, or no cost) and state the rates that differ"
            )
        return dict(COST_BASES[base]) | out
    missing = [f for f in RATE_FIELDS if f not in out]
    if missing:
        given = ", ".join(f"{k}={v!r}" for k, v in out.items()) or "nothing"
        raise ConfigError(
            f"costs give {given} but leave out {', '.join(missing)}: a partial cost model is "
            "not merged with the defaults. State every rate, or name the base that fills the "
            'rest: {"base": "zero", ...} (nothing else is charged; Costs.zero().replace(...)) '
            'or {"base": "default", ...} (the default rates; Costs.defaults().replace(...))'
        )
    return out


#: Zero-cost configuration (frictionless backtests and tests); the same as ``Costs.zero()``.
NO_COSTS = Costs.zero()


def as_costs(costs: Costs | Mapping[str, Any] | None) -> Costs:
    """Return ``costs`` as a :class:`Costs`; ``None`` means ``Costs.defaults()``.

    A mapping states every rate or a ``base`` (see :class:`Costs`); a partial mapping
    without ``base`` is refused with the list of missing fields.
    """
    if costs is None:
        return Costs.defaults()
    if isinstance(costs, Costs):
        return costs
    if isinstance(costs, Mapping):
        resolved = explicit_costs(costs)  # a clear error for a partial mapping, unwrapped
        try:
            return Costs.model_validate(resolved)
        except ValueError as exc:
            raise ConfigError(f"invalid costs {dict(costs)!r}: {exc}") from exc
    raise ConfigError(f"costs must be a Costs or a mapping, got {type(costs).__name__}")

"""Transaction-cost plug-ins: one method each, kept in an explicit registry.

A cost model turns the traded notional of one rebalance into a cost per asset, in the
currency of the portfolio. Array convention: every argument and the result are 1-D float
arrays of one entry per asset, in the same asset order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.errors import ConfigError

Array = NDArray[np.float64]
_BPS = 1e-4


class CostModel(Protocol):
    """A transaction-cost model: ``name`` labels its column in the reports."""

    @property
    def name(self) -> str:
        """Label of the cost column in the reports, e.g. "commission"."""
        ...

    def cost(self, traded_notional: Array, prices: Array) -> Array:
        """Return the cost per asset (currency, >= 0) of trading ``traded_notional``.

        Parameters
        ----------
        traded_notional : ndarray of float, shape (n_assets,)
            Absolute traded notional per asset in currency (0 where nothing trades).
        prices : ndarray of float, shape (n_assets,)
            Execution price per asset.
        """
        ...


@dataclass(frozen=True)
class CommissionBps:
    """Commission of ``bps`` basis points of traded notional, at least ``minimum`` per trade."""

    bps: float = 1.0
    minimum: float = 0.0
    name: ClassVar[str] = "commission"

    def cost(self, traded_notional: Array, prices: Array) -> Array:
        """Return bps x notional, floored at ``minimum`` for every asset that trades."""
        fee = np.abs(traded_notional) * self.bps * _BPS
        return np.where(np.abs(traded_notional) > 0, np.maximum(fee, self.minimum), 0.0)


@dataclass(frozen=True)
class HalfSpreadBps:
    """Pay half of a quoted spread of ``spread_bps`` basis points on every traded notional."""

    spread_bps: float = 5.0
    name: ClassVar[str] = "spread"

    def cost(self, traded_notional: Array, prices: Array) -> Array:
        """Return spread_bps / 2 x notional."""
        return np.abs(traded_notional) * self.spread_bps * 0.5 * _BPS


class Costs(BaseModel):
    """Cost configuration of a backtest (frozen; parse a dict with ``Costs.model_validate``).

    Attributes
    ----------
    commission_bps : float
        Commission in basis points of traded notional.
    spread_bps : float
        Full quoted bid-ask spread in basis points; half of it is paid per trade.
    min_commission : float
        Minimum commission per trade (per asset and rebalance) in currency.
    models : tuple of str
        Keys of :data:`COST_MODELS` to apply, in order.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    commission_bps: float = Field(default=1.0, ge=0.0)
    spread_bps: float = Field(default=5.0, ge=0.0)
    min_commission: float = Field(default=0.0, ge=0.0)
    models: tuple[str, ...] = ("commission_bps", "half_spread_bps")

    def build(self) -> list[CostModel]:
        """Instantiate the configured cost models from :data:`COST_MODELS`."""
        unknown = [m for m in self.models if m not in COST_MODELS]
        if unknown:
            raise ConfigError(
                f"unknown cost model(s) {unknown}; choose from {sorted(COST_MODELS)} "
                "or register a factory in mi_kernel.backtest.COST_MODELS"
            )
        return [COST_MODELS[m](self) for m in self.models]


#: Registry of cost-model factories: key -> callable building the model from a :class:`Costs`.
COST_MODELS: dict[str, Callable[[Costs], CostModel]] = {
    "commission_bps": lambda c: CommissionBps(bps=c.commission_bps, minimum=c.min_commission),
    "half_spread_bps": lambda c: HalfSpreadBps(spread_bps=c.spread_bps),
}

#: Zero-cost configuration (frictionless backtests and tests).
NO_COSTS = Costs(commission_bps=0.0, spread_bps=0.0, min_commission=0.0)


def as_costs(costs: Costs | dict[str, Any] | None) -> Costs:
    """Return ``costs`` as a :class:`Costs`; ``None`` means the defaults."""
    if costs is None:
        return Costs()
    if isinstance(costs, Costs):
        return costs
    if isinstance(costs, dict):
        try:
            return Costs.model_validate(costs)
        except ValueError as exc:
            raise ConfigError(f"invalid costs {costs!r}: {exc}") from exc
    raise ConfigError(f"costs must be a Costs or a dict, got {type(costs).__name__}")

"""Risk policies that act inside a simulation: kill switch, de-risking, circuit breaker, limits.

:class:`Policies` is the configuration (frozen; every part optional, None = off). The backtest
engine (:func:`mi_kernel.backtest.simulate`) applies it bar by bar; the rules, and the order in
which they happen within a bar, are written in the docstring of
:mod:`mi_kernel.backtest._engine`. In short, at bar ``t`` and from closes up to ``t - 1`` only:

- :class:`KillSwitch`: once the drawdown, a one-bar loss or the gross exposure goes beyond its
  limit, no new orders (working orders cancelled; optionally the book flattened), for the rest
  of the run or for ``reset_after`` bars;
- :class:`Derisk`: target weights scaled by a schedule of drawdown levels, restored with
  hysteresis; a change of scale re-targets the whole book, so a de-risk sells;
- :class:`LossBreaker`: a loss over ``window`` bars beyond ``max_loss`` stops new orders
  (and cancels working ones) for ``cooldown`` bars;
- :class:`HardLimits`: target rows beyond ``max_gross`` / ``max_position`` are clipped or
  refused before trading; after the bar, drift beyond them is flagged (not acted upon).

All thresholds are fractions (0.05 = 5 %). :meth:`Policies.kernel_params` packs the config for
the engine's Numba kernel; :func:`describe_events` turns the kernel's event array into a table.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mi_kernel.errors import ConfigError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class KillSwitch(BaseModel):
    """Stop trading once a condition fires (at least one condition must be set).

    Attributes
    ----------
    max_drawdown : float or None
        Fires when equity at the previous close is more than this below its running peak.
    max_bar_loss : float or None
        Fires when the previous bar lost more than this fraction of equity.
    max_gross : float or None
        Fires when the gross exposure (sum of |position value| / equity) at the previous
        close is above this.
    flatten : bool
        While on, also target 0 in every asset (the book is sold down through ordinary
        target orders, capacity permitting); otherwise positions are kept as they are.
    reset_after : int or None
        Bars the switch stays on; None latches it for the rest of the run. On the bar it is
        released its conditions are checked again (it fires again if one is still beyond).
    """

    model_config = _FROZEN

    max_drawdown: float | None = Field(default=None, gt=0.0)
    max_bar_loss: float | None = Field(default=None, gt=0.0)
    max_gross: float | None = Field(default=None, gt=0.0)
    flatten: bool = False
    reset_after: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _has_condition(self) -> KillSwitch:
        if self.max_drawdown is None and self.max_bar_loss is None and self.max_gross is None:
            raise ValueError(
                "kill_switch needs a condition: set max_drawdown, max_bar_loss or max_gross"
            )
        return self


class Derisk(BaseModel):
    """Scale target weights down as the drawdown deepens.

    Attributes
    ----------
    schedule : tuple of (threshold, scale)
        Levels by drawdown: at a drawdown >= ``threshold`` (from the running equity peak, at
        the previous close) targets are scaled to ``scale``. Thresholds increase strictly in
        (0, 1]; scales decrease strictly from 1 (no de-risk) and lie in [0, 1).
        ``[(0.05, 0.75), (0.10, 0.5), (0.20, 0.0)]``: 75 % of the targets from 5 %
        drawdown, half from 10 %, flat from 20 %.
    hysteresis : float
        A level is left upwards only once the drawdown is below its threshold minus this
        (so the scale does not flap around a threshold); below the first threshold.
    """

    model_config = _FROZEN

    schedule: tuple[tuple[float, float], ...] = Field(min_length=1)
    hysteresis: float = Field(default=0.0, ge=0.0)

    @field_validator("schedule")
    @classmethod
    def _check_schedule(
        cls, schedule: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        thresholds = [t for t, _ in schedule]
        scales = [s for _, s in schedule]
        if not all(0.0 < t <= 1.0 for t in thresholds):
            raise ValueError(f"drawdown thresholds must lie in (0, 1], got {thresholds}")
        if any(b <= a for a, b in pairwise(thresholds)):
            raise ValueError(
                f"drawdown thresholds must increase strictly, got {thresholds}; "
                "list the levels from the shallowest drawdown to the deepest"
            )
        if not all(0.0 <= s < 1.0 for s in scales):
            raise ValueError(f"scales must lie in [0, 1) (1 is no de-risk), got {scales}")
        if any(b >= a for a, b in pairwise(scales)):
            raise ValueError(f"scales must decrease strictly as the drawdown deepens, got {scales}")
        return schedule

    @model_validator(mode="after")
    def _check_hysteresis(self) -> Derisk:
        first = self.schedule[0][0]
        if self.hysteresis >= first:
            raise ValueError(
                f"hysteresis {self.hysteresis} must be below the first threshold {first}: "
                "otherwise the book is never restored (use a kill switch for that)"
            )
        return self


class LossBreaker(BaseModel):
    """Pause trading after a loss over a rolling window.

    Attributes
    ----------
    window : int
        Bars over which the loss is measured (1 = the previous bar); before the first bars
        the initial capital is the base.
    max_loss : float
        Trips when equity at the previous close is more than this fraction below its value
        ``window`` bars earlier.
    cooldown : int
        Bars without new orders (working ones cancelled) after a trip; on the bar it lifts
        the loss is checked again.
    """

    model_config = _FROZEN

    window: int = Field(ge=1)
    max_loss: float = Field(gt=0.0, le=1.0)
    cooldown: int = Field(ge=1)


class HardLimits(BaseModel):
    """Exposure limits checked before trading (on target rows) and after (on the book).

    Attributes
    ----------
    max_gross : float or None
        Largest sum of |weight| (1.0 = fully invested).
    max_position : float or None
        Largest |weight| of one asset.
    pre_trade : {"clip", "refuse", "off"}
        What a target row does when the book it asks for is beyond a limit: ``"clip"``
        caps each |weight| at ``max_position`` and then scales the whole book down to
        ``max_gross``; ``"refuse"`` ignores the row (the previous targets stay); ``"off"``
        trades it unchanged. Target weights are compared as given (in sleeve mode they are
        fractions of each sleeve, so ``simulate`` refuses this combination).
    post_trade : bool
        After each bar, flag (as an event, without acting) a book whose gross or largest
        position at the close is beyond the limit, e.g. after prices drifted.
    """

    model_config = _FROZEN

    max_gross: float | None = Field(default=None, gt=0.0)
    max_position: float | None = Field(default=None, gt=0.0)
    pre_trade: Literal["clip", "refuse", "off"] = "clip"
    post_trade: bool = True

    @model_validator(mode="after")
    def _has_limit(self) -> HardLimits:
        if self.max_gross is None and self.max_position is None:
            raise ValueError("hard_limits needs a limit: set max_gross or max_position")
        return self


#: Order of the kernel's policy parameter vector (the de-risk schedule's (threshold, scale)
#: pairs follow); "off" values are inf (a limit never reached) and 0 (a window, mode or flag
#: that is off).
KERNEL_PARAMS = (
    "kill_drawdown",
    "kill_bar_loss",
    "kill_gross",
    "kill_flatten",
    "kill_reset_after",
    "breaker_window",
    "breaker_loss",
    "breaker_cooldown",
    "derisk_hysteresis",
    "max_gross",
    "max_position",
    "pre_trade",
    "post_trade",
)
PRE_TRADE_MODES = ("off", "clip", "refuse")

#: The kernel's policy event codes (the position in this tuple): (policy, action, measure).
EVENT_KINDS = (
    ("kill_switch", "halt", "drawdown"),
    ("kill_switch", "halt", "bar_loss"),
    ("kill_switch", "halt", "gross"),
    ("kill_switch", "reset", "bars"),
    ("circuit_breaker", "trip", "window_loss"),
    ("circuit_breaker", "reset", "bars"),
    ("derisk", "scale_down", "drawdown"),
    ("derisk", "scale_up", "drawdown"),
    ("hard_limits", "clip", "position"),
    ("hard_limits", "clip", "gross"),
    ("hard_limits", "refuse", "position"),
    ("hard_limits", "refuse", "gross"),
    ("hard_limits", "breach", "position"),
    ("hard_limits", "breach", "gross"),
)
EVENT_COLUMNS = ("ts", "policy", "action", "measure", "symbol", "value", "threshold", "message")


class Policies(BaseModel):
    """The risk policies of a backtest; each None (the default) is off.

    Attributes
    ----------
    kill_switch : KillSwitch or None
    derisk : Derisk or None
    circuit_breaker : LossBreaker or None
    hard_limits : HardLimits or None
    """

    model_config = _FROZEN

    kill_switch: KillSwitch | None = None
    derisk: Derisk | None = None
    circuit_breaker: LossBreaker | None = None
    hard_limits: HardLimits | None = None

    def kernel_params(self) -> np.ndarray:
        """Return the kernel's policy vector: :data:`KERNEL_PARAMS`, then the schedule.

        Returns
        -------
        (13 + 2K,) float64
            The parameters (neutral values where a policy is off), then the K de-risk levels
            as threshold, scale, threshold, scale, ... (K = 0 without de-risking).
        """
        inf = np.inf
        k, b, d, h = self.kill_switch, self.circuit_breaker, self.derisk, self.hard_limits

        def opt(x: float | None) -> float:
            return inf if x is None else float(x)

        values = {
            "kill_drawdown": opt(k.max_drawdown) if k else inf,
            "kill_bar_loss": opt(k.max_bar_loss) if k else inf,
            "kill_gross": opt(k.max_gross) if k else inf,
            "kill_flatten": float(k.flatten) if k else 0.0,
            "kill_reset_after": opt(k.reset_after) if k else inf,
            "breaker_window": float(b.window) if b else 0.0,
            "breaker_loss": b.max_loss if b else inf,
            "breaker_cooldown": float(b.cooldown) if b else 0.0,
            "derisk_hysteresis": d.hysteresis if d else 0.0,
            "max_gross": opt(h.max_gross) if h else inf,
            "max_position": opt(h.max_position) if h else inf,
            "pre_trade": float(PRE_TRADE_MODES.index(h.pre_trade)) if h else 0.0,
            "post_trade": float(h.post_trade) if h else 0.0,
        }
        params = [values[name] for name in KERNEL_PARAMS]
        levels = [x for level in d.schedule for x in level] if d else []
        return np.array(params + levels, dtype="float64")


def as_policies(policies: Policies | dict[str, Any] | None) -> Policies:
    """Return ``policies`` as :class:`Policies`; None means every policy off."""
    if policies is None:
        return Policies()
    if isinstance(policies, Policies):
        return policies
    try:
        return Policies.model_validate(dict(policies))
    except ValueError as exc:
        raise ConfigError(f"invalid policies {policies!r}: {exc}") from exc


def _pct(x: float) -> str:
    return f"{100.0 * x:.2f} %"


def _message(kind: int, name: str, value: float, limit: float, scale: float, p: Policies) -> str:
    policy, action, measure = EVENT_KINDS[kind]
    if policy == "kill_switch":
        k = p.kill_switch
        if action == "reset":
            return f"kill switch released after {value:g} bars; orders resume"
        what = {"drawdown": "drawdown", "bar_loss": "one-bar loss", "gross": "gross exposure"}
        shown = f"{value:.4g}" if measure == "gross" else _pct(value)
        bound = f"{limit:.4g}" if measure == "gross" else _pct(limit)
        done = "book flattened, " if k is not None and k.flatten else ""
        span = (
            "for the rest of the run"
            if k is None or k.reset_after is None
            else f"for {k.reset_after} bars"
        )
        return (
            f"kill switch: {what[measure]} {shown} at the previous close beyond {bound}; "
            f"{done}orders halted {span}"
        )
    if policy == "circuit_breaker":
        b = p.circuit_breaker
        if action == "reset":
            return f"circuit breaker lifted after {value:g} bars; orders resume"
        window, cooldown = (b.window, b.cooldown) if b is not None else (0, 0)
        return (
            f"circuit breaker: loss {_pct(value)} over {window} bars beyond {_pct(limit)}; "
            f"no new orders for {cooldown} bars"
        )
    if policy == "derisk":
        if action == "scale_down":
            why = f"drawdown {_pct(value)} at or beyond {_pct(limit)}"
        else:
            why = f"drawdown {_pct(value)} back below {_pct(limit)} (threshold - hysteresis)"
        return f"de-risk: {why}; targets scaled to {_pct(scale)}"
    where = f"weight of {name}" if measure == "position" else "gross"
    limit_name = "max_position" if measure == "position" else "max_gross"
    if action == "clip":
        did = "clipped" if measure == "position" else f"book scaled by {limit / value:.4g}"
        return f"pre-trade: target {where} {value:.4g} above {limit_name} {limit:.4g}; {did}"
    if action == "refuse":
        return f"pre-trade: target {where} {value:.4g} above {limit_name} {limit:.4g}; row refused"
    return (
        f"post-trade: {where} {value:.4g} above {limit_name} {limit:.4g} at the close "
        "(flagged, not acted upon)"
    )


def describe_events(
    events: np.ndarray,
    ts: pd.DatetimeIndex,
    symbols: list[str] | tuple[str, ...],
    policies: Policies,
    scale: np.ndarray,
) -> pd.DataFrame:
    """Return the kernel's policy events as a table, one readable row per event.

    Parameters
    ----------
    events : (E, 5) array
        Rows of (bar, kind code of :data:`EVENT_KINDS`, asset or -1, value, threshold).
    ts, symbols
        The market's clock and symbols (bar and asset indices point into them).
    policies : Policies
        The configuration the events came from (for the messages).
    scale : (T,) array
        The de-risk scale of each bar.

    Returns
    -------
    DataFrame
        Columns :data:`EVENT_COLUMNS`: ``ts`` (the bar the decision acts on, or whose close
        was checked for a post-trade breach), ``policy``, ``action``, ``measure``,
        ``symbol`` (None for book-level events), ``value`` and ``threshold`` (fractions;
        bars for a reset), ``message``.
    """
    rows = []
    for t, kind, j, value, limit in events.tolist():
        policy, action, measure = EVENT_KINDS[int(kind)]
        if policy == "kill_switch" and action == "halt" and policies.kill_switch is not None:
            action = "flatten" if policies.kill_switch.flatten else "halt"
        name = symbols[int(j)] if j >= 0 else None
        rows.append(
            {
                "ts": ts[int(t)],
                "policy": policy,
                "action": action,
                "measure": measure,
                "symbol": name,
                "value": value,
                "threshold": limit,
                "message": _message(int(kind), str(name), value, limit, scale[int(t)], policies),
            }
        )
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    if frame.empty:
        frame["ts"] = pd.DatetimeIndex([], tz="UTC")
        frame = frame.astype({"value": "float64", "threshold": "float64"})
    return frame

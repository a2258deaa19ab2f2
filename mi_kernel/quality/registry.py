"""Registry of quality checks: one small function each, registered by name.

A check takes a :class:`CheckContext` and returns a :class:`CheckOutput`: the rows it
quarantines (a reason per ``row_id``) and the warnings it reports. Checks of the ``row``
stage see every input row in input order; checks of the ``series`` stage see only the rows
that survived the row stage, sorted by symbol then ts (they need clean time series).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.quality.types import Anomaly, QualityConfig


class Stage(StrEnum):
    """When a check runs: on every input row, or on the surviving time series."""

    ROW = "row"
    SERIES = "series"


@dataclass(frozen=True)
class CheckContext:
    """What a check sees.

    Attributes
    ----------
    bars : DataFrame
        Columns row_id, ts, symbol, open, high, low, close, volume (ts UTC, may hold NaT;
        symbol may hold None at the row stage).
    raw : DataFrame
        The input as given, indexed by position (to quote raw values in reasons).
    config : QualityConfig
        Thresholds.
    expected_symbols : frozenset of str or None
        The universe the data should cover; ``None`` when unknown.
    """

    bars: pd.DataFrame
    raw: pd.DataFrame
    config: QualityConfig
    expected_symbols: frozenset[str] | None = None


@dataclass(frozen=True)
class CheckOutput:
    """What a check found: quarantined rows (reason per row_id) and warnings."""

    flagged: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    warnings: tuple[Anomaly, ...] = ()
    applicable: bool = True


Check = Callable[[CheckContext], CheckOutput]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its name, stage, function and one-line description."""

    name: str
    stage: Stage
    func: Check
    description: str


#: Registry of quality checks, in the order they run.
CHECKS: dict[str, CheckSpec] = {}


def register_check(name: str, stage: Stage | str) -> Callable[[Check], Check]:
    """Register ``func`` as the quality check ``name`` of ``stage`` (decorator)."""

    def wrap(func: Check) -> Check:
        doc = (func.__doc__ or name).strip().splitlines()[0]
        CHECKS[name] = CheckSpec(name=name, stage=Stage(stage), func=func, description=doc)
        return func

    return wrap


def selected_checks(config: QualityConfig) -> list[CheckSpec]:
    """Return the checks named in ``config.checks`` (all registered ones when ``None``)."""
    if config.checks is None:
        return list(CHECKS.values())
    unknown = [c for c in config.checks if c not in CHECKS]
    if unknown:
        raise ConfigError(
            f"unknown quality check(s) {unknown}; choose from {list(CHECKS)} "
            "or register one with mi_kernel.quality.register_check"
        )
    return [CHECKS[c] for c in config.checks]


def flags(row_ids: Iterable[int] | np.ndarray, reasons: Iterable[str]) -> pd.Series:
    """Return a reason-per-row_id Series (the ``flagged`` of a :class:`CheckOutput`)."""
    return pd.Series(list(reasons), index=pd.Index(list(row_ids), dtype="int64"), dtype=object)

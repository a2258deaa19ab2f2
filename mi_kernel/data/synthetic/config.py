"""The synthetic market's parameters, its calendar, symbol names and random streams.

Every random draw comes from a stream fixed by ``(seed, purpose, symbol index)``, never from
a stream shared across symbols, so a symbol's data do not depend on how symbols are chunked.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Bumped whenever the generator's output changes for a given config (invalidates caches).
GENERATOR_VERSION = 1

#: Business days per year in the synthetic calendar (weekdays only, no holidays).
DAYS_PER_YEAR = 252

SECTORS = (
    "Communication Services",
    "Consumer Discretionary",
    "Consumer Staples",
    "Energy",
    "Financials",
    "Health Care",
    "Industrials",
    "Information Technology",
    "Materials",
    "Real Estate",
    "Utilities",
)

#: Per-symbol stream purposes (the spawn order is part of the generator's definition).
STATIC, PATH, NEWS, ALPHA, FUNDAMENTALS = range(5)


class SyntheticConfig(BaseModel):
    """Parameters of a deterministic synthetic market (frozen; unknown keys are refused).

    ``n_symbols`` symbols trade on the first day; new listings arrive at ``listing_rate`` per
    year and per initial symbol (they get the next names), and every symbol delists with
    annual probability ``delisting_rate``. Rates are annual; ``n_days`` counts business days
    (Monday to Friday, no holidays). The same
    config always produces byte-identical tables; ``chunk_symbols`` only sets how many symbols
    are simulated and written at a time, so it changes memory use and file layout, never data.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_symbols: int = Field(default=50, ge=1, le=9999)
    start: str = "2015-01-02"
    n_days: int = Field(default=756, ge=2)
    seed: int = Field(default=7, ge=0)
    alpha_ic: float = Field(default=0.0, ge=-1.0, le=1.0)
    alpha_horizon: int = Field(default=1, ge=1)
    listing_rate: float = Field(default=0.04, ge=0.0, le=1.0)
    delisting_rate: float = Field(default=0.04, ge=0.0, le=1.0)
    split_rate: float = Field(default=0.03, ge=0.0, le=1.0)
    dividend_payer_frac: float = Field(default=0.6, ge=0.0, le=1.0)
    dividend_yield: float = Field(default=0.02, ge=0.0, le=0.2)
    news_per_symbol_year: float = Field(default=12.0, ge=0.0, le=252.0)
    tail_df: float = Field(default=4.0, gt=2.0)
    chunk_symbols: int = Field(default=250, ge=1)

    @field_validator("start")
    @classmethod
    def _is_date(cls, v: str) -> str:
        try:
            pd.Timestamp(v)
        except ValueError as exc:
            raise ValueError(f"start={v!r} is not a date; use ISO format, e.g. 2015-01-02") from exc
        return v

    @model_validator(mode="after")
    def _horizon_fits(self) -> SyntheticConfig:
        if self.alpha_horizon >= self.n_days:
            raise ValueError(
                f"alpha_horizon={self.alpha_horizon} must be shorter than n_days={self.n_days}"
            )
        return self

    def key(self) -> str:
        """Return a 12-character hash of everything that determines the data.

        ``chunk_symbols`` is left out: it does not change the data.
        """
        payload = self.model_dump(mode="json", exclude={"chunk_symbols"})
        payload["generator_version"] = GENERATOR_VERSION
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def calendar(self) -> pd.DatetimeIndex:
        """Return the ``n_days`` business days (UTC midnight) the market trades on."""
        first = pd.Timestamp(self.start).normalize()
        if first.tzinfo is not None:
            first = first.tz_convert("UTC").tz_localize(None)
        return pd.bdate_range(first, periods=self.n_days, tz="UTC")

    @property
    def years(self) -> float:
        """Length of the sample in years of 252 business days."""
        return self.n_days / DAYS_PER_YEAR

    @property
    def n_listings(self) -> int:
        """Return how many symbols list after the first day (Poisson, from its own stream)."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(2,)))
        return int(rng.poisson(self.listing_rate * self.n_symbols * self.years))

    @property
    def n_total(self) -> int:
        """Return the number of symbols that ever trade: initial symbols plus new listings."""
        return self.n_symbols + self.n_listings


def name_width(n_total: int) -> int:
    """Return the number of digits in symbol names (4, more past 9,999 symbols)."""
    return max(4, len(str(n_total)))


def symbol_name(index: int | np.ndarray, n_total: int) -> np.ndarray:
    """Return symbol names (``S0001`` for index 0) for integer indices, as a string array."""
    idx = np.atleast_1d(np.asarray(index)) + 1
    return np.char.add("S", np.char.zfill(idx.astype(str), name_width(n_total)))


def known_symbol(symbol: str, n_total: int) -> bool:
    """Return whether ``symbol`` names one of the ``n_total`` symbols of a market."""
    digits = symbol[1:]
    return (
        symbol[:1] == "S"
        and len(digits) == name_width(n_total)
        and digits.isdigit()
        and 1 <= int(digits) <= n_total
    )


def market_rng(seed: int) -> np.random.Generator:
    """Return the stream of the market and sector factors."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))


def symbol_rng(seed: int, index: int, purpose: int) -> np.random.Generator:
    """Return symbol ``index``'s stream for ``purpose`` (STATIC, PATH, NEWS, ALPHA, ...)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, index, purpose)))

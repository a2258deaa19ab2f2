"""The news recipe: sentiment, event counts, novelty and attention per (date, symbol), as known.

Input: one row per (document, linked symbol) with ``ts_known`` (when the document was known),
``sentiment`` (Loughran-McDonald score), ``relevance`` (the symbol's share of the document's
company mentions), ``novelty`` and ``is_event`` (1 if an event other than ``none``). A row
counts from the first bar whose ``ts`` is at or after its ``ts_known`` (``ts_known``
semantics, as fundamentals), never before; :func:`~mi_kernel.features.check_no_lookahead`
applies to :func:`news_features` with the signals as a keyword input (it perturbs every
numeric value of rows known after its cutoff, counts included: they are relevance sums).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas.tables import TableName, conform, to_utc

SIGNAL_COLUMNS = ("ts_known", "symbol", "sentiment", "relevance", "novelty", "is_event")


@dataclass(frozen=True)
class NewsRecipe:
    """A named, versioned set of news features.

    Attributes
    ----------
    half_life : float
        Sessions in which a story's weight in ``news_sent`` halves.
    windows : tuple of int
        Trailing windows (sessions, the current one included) of the counts and novelty.
    baseline : int
        Sessions of the attention baseline (``news_attention`` compares the shortest window's
        count with this window's, scaled to the same length).
    """

    name: str = "news"
    version: str = "1.0"
    half_life: float = 5.0
    windows: tuple[int, ...] = (5, 20)
    baseline: int = 60
    description: str = (
        "decayed news sentiment, story and event counts, novelty and abnormal attention, "
        "from documents as of when they were known"
    )

    @property
    def columns(self) -> list[str]:
        """Feature columns, in output order."""
        out = ["news_sent"]
        for w in self.windows:
            out += [f"news_count_{w}", f"news_events_{w}", f"news_novelty_{w}"]
        return [*out, "news_attention"]

    @property
    def digest(self) -> str:
        """Short sha256 of the definition (for lineage)."""
        return hashlib.sha256(repr(asdict(self)).encode()).hexdigest()[:16]


#: Registry of news recipes (the price recipes are :data:`mi_kernel.features.RECIPES`).
NEWS_RECIPES = {"news": NewsRecipe()}


def _trailing(x: np.ndarray, w: int) -> np.ndarray:
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[w:] = c[w:] - c[:-w]
    return out


def news_features(
    bars: pd.DataFrame, news: pd.DataFrame, recipe: str | NewsRecipe = "news"
) -> pd.DataFrame:
    """Return the ``features`` table (ts, symbol, :attr:`NewsRecipe.columns`) on the bars' rows.

    Parameters
    ----------
    bars : DataFrame
        Canonical bars: their (ts, symbol) rows are the output's rows.
    news : DataFrame
        Signals with :data:`SIGNAL_COLUMNS` (see the module docstring).
    recipe : str or NewsRecipe
        A key of :data:`NEWS_RECIPES` or a recipe.
    """
    rec = recipe if isinstance(recipe, NewsRecipe) else NEWS_RECIPES.get(recipe)
    if rec is None:
        raise ConfigError(f"unknown news recipe {recipe!r}; choose from {sorted(NEWS_RECIPES)}")
    missing = [c for c in SIGNAL_COLUMNS if c not in news.columns]
    if missing:
        raise DataError(f"news signals lack {missing}; build them with mi_kernel.news.analyze")
    ts = to_utc(bars["ts"])
    dates = pd.DatetimeIndex(ts.drop_duplicates().sort_values())
    symbols = pd.Index(sorted(bars["symbol"].astype(str).unique()))
    shape = (len(dates), len(symbols))
    t0 = dates.searchsorted(pd.DatetimeIndex(to_utc(news["ts_known"])), side="left")
    j = symbols.get_indexer(news["symbol"].astype(str))
    ok = (t0 < len(dates)) & (j >= 0)
    t0, j = t0[ok], j[ok]
    rel = news["relevance"].to_numpy(dtype="float64")[ok]

    def panel(values: np.ndarray) -> np.ndarray:
        out = np.zeros(shape)
        np.add.at(out, (t0, j), values)
        return out

    weight = panel(rel)
    signed = panel(rel * news["sentiment"].to_numpy(dtype="float64")[ok])
    novel = panel(rel * news["novelty"].to_numpy(dtype="float64")[ok])
    events = panel(rel * news["is_event"].to_numpy(dtype="float64")[ok])
    decay = 0.5 ** (1.0 / rec.half_life)
    num, den = np.zeros(shape), np.zeros(shape)
    for t in range(len(dates)):
        prev_n = num[t - 1] * decay if t else 0.0
        prev_d = den[t - 1] * decay if t else 0.0
        num[t], den[t] = prev_n + signed[t], prev_d + weight[t]
    cols: dict[str, np.ndarray] = {
        "news_sent": np.divide(num, den, out=np.zeros(shape), where=den > 1e-12)
    }
    for w in rec.windows:
        count = _trailing(weight, w)
        cols[f"news_count_{w}"] = count
        cols[f"news_events_{w}"] = _trailing(events, w)
        nov = _trailing(novel, w)
        cols[f"news_novelty_{w}"] = np.divide(
            nov, count, out=np.full(shape, np.nan), where=count > 1e-12
        )
    short = min(rec.windows)
    base = _trailing(weight, rec.baseline) * short / rec.baseline
    cols["news_attention"] = np.log1p(_trailing(weight, short)) - np.log1p(base)
    r = dates.get_indexer(pd.DatetimeIndex(ts))
    c = symbols.get_indexer(bars["symbol"].astype(str))
    out = pd.DataFrame({"ts": ts.to_numpy(), "symbol": bars["symbol"].astype(str).to_numpy()})
    for name in rec.columns:
        out[name] = cols[name][r, c]
    out = out.sort_values(["ts", "symbol"], kind="stable")
    return conform(out, TableName.FEATURES)

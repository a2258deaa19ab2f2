"""News features, point in time: each story counts from the first bar at or after it was known.

The ``news`` input has one row per (story, symbol): ``ts_known`` (when the story was known),
``symbol``, ``sentiment`` (e.g. the Loughran-McDonald score), ``relevance`` (the symbol's
share of the story's company mentions), ``novelty`` in [0, 1] and ``is_event`` (1 if it
reports an event). A row is placed on the first date of the calendar with ``ts >= ts_known``
(daily bars are stamped at the session date, so a story known during a session counts from
the next one) and never earlier: counts are sums of relevance, so perturbing a later story's
values moves only later features (:func:`~mi_kernel.features.check_no_lookahead` sees it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.features.panel import Array
from mi_kernel.features.specs import FeatureKind, FeatureSpec
from mi_kernel.schemas.tables import to_utc

#: Columns of the ``news`` input.
NEWS_COLUMNS = ("ts_known", "symbol", "sentiment", "relevance", "novelty", "is_event")
_VALUES = NEWS_COLUMNS[2:]


def prepare_news(table: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the ``news`` input (UTC ``ts_known``, str symbol, float values)."""
    missing = [c for c in NEWS_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"news input lacks column(s) {missing}; pass one row per (story, symbol) with "
            f"{list(NEWS_COLUMNS)}, e.g. mi_kernel.news.analyze(...).signals"
        )
    try:
        return pd.DataFrame(
            {
                "ts_known": to_utc(table["ts_known"]).to_numpy(),
                "symbol": table["symbol"].astype(str).to_numpy(),
                **{c: pd.to_numeric(table[c]).astype("float64").to_numpy() for c in _VALUES},
            }
        )
    except (TypeError, ValueError) as exc:
        raise DataError(f"news input has unusable values: {exc}; fix the table") from exc


def _trailing(x: Array, w: int) -> Array:
    """Sum over the last ``w`` dates (the current one included), along axis 0."""
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[w:] = c[w:] - c[:-w]
    return out


def _decayed(x: Array, half_life: float) -> Array:
    """Exponentially decayed running sum along axis 0."""
    decay = 0.5 ** (1.0 / half_life)
    out = np.empty_like(x)
    acc = np.zeros(x.shape[1])
    for t in range(x.shape[0]):
        acc = acc * decay + x[t]
        out[t] = acc
    return out


def news_panels(
    specs: Sequence[FeatureSpec], news: pd.DataFrame, dates: pd.DatetimeIndex, symbols: list[str]
) -> dict[str, Array]:
    """Compute the news features on a (dates x symbols) calendar, shape (n_dates, n_symbols).

    ``news`` comes from :func:`prepare_news`; ``dates`` is the sorted calendar (naive = UTC).
    """
    cal = pd.DatetimeIndex(to_utc(pd.Series(dates)))
    cols = pd.Index(symbols)
    t0 = cal.searchsorted(pd.DatetimeIndex(news["ts_known"]), side="left")
    j = cols.get_indexer(pd.Index(news["symbol"]))
    ok = (t0 < len(cal)) & (j >= 0)
    shape = (len(cal), len(cols))

    def panel(values: np.ndarray) -> Array:
        out = np.zeros(shape)
        np.add.at(out, (t0[ok], j[ok]), values[ok])
        return out

    rel = news["relevance"].to_numpy()
    weight = panel(rel)
    out: dict[str, Array] = {}
    for s in specs:
        if s.kind == FeatureKind.NEWS_SENT:
            num = _decayed(panel(rel * news["sentiment"].to_numpy()), s.window)
            den = _decayed(weight, s.window)
            out[s.name] = np.divide(num, den, out=np.zeros(shape), where=den > 1e-12)
        elif s.kind == FeatureKind.NEWS_COUNT:
            out[s.name] = _trailing(weight, s.window)
        elif s.kind == FeatureKind.NEWS_EVENTS:
            out[s.name] = _trailing(panel(rel * news["is_event"].to_numpy()), s.window)
        elif s.kind == FeatureKind.NEWS_NOVELTY:
            count = _trailing(weight, s.window)
            nov = _trailing(panel(rel * news["novelty"].to_numpy()), s.window)
            out[s.name] = np.divide(nov, count, out=np.full(shape, np.nan), where=count > 1e-12)
        elif s.kind == FeatureKind.NEWS_ATTENTION:
            base = _trailing(weight, s.fast) * s.window / s.fast
            out[s.name] = np.log1p(_trailing(weight, s.window)) - np.log1p(base)
        else:  # pragma: no cover - the engine passes news kinds only
            raise DataError(f"{s.name}: {s.kind} is not a news feature kind")
    return out

"""The news recipe over bars: :func:`mi_kernel.features.compute_features` with ``recipe="news"``.

The recipe lives in the factor library (:data:`mi_kernel.features.RECIPES`, kernels in
:mod:`mi_kernel.features.news`): decayed sentiment, story and event counts, novelty and
abnormal attention, each story counted from the first bar at or after its ``ts_known``.
Its input is the signals table of :func:`mi_kernel.news.analyze` (one row per story and
linked symbol); :func:`~mi_kernel.features.check_no_lookahead` applies with ``news=`` as a
keyword input.
"""

from __future__ import annotations

import pandas as pd

from mi_kernel.features import compute_features
from mi_kernel.features.news import NEWS_COLUMNS
from mi_kernel.features.recipes import Recipe

SIGNAL_COLUMNS = NEWS_COLUMNS


def news_features(
    bars: pd.DataFrame, news: pd.DataFrame, recipe: str | Recipe = "news"
) -> pd.DataFrame:
    """Return the ``features`` table of a news recipe on the bars' rows (sorted by symbol, ts)."""
    return compute_features(bars, recipe, news=news)

"""Novelty: how new a document is for its company, against what was known before it.

novelty = 1 - the largest TF-IDF cosine similarity to any earlier-known document about the
same symbol within ``lookback`` (1 when there is none). Only documents known *before* it are
compared, so the value is point-in-time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from mi_kernel.news.text import full_text


def novelty(documents: pd.DataFrame, mentions: pd.DataFrame, lookback: str = "30D") -> pd.DataFrame:
    """Return doc_id, symbol, novelty in [0, 1] for every (document, linked symbol).

    ``mentions`` is :func:`~mi_kernel.news.linking.link_entities`' output.
    """
    docs = documents.set_index("doc_id")
    text = full_text(documents)
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(text.to_numpy())
    row = pd.Series(np.arange(len(text)), index=text.index)
    span = pd.Timedelta(lookback).value
    out = []
    for sym, group in mentions.groupby("symbol", sort=True):
        ids = group["doc_id"].drop_duplicates().to_numpy()
        known = pd.DatetimeIndex(docs.loc[ids, "known_at"]).asi8
        order = np.argsort(known, kind="stable")
        ids, known = ids[order], known[order]
        sims = (x[row[ids].to_numpy()] @ x[row[ids].to_numpy()].T).toarray()
        for k in range(len(ids)):
            earlier = (known < known[k]) & (known >= known[k] - span)
            best = sims[k, earlier].max() if earlier.any() else 0.0
            out.append((ids[k], sym, 1.0 - float(min(best, 1.0))))
    return pd.DataFrame(out, columns=["doc_id", "symbol", "novelty"])

"""Quality of each NLP step against ground truth (the synthetic documents' labels).

Every measure is a plain number in a dict, so tests state thresholds and notebooks show them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from mi_kernel.data.synthetic.articles import NEUTRAL_BAND


def _pr(pred: set, truth: set) -> tuple[float, float]:
    tp = len(pred & truth)
    return (tp / len(pred) if pred else 1.0, tp / len(truth) if truth else 1.0)


def dedup_quality(clusters: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    """Pairwise precision and recall of the duplicate clusters.

    A predicted pair is two documents in one cluster; a true pair is a document and the story
    it rewords (``duplicate_of``), or two rewordings of one story.
    """
    story = labels["duplicate_of"].fillna(labels["doc_id"])
    truth = _pairs(pd.Series(story.to_numpy(), index=labels["doc_id"].to_numpy()))
    pred = _pairs(clusters.set_index("doc_id")["cluster_id"])
    p, r = _pr(pred, truth)
    return {"dedup_precision": p, "dedup_recall": r, "dedup_true_pairs": float(len(truth))}


def _pairs(group: pd.Series) -> set[tuple[str, str]]:
    """Unordered pairs of index labels that share a value of ``group``."""
    frame = pd.DataFrame({"id": group.index.astype(str), "key": group.to_numpy()})
    out: set[tuple[str, str]] = set()
    for members in frame.groupby("key")["id"]:
        ids = sorted(members[1])
        out |= {(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]}
    return out


def linking_quality(mentions: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    """Precision and recall of the (document, symbol) links against the labels' tickers."""
    truth = {(d, s) for d, ts in zip(labels["doc_id"], labels["tickers"], strict=True) for s in ts}
    docs = set(labels["doc_id"])
    pred = {
        (d, s) for d, s in zip(mentions["doc_id"], mentions["symbol"], strict=True) if d in docs
    }
    p, r = _pr(pred, truth)
    return {"linking_precision": p, "linking_recall": r}


def event_quality(events: pd.DataFrame, labels: pd.DataFrame, prefix: str) -> dict[str, float]:
    """Accuracy of predicted events (doc_id, event) against the labels."""
    m = events.merge(labels[["doc_id", "event"]], on="doc_id", suffixes=("_pred", ""))
    return {f"{prefix}_accuracy": float((m["event_pred"] == m["event"]).mean())}


def sentiment_quality(scores: pd.DataFrame, labels: pd.DataFrame, column: str) -> dict[str, float]:
    """Spearman correlation with the true sentiment, and sign accuracy on non-neutral stories."""
    m = scores.merge(labels[["doc_id", "sentiment"]], on="doc_id")
    rho = float(spearmanr(m[column], m["sentiment"]).statistic)
    strong = m[m["sentiment"].abs() > NEUTRAL_BAND]
    acc = float((np.sign(strong[column]) == np.sign(strong["sentiment"])).mean())
    return {f"{column}_spearman": rho, f"{column}_sign_accuracy": acc}

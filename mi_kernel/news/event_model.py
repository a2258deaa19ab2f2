"""A trained event classifier: TF-IDF of words and word pairs, logistic regression (by SGD).

Trained on documents known before ``split_at`` and evaluated on those known after it (a
time-ordered split: the model never sees a later document while learning), with their labels
(for the synthetic market, :func:`mi_kernel.data.read` of ``synthetic_document_labels``).
The logistic loss is minimised by SGD (one-vs-rest): the same model as scikit-learn's
``LogisticRegression`` up to the solver, 100x faster to fit on a few thousand documents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import Pipeline, make_pipeline

from mi_kernel.errors import DataError
from mi_kernel.news.text import full_text
from mi_kernel.schemas.tables import utc_bound


@dataclass(frozen=True)
class EventModel:
    """A fitted classifier and its out-of-time scores."""

    pipeline: Pipeline
    split_at: pd.Timestamp
    n_train: int
    n_test: int
    accuracy: float
    macro_f1: float

    def predict(self, documents: pd.DataFrame) -> pd.DataFrame:
        """Return doc_id, event, confidence (the predicted class's probability)."""
        text = full_text(documents)
        proba = self.pipeline.predict_proba(text.to_numpy())
        classes = self.pipeline.classes_
        return pd.DataFrame(
            {
                "doc_id": text.index.to_numpy(),
                "event": classes[proba.argmax(axis=1)].astype(str),
                "confidence": proba.max(axis=1),
            }
        )


def train_event_model(
    documents: pd.DataFrame,
    labels: pd.DataFrame,
    split_at: str | pd.Timestamp | None = None,
    train_frac: float = 0.6,
    seed: int = 0,
) -> EventModel:
    """Fit the classifier on documents known before ``split_at``; score it on the rest.

    ``split_at`` defaults to the ``train_frac`` quantile of ``known_at``.

    Raises
    ------
    DataError
        Fewer than two event types before the split, or no document after it.
    """
    data = documents.merge(labels[["doc_id", "event"]], on="doc_id")
    known = data["known_at"]
    cut = utc_bound(split_at, "split_at") if split_at is not None else known.quantile(train_frac)
    train, test = data[known < cut], data[known >= cut]
    if train["event"].nunique() < 2 or test.empty:
        raise DataError(
            f"split at {cut} leaves {len(train)} training documents with "
            f"{train['event'].nunique()} event types and {len(test)} test documents; "
            "choose another split_at"
        )
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=3, max_features=5000, sublinear_tf=True),
        SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, tol=1e-4, random_state=seed),
    )
    pipe.fit(full_text(train).to_numpy(), train["event"].to_numpy())
    pred = pipe.predict(full_text(test).to_numpy())
    truth = test["event"].to_numpy()
    return EventModel(
        pipeline=pipe,
        split_at=pd.Timestamp(str(cut)),
        n_train=len(train),
        n_test=len(test),
        accuracy=float(accuracy_score(truth, pred)),
        macro_f1=float(f1_score(truth, pred, average="macro", labels=np.unique(truth))),
    )

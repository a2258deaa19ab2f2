"""Topic clusters: k-means on TF-IDF vectors (unit length, so distances are cosine-like)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from mi_kernel.errors import ConfigError
from mi_kernel.news.text import full_text

TOP_TERMS = 8


def cluster_topics(
    documents: pd.DataFrame, n_topics: int = 8, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cluster documents into ``n_topics`` topics.

    Returns
    -------
    assignments : DataFrame
        doc_id, topic (int).
    topics : DataFrame
        topic, size, terms (the :data:`TOP_TERMS` heaviest terms of its centre, comma-joined).
    """
    text = full_text(documents)
    if not 2 <= n_topics <= len(text):
        raise ConfigError(f"n_topics={n_topics} must be between 2 and the {len(text)} documents")
    vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.7, max_features=5000)
    x = vec.fit_transform(text.to_numpy())
    km = KMeans(n_clusters=n_topics, n_init=4, random_state=seed).fit(x)
    terms = np.asarray(vec.get_feature_names_out())
    top = np.argsort(-km.cluster_centers_, axis=1)[:, :TOP_TERMS]
    sizes = np.bincount(km.labels_, minlength=n_topics)
    assignments = pd.DataFrame(
        {"doc_id": text.index.to_numpy(), "topic": km.labels_.astype("int64")}
    )
    topics = pd.DataFrame(
        {
            "topic": np.arange(n_topics, dtype="int64"),
            "size": sizes.astype("int64"),
            "terms": [", ".join(terms[row]) for row in top],
        }
    )
    return assignments, topics

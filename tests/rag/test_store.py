"""Stores: exact top-k by hand; Chroma (embedded and a real server) and Qdrant local mode
agree with it; nothing is seen before its known_at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError
from mi_kernel.rag import (
    ChromaStore,
    NumpyStore,
    QdrantStore,
    StoreBackend,
    VectorStore,
    open_store,
)

T0 = pd.Timestamp("2024-01-01", tz="UTC")
N = 300


def _passages(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    known = T0 + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    tickers = [[f"T{i % 5}"] + (["ALL"] if i % 2 else []) for i in range(n)]
    p = pd.DataFrame(
        {
            "passage_id": [f"d{i}:0-{i + 1}" for i in range(n)],
            "doc_id": [f"d{i}" for i in range(n)],
            "start": 0,
            "end": np.arange(n) + 1,
            "text": [f"passage {i}" for i in range(n)],
            "tickers": tickers,
            "source": "test",
            "title": "t",
            "ref": "r",
            "known_at": known,
            "published_at": known - pd.Timedelta(minutes=5),
        }
    )
    return p, vecs


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return _passages(N, seed=3)


@pytest.fixture(scope="module")
def stores(data: tuple[pd.DataFrame, np.ndarray], chroma_url: str) -> list[VectorStore]:
    p, v = data
    made: list[VectorStore] = [
        NumpyStore(),
        QdrantStore(path=":memory:", dim=8),
        ChromaStore(dim=8),  # embedded, in memory
        ChromaStore(url=chroma_url, collection="store_tests", dim=8),  # the real server
    ]
    for s in made:
        s.add(p.iloc[:100], v[:100])  # two batches: adding appends
        s.add(p.iloc[100:], v[100:])
    return made


def _oracle(
    p: pd.DataFrame,
    v: np.ndarray,
    q: np.ndarray,
    asof: pd.Timestamp,
    k: int,
    tickers: tuple[str, ...] = (),
) -> list[str]:
    ok = (p["known_at"] <= asof).to_numpy()
    if tickers:
        ok &= np.array([bool(set(t) & set(tickers)) for t in p["tickers"]])
    scores = np.where(ok, v @ q, -np.inf)
    order = np.argsort(-scores, kind="stable")[: min(k, int(ok.sum()))]
    return p["passage_id"].to_numpy()[order].tolist()


@settings(max_examples=40, deadline=None)
@given(
    seconds=st.integers(-86400, 31 * 86400),
    k=st.integers(1, 12),
    seed=st.integers(0, 10**6),
    tickers=st.sampled_from([(), ("T1",), ("T2", "T4")]),
)
def test_no_passage_is_visible_before_its_known_at(
    stores: list[VectorStore],
    data: tuple[pd.DataFrame, np.ndarray],
    seconds: int,
    k: int,
    seed: int,
    tickers: tuple[str, ...],
) -> None:
    p, v = data
    q = np.random.default_rng(seed).standard_normal(8).astype(np.float32)
    q /= np.linalg.norm(q)
    asof = T0 + pd.Timedelta(seconds=seconds)
    expected = _oracle(p, v, q, asof, k, tickers)
    for s in stores:
        hits = s.search(q, asof, k, tickers=tickers)
        assert all(h.payload["known_at"] <= asof.timestamp() for h in hits)
        assert [h.payload["passage_id"] for h in hits] == expected, type(s).__name__
        rows = [int(h.payload["doc_id"][1:]) for h in hits]
        np.testing.assert_allclose([h.score for h in hits], v[rows] @ q, atol=1e-5)


def test_ticker_filter_and_payload_round_trip(stores: list[VectorStore]) -> None:
    q = np.ones(8, dtype=np.float32) / np.sqrt(8)
    late = T0 + pd.Timedelta(days=60)
    for s in stores:
        assert len(s) == N
        hits = s.search(q, late, 50, tickers=["T1", "T3"])
        assert hits and all({"T1", "T3"} & set(h.payload["tickers"]) for h in hits)
        assert s.search(q, late, 5, tickers=["NOPE"]) == []
        only = s.search(q, late, 100, tickers=["T2"])
        assert len(only) == N // 5 and all("T2" in h.payload["tickers"] for h in only)
        assert s.search(q, T0 - pd.Timedelta(days=1), 5) == []
        h = s.search(q, late, 1)[0].payload
        assert h["passage_id"] == f"{h['doc_id']}:{h['start']}-{h['end']}"


def test_known_at_in_any_time_unit_is_compared_in_nanoseconds() -> None:
    p, v = _passages(4, seed=9)
    coarse = p.assign(known_at=p["known_at"].dt.as_unit("s"))  # e.g. parquet written in seconds
    store = NumpyStore()
    store.add(coarse, v)
    cutoff = p["known_at"].sort_values().iloc[1]
    hits = store.search(v[0], cutoff, 4)
    assert sorted(h.payload["doc_id"] for h in hits) == sorted(
        p.loc[p["known_at"] <= cutoff, "doc_id"]
    )


def test_citations_carry_known_at_floored_to_the_microsecond() -> None:
    import warnings

    from mi_kernel.rag.retrieve import to_passage

    p, v = _passages(5, seed=4)
    p["known_at"] += pd.Timedelta(nanoseconds=789)  # below what a datetime holds
    for store in (NumpyStore(), QdrantStore(dim=8), ChromaStore(dim=8)):
        store.add(p, v)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "discarding nanoseconds" on the way
            cited = [
                to_passage(h).citation for h in store.search(v[0], T0 + pd.Timedelta(days=40), 5)
            ]
        truth = p.set_index("doc_id")["known_at"]
        assert [pd.Timestamp(c.known_at) for c in cited] == [
            truth[c.doc_id].floor("us") for c in cited
        ]
        assert all(pd.Timestamp(c.known_at) <= truth[c.doc_id] for c in cited)


def test_qdrant_local_mode_persists_to_a_folder(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    p, v = data
    s = QdrantStore(path=str(tmp_path / "q"), dim=8)
    s.add(p.iloc[:20], v[:20])
    s.add(p.iloc[:20], v[:20])  # same passage ids: upserted, not duplicated
    s.client.close()
    again = QdrantStore(path=str(tmp_path / "q"), dim=8)
    assert len(again) == 20
    again.client.close()


def test_a_server_url_gets_payload_indexes_on_known_at_and_tickers(
    monkeypatch: pytest.MonkeyPatch, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    # No Qdrant server runs here: the url path is driven through the same client API served
    # in-process, and the payload indexes a server needs are checked to be requested.
    import qdrant_client

    made: list[dict[str, object]] = []
    indexed: list[tuple[str, str]] = []

    class Served(qdrant_client.QdrantClient):
        def __init__(self, **kw: object) -> None:
            made.append(kw)
            super().__init__(location=":memory:")

        def create_payload_index(self, **kw: object) -> None:  # type: ignore[override]
            indexed.append((str(kw["field_name"]), str(kw["field_schema"])))

    monkeypatch.setattr(qdrant_client, "QdrantClient", Served)
    monkeypatch.setenv("MI_QDRANT_URL", "http://qdrant.internal:6333")
    store = open_store(collection="c", dim=8)
    assert isinstance(store, QdrantStore) and made == [
        {"url": "http://qdrant.internal:6333", "api_key": None}
    ]
    assert sorted(indexed) == [("known_at", "float"), ("tickers", "keyword")]
    p, v = data
    store.add(p.iloc[:50], v[:50])
    asof = p["known_at"].iloc[:50].median()
    hits = store.search(v[0], asof, 50)
    assert len(hits) == int((p["known_at"].iloc[:50] <= asof).sum())


def test_open_store_picks_the_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MI_QDRANT_URL", raising=False)
    monkeypatch.delenv("MI_CHROMA_URL", raising=False)
    assert isinstance(open_store(), NumpyStore)
    embedded = open_store("chroma", path=str(tmp_path / "c"), dim=8)
    assert isinstance(embedded, ChromaStore) and embedded.url is None
    with pytest.raises(ConfigError, match="http://host:port"):
        open_store("chroma", url="chroma.internal:8000")
    assert isinstance(open_store(StoreBackend.QDRANT), QdrantStore)
    local = open_store(path=str(tmp_path / "q"))
    assert isinstance(local, QdrantStore) and local.url is None
    with pytest.raises(ConfigError, match="backend="):
        open_store("faiss")
    with pytest.raises(ConfigError, match="in memory"):
        open_store("numpy", path=str(tmp_path))
    with pytest.raises(ConfigError, match="do not match"):
        NumpyStore().add(_passages(3, 0)[0], np.zeros((2, 8)))


def test_mi_chroma_url_opens_the_server_and_an_index_answers_from_it(
    monkeypatch: pytest.MonkeyPatch, chroma_url: str
) -> None:
    from mi_kernel.rag import index_passages, retrieve

    monkeypatch.setenv("MI_QDRANT_URL", "http://qdrant.internal:6333")  # Chroma's comes first
    monkeypatch.setenv("MI_CHROMA_URL", chroma_url)
    store = open_store(collection="env_tests", dim=8)
    assert isinstance(store, ChromaStore) and store.url == chroma_url
    p, v = _passages(40, seed=6)
    table = p.assign(vector=list(v))

    class Fixed:  # embeds every question as the first passage's vector
        def embed(self, texts: list[str]) -> np.ndarray:
            return np.repeat(v[:1], len(texts), axis=0)

    index = index_passages(table, store=store, embedder=Fixed())
    again = ChromaStore(url=chroma_url, collection="env_tests", dim=8)  # another client
    assert len(again) == 40
    asof = p["known_at"].iloc[0]
    got = retrieve(index, "anything", asof, k=3)
    assert got[0].citation.doc_id == "d0"
    assert all(pd.Timestamp(r.citation.known_at) <= asof for r in got)
    exact = index_passages(table, embedder=Fixed())  # the NumPy index: the same passages
    assert [r.citation.doc_id for r in retrieve(exact, "anything", asof, k=3)] == [
        r.citation.doc_id for r in got
    ]


def test_chroma_persists_to_a_folder_and_upserts(
    tmp_path: Path, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    p, v = data
    s = ChromaStore(path=str(tmp_path / "c"), dim=8)
    s.add(p.iloc[:20], v[:20])
    s.add(p.iloc[:20], v[:20])  # same passage ids: upserted, not duplicated
    assert len(ChromaStore(path=str(tmp_path / "c"), dim=8)) == 20
    assert len(ChromaStore(dim=8)) == 0  # each in-memory store has its own collection


def test_chroma_falls_back_to_the_date_filter_when_the_nearest_are_too_recent() -> None:
    # 300 passages, the 290 nearest the query known late: the unfiltered over-fetch (up to 256)
    # finds too few known at asof, so Chroma is asked again with known_at_ns <= asof
    p, v = _passages(N, seed=8)
    q = v[0]
    order = np.argsort(-(v @ q))
    late = np.zeros(N, dtype=bool)
    late[order[:290]] = True
    p["known_at"] = np.where(late, T0 + pd.Timedelta(days=40), T0)
    p["known_at"] = pd.to_datetime(p["known_at"], utc=True)
    store = ChromaStore(dim=8)
    store.add(p, v)
    hits = store.search(q, T0 + pd.Timedelta(days=1), 5)
    assert [h.payload["passage_id"] for h in hits] == _oracle(p, v, q, T0 + pd.Timedelta(days=1), 5)

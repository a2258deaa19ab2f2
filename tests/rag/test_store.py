"""Stores: exact top-k by hand, Qdrant local mode agrees with it, nothing seen before known_at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError
from mi_kernel.rag import NumpyStore, QdrantStore, StoreBackend, open_store

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
def stores(data: tuple[pd.DataFrame, np.ndarray]) -> list[NumpyStore | QdrantStore]:
    p, v = data
    exact, qdrant = NumpyStore(), QdrantStore(path=":memory:", dim=8)
    for s in (exact, qdrant):
        s.add(p.iloc[:100], v[:100])  # two batches: adding appends
        s.add(p.iloc[100:], v[100:])
    return [exact, qdrant]


def _oracle(p: pd.DataFrame, v: np.ndarray, q: np.ndarray, asof: pd.Timestamp, k: int) -> list[str]:
    ok = (p["known_at"] <= asof).to_numpy()
    scores = np.where(ok, v @ q, -np.inf)
    order = np.argsort(-scores, kind="stable")[: min(k, int(ok.sum()))]
    return p["passage_id"].to_numpy()[order].tolist()


@settings(max_examples=40, deadline=None)
@given(seconds=st.integers(-86400, 31 * 86400), k=st.integers(1, 12), seed=st.integers(0, 10**6))
def test_no_passage_is_visible_before_its_known_at(
    stores: list[NumpyStore | QdrantStore],
    data: tuple[pd.DataFrame, np.ndarray],
    seconds: int,
    k: int,
    seed: int,
) -> None:
    p, v = data
    q = np.random.default_rng(seed).standard_normal(8).astype(np.float32)
    q /= np.linalg.norm(q)
    asof = T0 + pd.Timedelta(seconds=seconds)
    expected = _oracle(p, v, q, asof, k)
    for s in stores:
        hits = s.search(q, asof, k)
        assert all(h.payload["known_at"] <= asof.timestamp() for h in hits)
        assert [h.payload["passage_id"] for h in hits] == expected, type(s).__name__
        rows = [int(h.payload["doc_id"][1:]) for h in hits]
        np.testing.assert_allclose([h.score for h in hits], v[rows] @ q, atol=1e-5)


def test_ticker_filter_and_payload_round_trip(stores: list[NumpyStore | QdrantStore]) -> None:
    q = np.ones(8, dtype=np.float32) / np.sqrt(8)
    late = T0 + pd.Timedelta(days=60)
    for s in stores:
        assert len(s) == N
        hits = s.search(q, late, 50, tickers=["T1", "T3"])
        assert hits and all({"T1", "T3"} & set(h.payload["tickers"]) for h in hits)
        assert s.search(q, late, 5, tickers=["NOPE"]) == []
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
    for store in (NumpyStore(), QdrantStore(dim=8)):
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
    assert isinstance(open_store(), NumpyStore)
    assert isinstance(open_store(StoreBackend.QDRANT), QdrantStore)
    local = open_store(path=str(tmp_path / "q"))
    assert isinstance(local, QdrantStore) and local.url is None
    with pytest.raises(ConfigError, match="backend="):
        open_store("faiss")
    with pytest.raises(ConfigError, match="in memory"):
        open_store("numpy", path=str(tmp_path))
    with pytest.raises(ConfigError, match="do not match"):
        NumpyStore().add(_passages(3, 0)[0], np.zeros((2, 8)))

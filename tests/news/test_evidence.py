"""Evidence for the strongest signals: point in time, per symbol, and an honest empty answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.news import EvidenceConfig, signal_evidence

ASOF = pd.Timestamp("2017-11-24", tz="UTC")


class CountingEmbedder:
    """Bag of words hashed into 64 dimensions (unit vectors); records every text embedded."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, sum(map(ord, word)) % 64] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _doc(doc_id: str, known: str, title: str, body: str) -> dict[str, object]:
    ts = pd.Timestamp(known, tz="UTC")
    return {"doc_id": doc_id, "source": "wire", "published_at": ts, "known_at": ts,
            "title": title, "body": body, "tickers": [], "ref": f"wire/{doc_id}"}  # fmt: skip


@pytest.fixture
def documents() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _doc("a1", "2017-11-20 14:00", "Acme beats", "Acme beat estimates. Margins grew."),
            _doc("a2", "2017-11-23 23:59", "Acme guides up", "Acme raised its outlook."),
            _doc("a3", "2017-11-24 00:00:01", "Acme sued", "A customer sued Acme."),  # after
            _doc("a4", "2017-09-01 10:00", "Acme old news", "Acme opened an office."),  # stale
            _doc("b1", "2017-11-22 09:00", "Bolt recalls", "Bolt recalled heaters."),
            _doc("c1", "2017-06-01 09:00", "Crane hires", "Crane named a new chief."),
        ]
    )


@pytest.fixture
def links() -> pd.DataFrame:
    pairs = [("a1", "ACME"), ("a2", "ACME"), ("a3", "ACME"), ("a4", "ACME"), ("b1", "BOLT"),
             ("b1", "ACME"), ("c1", "CRANE")]  # fmt: skip
    return pd.DataFrame(pairs, columns=["doc_id", "symbol"])


def _signals(scores: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"ts": ASOF, "symbol": list(scores), "score": list(scores.values()), "confidence": 0.5}
    )


def test_only_documents_known_at_the_signal_date_and_in_the_window_are_evidence(
    documents: pd.DataFrame, links: pd.DataFrame
) -> None:
    embedder = CountingEmbedder()
    ev = signal_evidence(_signals({"ACME": 120.0}), documents, links, embedder=embedder)
    [acme] = ev.signals
    assert {p.citation.doc_id for p in acme.passages} == {"a1", "a2", "b1"}
    assert all(p.citation.known_at <= ASOF for p in acme.passages)
    assert acme.documents == 3 and acme.reason == ""
    # the later story and the stale one are not even embedded: only what can be evidence
    assert not any("sued" in t or "office" in t for t in embedder.seen)
    assert ev.documents_embedded == 3
    for p in acme.passages:  # each citation is the exact span of its document's body
        body = documents.set_index("doc_id").loc[p.citation.doc_id, "body"]
        assert body[p.citation.start : p.citation.end] == p.text


def test_each_signal_gets_only_its_own_symbol_strongest_first(
    documents: pd.DataFrame, links: pd.DataFrame
) -> None:
    signals = _signals({"BOLT": 40.0, "ACME": -90.0, "DUD": 5.0})
    ev = signal_evidence(
        signals, documents, links, EvidenceConfig(top_n=2, k=5), embedder=CountingEmbedder()
    )
    assert [e.symbol for e in ev.signals] == ["ACME", "BOLT"]  # by |score|, DUD cut
    bolt = ev.signals[1]
    assert [p.citation.doc_id for p in bolt.passages] == ["b1"]
    assert ev.documents_embedded == 3  # b1 is embedded once though it names both


def test_a_signal_with_nothing_known_gets_no_passages_and_says_why(
    documents: pd.DataFrame, links: pd.DataFrame
) -> None:
    embedder = CountingEmbedder()
    signals = _signals({"CRANE": 70.0, "DUD": 60.0})
    ev = signal_evidence(signals, documents, links, embedder=embedder)
    crane, dud = ev.signals
    assert crane.passages == () and crane.documents == 0
    assert "in the 30 days to 2017-11-24 00:00 UTC" in crane.reason
    assert "'Crane hires', was known 2017-06-01" in crane.reason
    assert dud.passages == ()
    assert dud.reason == "no document linked to DUD was known by 2017-11-24 00:00 UTC"
    assert embedder.seen == [] and ev.passages_embedded == 0  # nothing to embed: no model
    earlier = _signals({"ACME": 1.0}).assign(ts=pd.Timestamp("2017-11-01", tz="UTC"))
    [acme] = signal_evidence(earlier, documents, links, embedder=embedder).signals
    assert acme.reason.endswith("; 4 later ones not used")

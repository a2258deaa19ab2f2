"""The Reuters-21578 corpus extracted by `make corpora`: read for real, offline."""

from __future__ import annotations

import pytest

from mi_kernel import data, news
from mi_kernel.data.corpora import reuters_topics
from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import validate


def test_reuters_documents_are_canonical_and_labelled() -> None:
    docs = data.read("reuters21578")
    validate(docs, "documents")
    assert len(docs) == 80  # 50 acq + 20 crude + the collection's first 10
    assert docs["doc_id"].is_unique
    assert (docs["known_at"] >= docs["published_at"]).all()
    assert docs["published_at"].min().year == 1987
    assert (docs["body"].str.len() > 100).all()
    assert docs["ref"].str.match(r"^reuters21578/(acq|crude|sample)/\d{7}$").all()
    topics = reuters_topics()
    acq = topics["ref"].str.contains("/acq/")
    assert topics.loc[acq, "topics"].map(lambda t: "acq" in t).all()
    first = docs.set_index("ref").loc["reuters21578/acq/0000010"]
    assert first["title"].startswith("COMPUTER TERMINAL SYSTEMS")
    assert first["tickers"] == ["CPML"]


def test_the_real_duplicates_are_clustered() -> None:
    # NEWID 10 is both acq/0000010 and the sample's tenth story (identical); crude 489 and
    # 502 are two versions of one story ("STUDY GROUP URGES INCREASED U.S. OIL RESERVES")
    docs = data.read("reuters21578")
    clusters = news.find_duplicates(docs).merge(docs[["doc_id", "ref"]], on="doc_id")
    dup = clusters[clusters["size"] > 1]
    groups = sorted(
        sorted(g.str.rsplit("/", n=2).str[-2:].str.join("/"))
        for _, g in dup.groupby("cluster_id")["ref"]
    )
    assert groups == [["acq/0000010", "sample/0000010"], ["crude/0000489", "crude/0000502"]]
    assert dup.groupby("cluster_id")["representative"].sum().eq(1).all()
    assert len(clusters) == len(docs)  # nothing dropped


def test_acquisition_rules_separate_acq_from_crude() -> None:
    docs = data.read("reuters21578")
    events = news.rule_events(docs).merge(reuters_topics(), on="doc_id")
    acq = events["ref"].str.contains("/acq/")
    crude = events["ref"].str.contains("/crude/")
    assert (events.loc[acq, "event"] == "m_and_a").mean() >= 0.6
    assert (events.loc[crude, "event"] == "m_and_a").mean() <= 0.2


def test_topics_recover_acq_and_crude() -> None:
    docs = data.read("reuters21578")
    sub = docs[docs["ref"].str.contains("/acq/|/crude/")]
    topics, _ = news.cluster_topics(sub, n_topics=2, seed=0)
    m = topics.merge(sub[["doc_id", "ref"]], on="doc_id")
    m["truth"] = m["ref"].str.contains("/crude/")
    purity = m.groupby("topic")["truth"].agg(lambda t: max(t.mean(), 1 - t.mean()))
    sizes = m.groupby("topic").size()
    assert float((purity * sizes).sum() / sizes.sum()) >= 0.85


def test_missing_corpus_names_the_make_target(monkeypatch, tmp_path) -> None:
    from mi_kernel.data import corpora

    monkeypatch.setenv("MI_CORPORA_DIR", str(tmp_path))
    corpora._reuters.cache_clear()
    try:
        with pytest.raises(ConfigError, match="make corpora"):
            corpora.reuters_documents()
    finally:
        monkeypatch.delenv("MI_CORPORA_DIR")
        corpora._reuters.cache_clear()

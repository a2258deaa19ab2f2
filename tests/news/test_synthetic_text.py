"""The synthetic documents: canonical, deterministic, with the ground truth they promise."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel import data
from mi_kernel.data.documents import known_as_of
from mi_kernel.data.synthetic.articles import DUPLICATE_FRAC, LATE_FRAC
from mi_kernel.schemas.tables import validate

from .conftest import MARKET, Text


def test_documents_and_labels_are_canonical(text: Text) -> None:
    validate(text.documents, "documents")
    validate(text.labels, "document_labels")
    assert text.documents["doc_id"].is_unique
    assert list(text.labels["doc_id"]) == list(text.documents["doc_id"])
    assert (text.documents["known_at"] >= text.documents["published_at"]).all()
    sources = set(text.documents["source"])
    assert sources == {"synthetic_news", "synthetic_filing", "synthetic_call"}
    events = set(text.labels["event"])
    assert events == {
        "earnings_beat",
        "earnings_miss",
        "guidance",
        "m_and_a",
        "litigation",
        "management_change",
        "none",
    }


def test_generation_is_deterministic_and_seeded(text: Text) -> None:
    again = data.read("synthetic_documents", **MARKET)
    pd.testing.assert_frame_equal(again, text.documents)
    other = data.read("synthetic_documents", **{**MARKET, "seed": 4})
    assert not set(other["doc_id"]) & set(text.documents["doc_id"])


def test_articles_follow_the_news_that_moved_prices(text: Text) -> None:
    # one original article per news item, at its time, with its sentiment: the price contract
    newsrows = data.read("synthetic_news", **MARKET)
    wire = text.documents["ref"].str.startswith("synthetic/wire-a/")
    orig = text.documents[wire].merge(text.labels, on="doc_id")
    assert len(orig) == len(newsrows)
    got = orig.sort_values(["published_at", "ref"])[["published_at", "sentiment"]]
    want = newsrows.sort_values(["ts", "symbol"])[["ts", "sentiment"]]
    assert (got["published_at"].to_numpy() == want["ts"].to_numpy()).all()
    assert sorted(got["sentiment"]) == sorted(want["sentiment"])
    pos = orig[orig["event"].isin(["earnings_beat", "m_and_a"])]
    neg = orig[orig["event"].isin(["earnings_miss", "litigation"])]
    assert (pos["sentiment"] > 0.2).all() and (neg["sentiment"] < -0.2).all()


def test_late_and_duplicate_shares(text: Text) -> None:
    wire = text.documents[text.documents["ref"].str.startswith("synthetic/wire-a/")]
    late = (wire["known_at"] - wire["published_at"]) > pd.Timedelta(hours=1)
    assert abs(late.mean() - LATE_FRAC) < 0.04
    dups = text.labels["duplicate_of"].notna().sum()
    assert abs(dups / len(wire) - DUPLICATE_FRAC) < 0.05
    of = text.labels.dropna(subset=["duplicate_of"])
    assert set(of["duplicate_of"]) <= set(wire["doc_id"])


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_no_document_is_visible_before_its_known_at(text: Text, k: int) -> None:
    # random as-of instants across the sample (and beyond both ends)
    lo = text.documents["published_at"].min() - pd.Timedelta(days=2)
    hi = text.documents["known_at"].max() + pd.Timedelta(days=2)
    asof = lo + (hi - lo) * (k / 10**6)
    seen = known_as_of(text.documents, asof)
    assert (seen["known_at"] <= asof).all()
    assert len(seen) == int((text.documents["known_at"] <= asof).sum())
    late = text.documents[
        (text.documents["published_at"] <= asof) & (text.documents["known_at"] > asof)
    ]
    assert not set(late["doc_id"]) & set(seen["doc_id"])

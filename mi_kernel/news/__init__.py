"""News and text: deduplication, entity linking, sentiment, events, topics, impact, features.

Documents come in the one ``documents`` schema (:mod:`mi_kernel.data.documents`: the
Reuters-21578 corpus, the synthetic market's articles, filings and call transcripts);
:func:`analyze` runs every step and returns a :class:`NewsAnalysis`. Each step is a function
of its own module: :func:`find_duplicates` (MinHash LSH, clusters kept), :func:`link_entities`
(names, aliases, tickers), :func:`score_sentiment` (Loughran-McDonald; VADER as a contrast),
:func:`rule_events` and :func:`train_event_model`, :func:`cluster_topics`, :func:`novelty`,
:func:`event_study` (point in time: from the first bar at or after ``known_at``) and
:func:`news_features` (the ``news`` recipe, ``ts_known`` semantics); :func:`signal_evidence`
gives the strongest signals their cited passages, known at the signal's date.
"""

from __future__ import annotations

from mi_kernel.news.analyze import NewsAnalysis, NewsConfig, analyze
from mi_kernel.news.dedup import find_duplicates
from mi_kernel.news.event_model import EventModel, train_event_model
from mi_kernel.news.events import rule_events
from mi_kernel.news.evidence import EvidenceConfig, EvidenceSet, SignalEvidence, signal_evidence
from mi_kernel.news.features import news_features
from mi_kernel.news.impact import abnormal_returns, event_study, impact_summary
from mi_kernel.news.linking import EntityIndex, link_entities
from mi_kernel.news.novelty import novelty
from mi_kernel.news.sentiment import lm_lexicon, score_sentiment
from mi_kernel.news.topics import cluster_topics

__all__ = [
    "EntityIndex",
    "EventModel",
    "EvidenceConfig",
    "EvidenceSet",
    "NewsAnalysis",
    "NewsConfig",
    "SignalEvidence",
    "abnormal_returns",
    "analyze",
    "cluster_topics",
    "event_study",
    "find_duplicates",
    "impact_summary",
    "link_entities",
    "lm_lexicon",
    "news_features",
    "novelty",
    "rule_events",
    "score_sentiment",
    "signal_evidence",
    "train_event_model",
]

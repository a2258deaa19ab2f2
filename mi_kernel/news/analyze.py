"""The news agent's one verb: documents in, every NLP product out.

:func:`analyze` deduplicates (clusters kept), links entities, scores sentiment, extracts
events (rules, and a classifier trained on the earlier part when labels are given), clusters
topics, measures novelty, builds the per-(document, symbol) signals and, given bars, the
event study and the news features. Given labels, it measures every step against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.features.recipes import Recipe
from mi_kernel.news import evaluate
from mi_kernel.news.dedup import find_duplicates
from mi_kernel.news.event_model import EventModel, train_event_model
from mi_kernel.news.events import rule_events
from mi_kernel.news.features import news_features
from mi_kernel.news.impact import event_study
from mi_kernel.news.linking import EntityIndex, link_entities
from mi_kernel.news.novelty import novelty
from mi_kernel.news.sentiment import score_sentiment
from mi_kernel.news.topics import cluster_topics


class NewsConfig(BaseModel):
    """Parameters of :func:`analyze` (frozen; unknown keys are refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dedup_threshold: float = Field(default=0.5, gt=0.0, le=1.0)
    dedup_window: str = "2D"
    n_topics: int = Field(default=8, ge=2)
    horizon: int = Field(default=5, ge=1)
    novelty_lookback: str = "30D"
    train_frac: float = Field(default=0.6, gt=0.0, lt=1.0)
    vader: bool = True
    seed: int = 0


@dataclass(frozen=True)
class NewsAnalysis:
    """Everything :func:`analyze` produced (tables keyed by doc_id unless stated)."""

    documents: pd.DataFrame
    clusters: pd.DataFrame
    mentions: pd.DataFrame
    sentiment: pd.DataFrame
    events: pd.DataFrame
    topics: pd.DataFrame
    topic_terms: pd.DataFrame
    signals: pd.DataFrame  # one row per (kept document, linked symbol)
    study: pd.DataFrame | None = None
    features: pd.DataFrame | None = None
    model: EventModel | None = None
    quality: dict[str, float] = field(default_factory=dict)


def _events(
    docs: pd.DataFrame, labels: pd.DataFrame | None, cfg: NewsConfig
) -> tuple[pd.DataFrame, EventModel | None]:
    rules = rule_events(docs).rename(columns={"event": "rule_event"})
    if labels is None:
        return rules.assign(event=rules["rule_event"], confidence=np.nan), None
    model = train_event_model(docs, labels, train_frac=cfg.train_frac, seed=cfg.seed)
    pred = model.predict(docs)
    return rules.merge(pred, on="doc_id"), model


def _signals(
    docs: pd.DataFrame,
    clusters: pd.DataFrame,
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
    events: pd.DataFrame,
    novel: pd.DataFrame,
) -> pd.DataFrame:
    kept = clusters.loc[clusters["representative"], "doc_id"]
    m = mentions[mentions["doc_id"].isin(kept)]
    m = m.assign(relevance=m["mentions"] / m.groupby("doc_id")["mentions"].transform("sum"))
    out = (
        m.merge(docs[["doc_id", "known_at", "source"]], on="doc_id")
        .merge(sentiment[["doc_id", "lm_score"]], on="doc_id")
        .merge(events[["doc_id", "event"]], on="doc_id")
        .merge(novel, on=["doc_id", "symbol"], how="left")
    )
    out = out.rename(columns={"known_at": "ts_known", "lm_score": "sentiment"})
    out["is_event"] = (out["event"] != "none").astype("float64")
    cols = ["doc_id", "ts_known", "symbol", "source", "event", "sentiment"]
    cols += ["relevance", "novelty", "is_event"]
    return out[cols].sort_values(["ts_known", "doc_id", "symbol"]).reset_index(drop=True)


def analyze(
    documents: pd.DataFrame,
    entities: pd.DataFrame,
    bars: pd.DataFrame | None = None,
    labels: pd.DataFrame | None = None,
    config: NewsConfig | None = None,
    recipe: Recipe | str = "news",
) -> NewsAnalysis:
    """Run every NLP step on ``documents`` (a ``documents`` table).

    ``entities`` (an ``entities`` table) is what linking can find; ``bars`` adds the event
    study and the news features; ``labels`` (``document_labels``) trains the event classifier
    on the earlier documents and fills :attr:`NewsAnalysis.quality`.
    """
    cfg = config or NewsConfig()
    docs = documents.sort_values(["known_at", "doc_id"], kind="stable").reset_index(drop=True)
    clusters = find_duplicates(docs, cfg.dedup_threshold, cfg.dedup_window, seed=cfg.seed + 1)
    mentions = link_entities(docs, EntityIndex.build(entities))
    sentiment = score_sentiment(docs, vader=cfg.vader)
    events, model = _events(docs, labels, cfg)
    kept = docs[docs["doc_id"].isin(clusters.loc[clusters["representative"], "doc_id"])]
    n_topics = min(cfg.n_topics, max(2, len(kept) // 5))
    topics, terms = cluster_topics(kept, n_topics, cfg.seed)
    novel = novelty(docs, mentions, cfg.novelty_lookback)
    signals = _signals(docs, clusters, mentions, sentiment, events, novel)
    study = feats = None
    if bars is not None:
        study = event_study(signals, bars, cfg.horizon)
        feats = news_features(bars, signals, recipe)
    quality: dict[str, float] = {}
    if labels is not None:
        quality |= evaluate.dedup_quality(clusters, labels)
        quality |= evaluate.linking_quality(mentions, labels)
        quality |= evaluate.event_quality(
            events[["doc_id", "rule_event"]].rename(columns={"rule_event": "event"}),
            labels,
            "rules",
        )
        quality |= evaluate.event_quality(events[["doc_id", "event"]], labels, "classifier")
        for col in ("lm_score", "vader") if cfg.vader else ("lm_score",):
            quality |= evaluate.sentiment_quality(sentiment, labels, col)
    return NewsAnalysis(
        docs,
        clusters,
        mentions,
        sentiment,
        events,
        topics,
        terms,
        signals,
        study,
        feats,
        model,
        quality,
    )

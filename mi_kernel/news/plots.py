"""Plots of the news agent (hvplot / HoloViews, imported when called)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def volume_plot(documents: pd.DataFrame, clusters: pd.DataFrame, freq: str = "W") -> Any:
    """Stacked bars: documents known per period by source, duplicates apart."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    d = documents.merge(clusters[["doc_id", "representative"]], on="doc_id")
    kind = d["source"].where(d["representative"], "duplicate")
    when = d["known_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period(freq)
    table = pd.crosstab(when.dt.start_time, kind).rename_axis(index="known", columns="kind")
    return table.hvplot.bar(
        stacked=True, rot=90, xlabel="", ylabel="documents", title="Documents as known"
    ).opts(xaxis=None if len(table) > 60 else "bottom")


def sentiment_plot(sentiment: pd.DataFrame, labels: pd.DataFrame | None = None) -> Any:
    """Scatter of Loughran-McDonald against VADER (coloured by the true sentiment if known)."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    d = sentiment
    color = None
    if labels is not None:
        d = d.merge(labels[["doc_id", "sentiment"]], on="doc_id")
        color = "sentiment"
    return d.hvplot.scatter(
        x="lm_score",
        y="vader",
        c=color,
        cmap="RdYlGn",
        alpha=0.5,
        size=8,
        xlabel="Loughran-McDonald score",
        ylabel="VADER compound",
        title="Finance lexicon vs general-purpose sentiment",
    )


def impact_plot(summary: pd.DataFrame, by: str = "event") -> Any:
    """Bars of the mean sentiment-signed reaction (before known) and drift (after), in bp."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    d = summary.set_index(by)[["signed_reaction", "signed_drift"]] * 1e4
    d = d.rename(
        columns={"signed_reaction": "reaction (bar before known)", "signed_drift": "drift"}
    )
    return d.hvplot.bar(rot=45, ylabel="signed abnormal return (bp)", xlabel="", title="Impact")

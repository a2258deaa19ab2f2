"""The Signal Explorer: each ticker's signal over time and why (dashboards/signal_explorer.py).

For a sealed run: the latest signals (score, confidence, the features that moved each score),
filtered by sector and model version; one ticker's score history (the model's walk-forward
out-of-sample predictions, next to what then happened) with the market regime; and a "why"
panel for its signal: SHAP contributions, the evidence (the feature values at the signal's
date and where they stood across the universe), the regime that day and, when the run gathered
it (its evidence step), the text known about the name by then, each passage cited. Reads the
run only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mi_kernel.runstore import RunStore


@dataclass(frozen=True)
class ExplorerData:
    """What the explorer shows of one sealed run (read once per run)."""

    run_id: str
    signals: dict[str, pd.DataFrame]  # model version -> latest signals
    history: dict[str, pd.DataFrame]  # model version -> out-of-sample predictions
    features: pd.DataFrame
    sectors: dict[str, str]
    regimes: pd.DataFrame | None = None  # ts + one probability column per state
    regime_names: dict[str, str] = field(default_factory=dict)  # state column -> name
    evidence: dict[str, Any] = field(default_factory=dict)  # evidence/evidence.json, if any


def signal_runs(store: RunStore) -> list[str]:
    """Sealed runs that scored signals, newest first."""
    return [m.run_id for m in store.having("signals")]


def _top(raw: Any) -> list[tuple[str, float]]:
    pairs = json.loads(raw) if isinstance(raw, str) else list(raw or [])
    return [(str(f), float(v)) for f, v in pairs]


def _regime_names(d: Path) -> dict[str, str]:
    path = d / "regimes/summary.json"
    if not path.exists():
        return {}
    stats = json.loads(path.read_text()).get("regime_stats", [])
    ranked = sorted(stats, key=lambda s: s["annual volatility"])
    words = ["calm", "turbulent"] if len(ranked) == 2 else [f"vol rank {i + 1}" for i in range(9)]
    return {
        f"state_{s['regime']}": f"{words[i]} ({s['annual volatility']:.0%} vol)"
        for i, s in enumerate(ranked)
    }


def load_explorer(store: RunStore, run_id: str) -> ExplorerData:
    """Read a sealed run's signals, predictions, features, sectors and regimes."""
    from mi_kernel import data

    d = store.sealed_dir(run_id)
    signals = {}
    for folder in sorted(p for p in (d / "signals").iterdir() if p.is_dir()):
        latest = sorted(folder.glob("*.parquet"))[-1]
        sig = pd.read_parquet(latest)
        signals[folder.name] = sig.assign(top=sig["top_features"].map(_top))
    history = {
        p.parent.name: pd.read_parquet(p)
        for p in sorted(d.glob("models/*/oos_predictions.parquet"))
    }
    params = json.loads((d / "_meta/run.json").read_text()).get("parameters", {})
    sectors = data.load_sectors(params.get("sector_source", "sp500_ohlcv"))
    probs = d / "regimes/probabilities.parquet"
    evidence = d / "evidence/evidence.json"
    return ExplorerData(
        run_id=run_id,
        signals=signals,
        history=history,
        features=pd.read_parquet(d / f"features/{params.get('recipe_id', 'core')}.parquet"),
        sectors=dict(zip(sectors["symbol"], sectors["sector"], strict=True)),
        regimes=pd.read_parquet(probs) if probs.exists() else None,
        regime_names=_regime_names(d),
        evidence=json.loads(evidence.read_text()) if evidence.exists() else {},
    )


def versions(ex: ExplorerData) -> dict[str, str]:
    """Every model version of the run, labelled: those that scored the run's signals first,
    then those with out-of-sample predictions only (trained and compared, not selected)."""
    scored = {f"{v} · scored signals": v for v in ex.signals}
    return scored | {f"{v} · predictions only": v for v in ex.history if v not in ex.signals}


def signal_table(ex: ExplorerData, version: str, sectors: list[str] | None = None) -> pd.DataFrame:
    """The latest signals of ``version`` (strongest first), optionally only ``sectors``.

    A version that scored no signals in the run shows its last out-of-sample predictions
    (score = prediction, no confidence or reasons: those come with scoring)."""
    if version in ex.signals:
        sig = ex.signals[version]
        confidence = sig["confidence"].round(2)
        top = sig["top"].map(lambda t: t[0][0] if t else "")
    else:
        h = ex.history[version]
        sig = h[h["ts"] == h["ts"].max()].rename(columns={"prediction": "score"})
        confidence = pd.Series(float("nan"), index=sig.index)
        top = pd.Series("", index=sig.index)
    table = pd.DataFrame(
        {
            "symbol": sig["symbol"],
            "sector": sig["symbol"].map(ex.sectors).fillna("Unknown"),
            "as of": sig["ts"].dt.strftime("%Y-%m-%d"),
            "score": sig["score"].astype(float).round(1),
            "confidence": confidence,
            "top feature": top,
        }
    )
    if sectors:
        table = table[table["sector"].isin(sectors)]
    return table.reindex(table["score"].abs().sort_values(ascending=False).index).reset_index(
        drop=True
    )


def regime_at(ex: ExplorerData, ts: pd.Timestamp) -> tuple[str, float] | None:
    """The most probable regime on the last date at or before ``ts`` and its probability."""
    if ex.regimes is None:
        return None
    known = ex.regimes[ex.regimes["ts"] <= ts]
    if known.empty:
        return None
    row = known.iloc[-1].drop("ts").astype(float)
    state = str(row.idxmax())
    return ex.regime_names.get(state, state), float(row.max())


def why(ex: ExplorerData, version: str, symbol: str) -> pd.DataFrame:
    """One signal's reasons: each top feature's SHAP contribution, its value at the signal's
    date and its percentile across the universe that day (the evidence)."""
    sig = ex.signals[version]
    row = sig[sig["symbol"] == symbol]
    if row.empty:
        return pd.DataFrame(columns=["feature", "contribution", "value", "percentile"])
    ts, top = row["ts"].iloc[0], row["top"].iloc[0]
    day = ex.features[ex.features["ts"] == ts].set_index("symbol")
    out = []
    for feature, contribution in top:
        values = (day[feature] if feature in day else pd.Series(dtype=float)).dropna()
        value = float(values.get(symbol, float("nan")))
        pct = float((values < value).mean()) if len(values) and value == value else float("nan")
        out.append(
            {"feature": feature, "contribution": contribution, "value": value, "percentile": pct}
        )
    return pd.DataFrame(out)


def text_evidence(ex: ExplorerData, version: str, symbol: str) -> dict[str, Any] | None:
    """The run's text evidence for ``symbol``'s signal of ``version`` (the evidence file with
    that one signal), or None when the run gathered none for it (not among its strongest
    signals, another model version, or no evidence step)."""
    ev = ex.evidence
    if not ev or f"/signals/{version}/" not in ev.get("signals_uri", ""):
        return None
    mine = [s for s in ev.get("signals", []) if s["symbol"] == symbol]
    return {**ev, "signals": mine} if mine else None


def _text_panel(ex: ExplorerData, version: str, symbol: str) -> list[Any]:
    import panel as pn

    from mi_kernel.reporting.evidence import evidence_html

    if not ex.evidence:
        return []
    found = text_evidence(ex, version, symbol)
    if found is None:
        n = len(ex.evidence.get("signals", []))
        text = (
            f"_No text evidence for {symbol}: the run gathered it for the {n} strongest "
            "signals of the model that scored them._"
        )
        return [pn.pane.Markdown(text)]
    head = f"#### What was known about {symbol}: text evidence, cited"
    return [pn.pane.Markdown(head), pn.pane.HTML(evidence_html(found), sizing_mode="stretch_width")]


def history_of(
    ex: ExplorerData, version: str, symbol: str, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """``symbol``'s out-of-sample score over time (prediction) and the realised label."""
    h = ex.history.get(version, pd.DataFrame(columns=["ts", "symbol", "prediction", "label"]))
    h = h[h["symbol"] == symbol].sort_values("ts")
    if start is not None:
        h = h[h["ts"] >= _utc(start)]
    if end is not None:
        h = h[h["ts"] <= _utc(end)]
    return h.set_index("ts")[["prediction", "label"]]


def _utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


class SignalExplorer:
    """Widgets and state of the explorer over one runs root."""

    def __init__(self, store: RunStore) -> None:
        import panel as pn

        self.store = store
        runs = signal_runs(store)
        self.run = pn.widgets.Select(label="Run", options=runs, value=runs[0] if runs else None)
        self.version = pn.widgets.Select(label="Model version")
        self.sectors = pn.widgets.MultiChoice(label="Sectors (none = all)")
        self.symbol = pn.widgets.Select(label="Ticker")
        self.dates = pn.widgets.DateRangeSlider(label="History")
        self.body = pn.Column(sizing_mode="stretch_width")
        self.ex: ExplorerData | None = None
        self.run.param.watch(lambda e: self.load(), "value")
        self.version.param.watch(lambda e: self.refilter(), "value")
        self.sectors.param.watch(lambda e: self.refilter(), "value")
        self.symbol.param.watch(lambda e: self.render(), "value")
        self.dates.param.watch(lambda e: self.render(), "value")

    def side(self) -> list[Any]:
        return ["## Signal Explorer", self.run, self.version, self.sectors, self.symbol, self.dates]

    def load(self) -> None:
        if not self.run.value:
            self.body.objects = [f"No sealed run with signals under `{self.store.root}`."]
            return
        self.ex = ex = load_explorer(self.store, self.run.value)
        self.sectors.options = sorted(set(ex.sectors.values()))
        ts = ex.features["ts"]
        lo, hi = (t.tz_convert(None).to_pydatetime() for t in (ts.min(), ts.max()))
        self.dates.param.update(start=lo, end=hi, value=(lo, hi))
        self.version.options = versions(ex)
        self.version.value = next(iter(ex.signals), None) or next(iter(ex.history), None)
        self.refilter()

    def refilter(self) -> None:
        if self.ex is None or not self.version.value:
            return
        table = signal_table(self.ex, self.version.value, self.sectors.value)
        symbols = list(table["symbol"])
        self.symbol.options = symbols
        if self.symbol.value not in symbols:
            self.symbol.value = symbols[0] if symbols else None
        self.render()

    def render(self) -> None:
        import hvplot.pandas  # noqa: F401
        import panel as pn

        ex, version, symbol = self.ex, self.version.value, self.symbol.value
        if ex is None or not version:
            return
        table = signal_table(ex, version, self.sectors.value)
        listing = pn.widgets.Tabulator(
            table,
            disabled=True,
            show_index=False,
            height=300,
            layout="fit_data_stretch",
            sizing_mode="stretch_width",
        )
        if not symbol:
            self.body.objects = [listing, "_No signal in these sectors._"]
            return
        start, end = self.dates.value or (None, None)
        hist = history_of(ex, version, symbol, start, end)
        history = (
            hist.hvplot.line(
                title=f"{symbol}: out-of-sample score (prediction) and what followed (label)",
                ylabel="5-day return, bps",
                height=300,
                width=760,
            )
            if len(hist)
            else pn.pane.Markdown(f"_No out-of-sample history for {symbol}._")
        )
        if version not in ex.signals:
            self.body.objects = [
                listing,
                history,
                pn.pane.Markdown(
                    f"Model `{version}` was trained and compared in this run but did not score "
                    "its signals, so there is no confidence or SHAP rationale for it: the table "
                    "shows its last out-of-sample predictions."
                ),
            ]
            return
        sig = ex.signals[version]
        row = sig[sig["symbol"] == symbol].iloc[0]
        reasons = why(ex, version, symbol)
        regime = regime_at(ex, row["ts"])
        shap = reasons.sort_values("contribution").hvplot.barh(
            x="feature",
            y="contribution",
            title=f"Why {symbol}: SHAP contributions to its score",
            height=220,
            width=480,
            color="#0969da",
        )
        evidence = reasons.assign(
            contribution=reasons["contribution"].round(1),
            value=reasons["value"].round(3),
            percentile=(100 * reasons["percentile"]).round(0),
        )
        regime_text = (
            f"Regime on {row['ts']:%Y-%m-%d}: **{regime[0]}** (probability {regime[1]:.0%})"
            if regime
            else "No regime model in this run."
        )
        self.body.objects = [
            listing,
            history,
            pn.pane.Markdown(
                f"### Why {symbol}\nScore **{row['score']:+.1f}** bps, confidence "
                f"**{row['confidence']:.0%}**, as of {row['ts']:%Y-%m-%d}, model `{version}`. "
                f"{regime_text}\n\nEvidence: the feature values that day and their percentile "
                "across the universe."
            ),
            pn.Row(
                shap,
                pn.pane.DataFrame(evidence, index=False, sizing_mode="fixed", width=420),
            ),
            *_text_panel(ex, version, symbol),
        ]


def build_signal_explorer(store: RunStore) -> Any:
    """Return the Signal Explorer page for ``store``."""
    import panel as pn

    from mi_kernel.viz.layout import console_page

    pn.extension("tabulator", inline=True)
    explorer = SignalExplorer(store)
    explorer.load()
    return console_page("signal_explorer", explorer.side(), explorer.body)


__all__ = [
    "ExplorerData",
    "SignalExplorer",
    "build_signal_explorer",
    "history_of",
    "load_explorer",
    "regime_at",
    "signal_runs",
    "signal_table",
    "text_evidence",
    "versions",
    "why",
]

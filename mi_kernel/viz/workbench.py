"""The Analyst Workbench (dashboards/workbench.py): features and labels, models across runs,
the experiment timeline, and drift between runs.

- Feature and label explorer: a feature's distribution over the chosen sectors, and the mean
  daily rank IC of every feature against the run's label (5-day forward return).
- Model comparison: every model version of every sealed run — out-of-sample IC, backtest
  Sharpe and deflated Sharpe — side by side.
- Experiment timeline: the ledger's entries over time (runs, registrations, trials, approvals).
- Drift (spec §3.11): feature distributions, predictions and IC of one run against another
  (or, with one run, its first half against its second), flagged past stated thresholds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.runstore import RunStore

#: Drift thresholds, stated on the page. PSI: < 0.1 stable, 0.1-0.2 moderate, > 0.2 drift
#: (the credit-scoring convention); IC drift: a change of the mean daily rank IC beyond 0.02.
PSI_DRIFT = 0.2
IC_DRIFT = 0.02


def psi(expected: pd.Series, actual: pd.Series, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (bins: its deciles)."""
    e, a = expected.dropna().to_numpy(float), actual.dropna().to_numpy(float)
    if len(e) < bins or len(a) < bins:
        return float("nan")
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    pe = np.histogram(e, edges)[0] / len(e)
    pa = np.histogram(a, edges)[0] / len(a)
    pe, pa = np.clip(pe, 1e-6, None), np.clip(pa, 1e-6, None)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def daily_rank_ic(frame: pd.DataFrame, columns: list[str], label: str = "label") -> pd.DataFrame:
    """Spearman correlation of each column with ``label`` on each date (rows: dates) with
    at least 5 rows, over the pairs where both are known (pandas' ``corr(method="spearman")``).

    Vectorised over dates: per date, the Pearson correlation of the pairs' ranks, from grouped
    sums.
    """
    days = frame["ts"]
    out = {}
    for col in columns:
        both = frame[col].notna() & frame[label].notna()
        xs = frame[col].where(both).groupby(days).rank()
        ys = frame[label].where(both).groupby(days).rank()
        xc = xs - xs.groupby(days).transform("mean")
        yc = ys - ys.groupby(days).transform("mean")
        cov = (xc * yc).groupby(days).sum(min_count=1)
        var = (xc**2).groupby(days).sum(min_count=1) * (yc**2).groupby(days).sum(min_count=1)
        out[col] = (cov / np.sqrt(var)).replace([np.inf, -np.inf], np.nan)
    ic = pd.DataFrame(out, columns=columns)
    big = days.groupby(days).size()
    return ic.loc[big[big >= 5].index].rename_axis(None)


@dataclass(frozen=True)
class RunData:
    run_id: str
    features: pd.DataFrame
    predictions: dict[str, pd.DataFrame]  # model version -> ts, symbol, prediction, label
    selected: str

    @property
    def feature_names(self) -> list[str]:
        return [c for c in self.features.columns if c not in ("ts", "symbol")]

    def labelled(self) -> pd.DataFrame:
        """Features joined with the selected model's label (the forward return)."""
        lab = self.predictions[self.selected][["ts", "symbol", "label"]]
        return self.features.merge(lab, on=["ts", "symbol"], how="inner")


def research_runs(store: RunStore) -> list[str]:
    """Sealed runs with features and a selected model, newest first."""
    return [m.run_id for m in store.having("training/selection.json", "features/core.parquet")]


def load_run(store: RunStore, run_id: str) -> RunData:
    d = store.sealed_dir(run_id)
    return RunData(
        run_id=run_id,
        features=pd.read_parquet(d / "features/core.parquet"),
        predictions={
            p.parent.name: pd.read_parquet(p) for p in d.glob("models/*/oos_predictions.parquet")
        },
        selected=json.loads((d / "training/selection.json").read_text())["model_version"],
    )


def ic_by_feature(run: RunData, symbols: set[str] | None = None) -> pd.DataFrame:
    """Mean daily rank IC of every feature with the label, its t-statistic and hit rate."""
    frame = run.labelled()
    if symbols is not None:
        frame = frame[frame["symbol"].isin(symbols)]
    cols = [c for c in run.feature_names if frame[c].notna().any()]
    daily = daily_rank_ic(frame, cols)
    n = daily.notna().sum()
    out = pd.DataFrame(
        {
            "mean IC": daily.mean(),
            "t": daily.mean() / daily.std(ddof=1) * np.sqrt(n),
            "IC > 0 (share of days)": (daily > 0).sum() / n,
            "days": n,
        }
    )
    return out.sort_values("mean IC", key=np.abs, ascending=False).rename_axis("feature")


def model_comparison(store: RunStore, run_ids: list[str]) -> pd.DataFrame:
    """Every model version of ``run_ids``: OOS IC and the backtest's (deflated) Sharpe."""
    rows = []
    for run_id in run_ids:
        d = store.sealed_dir(run_id)
        selected = json.loads((d / "training/selection.json").read_text())["model_version"]
        for card in sorted(d.glob("models/*/model_card.json")):
            version = card.parent.name
            metrics = json.loads(card.read_text()).get("metrics", {})
            bt_path = d / f"backtests/model-{version}/report.json"
            bt = json.loads(bt_path.read_text()) if bt_path.exists() else {}
            rows.append(
                {
                    "run": run_id,
                    "model version": version,
                    "selected": version == selected,
                    "OOS IC": metrics.get("ic_mean"),
                    "Sharpe": bt.get("sharpe"),
                    "deflated Sharpe": bt.get("deflated_sharpe"),
                    "trials": bt.get("n_trials"),
                }
            )
    return pd.DataFrame(rows)


def timeline(store: RunStore) -> pd.DataFrame:
    """The ledger's entries: when, what, about what, who."""
    rows = [
        {
            "when": pd.Timestamp(e.ts),
            "what": e.kind.replace("_", " "),
            "subject": e.subject,
            "who": e.actor,
        }
        for e in store.ledger.entries()
    ]
    return pd.DataFrame(rows, columns=["when", "what", "subject", "who"])


def _halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    dates = np.sort(frame["ts"].unique())
    cut = dates[len(dates) // 2]
    return frame[frame["ts"] < cut], frame[frame["ts"] >= cut]


def drift(a: RunData, b: RunData | None = None) -> tuple[pd.DataFrame, str]:
    """Drift of ``b`` against ``a`` (``b=None``: ``a``'s second half against its first):
    PSI per feature and for the predictions, and the change of the predictions' mean daily
    rank IC — each flagged past :data:`PSI_DRIFT` / :data:`IC_DRIFT`. Returns the table and a
    sentence saying what was compared."""
    if b is None or b.run_id == a.run_id:
        fa, fb = _halves(a.features)
        pa, pb = _halves(a.predictions[a.selected])
        what = f"run {a.run_id}: its second half of dates against its first (one run chosen)"
        version = a.selected
    else:
        fa, fb = a.features, b.features
        version = a.selected if a.selected in b.predictions else b.selected
        pa = a.predictions.get(version, a.predictions[a.selected])
        pb = b.predictions.get(version, b.predictions[b.selected])
        what = f"run {b.run_id} against run {a.run_id}"
    rows = [
        {"measure": f"feature {c}", "PSI": psi(fa[c], fb[c]), "IC change": np.nan}
        for c in a.feature_names
        if c in fb
    ]
    ic_a = daily_rank_ic(pa, ["prediction"])["prediction"].mean()
    ic_b = daily_rank_ic(pb, ["prediction"])["prediction"].mean()
    rows.append(
        {
            "measure": f"predictions of {version}",
            "PSI": psi(pa["prediction"], pb["prediction"]),
            "IC change": float(ic_b - ic_a),
        }
    )
    table = pd.DataFrame(rows)
    table["drift"] = (table["PSI"] > PSI_DRIFT) | (table["IC change"].abs() > IC_DRIFT)
    return table, what


#: Sealed runs never change, so what a server reads or computes from one is kept for the next
#: visitor (a few runs' worth, oldest dropped): the IC table alone is ~0.45 s a page.
_KEPT: dict[tuple[Any, ...], Any] = {}
KEEP = 16


def _kept(key: tuple[Any, ...], make: Any) -> Any:
    if key not in _KEPT:
        if len(_KEPT) >= KEEP:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[key] = make()
    return _KEPT[key]


def _sealed_run(store: RunStore, run_id: str) -> RunData:
    return _kept(("run", str(store.root), run_id), lambda: load_run(store, run_id))  # type: ignore[no-any-return]


class Workbench:
    """Widgets and state of the workbench over one runs root."""

    def __init__(self, store: RunStore) -> None:
        import panel as pn

        self.store = store
        self.runs = research_runs(store)
        first = self.runs[0] if self.runs else None
        self.run = pn.widgets.Select(label="Run", options=self.runs, value=first)
        self.other = pn.widgets.Select(label="Compare with (drift)", options=self.runs, value=first)
        self.sectors = pn.widgets.MultiChoice(label="Universe: sectors (none = all)")
        self.feature = pn.widgets.Select(label="Feature")
        self.tabs = pn.Tabs(dynamic=False, sizing_mode="stretch_width")
        self.data: RunData | None = None
        self._loading = False
        self.sector_map: dict[str, str] = {}
        self.run.param.watch(lambda e: self.load(), "value")
        for w in (self.other, self.sectors, self.feature):
            w.param.watch(lambda e: self.render(), "value")

    def side(self) -> list[Any]:
        return ["## Analyst Workbench", self.run, self.sectors, self.feature, self.other]

    def load(self) -> None:
        from mi_kernel import data

        if not self.run.value:
            self.tabs[:] = [("Workbench", f"No sealed research run under `{self.store.root}`.")]
            return
        self.data = _sealed_run(self.store, self.run.value)
        meta = json.loads((self.store.sealed_dir(self.run.value) / "_meta/run.json").read_text())
        sectors = data.load_sectors(meta["parameters"].get("sector_source", "sp500_ohlcv"))
        self.sector_map = dict(zip(sectors["symbol"], sectors["sector"], strict=True))
        self.sectors.options = sorted(set(self.sector_map.values()))
        names = [c for c in self.data.feature_names if self.data.features[c].notna().any()]
        self._loading = True  # one render for the new run, not one per widget set here
        try:
            self.feature.options = names
            self.feature.value = names[0]
        finally:
            self._loading = False
        self.render()

    def universe(self) -> set[str] | None:
        if not self.sectors.value:
            return None
        return {s for s, sec in self.sector_map.items() if sec in self.sectors.value}

    def render(self) -> None:
        import hvplot.pandas  # noqa: F401
        import panel as pn

        run, feature = self.data, self.feature.value
        if run is None or not feature or self._loading:
            return
        symbols = self.universe()
        feats = (
            run.features if symbols is None else run.features[run.features["symbol"].isin(symbols)]
        )
        ic = _kept(
            (
                "ic",
                str(self.store.root),
                run.run_id,
                None if symbols is None else frozenset(symbols),
            ),
            lambda: ic_by_feature(run, symbols),
        )
        values = feats[feature].dropna()
        lo, hi = values.quantile([0.01, 0.99])  # the tails are said, not drawn
        missing = 1 - len(values) / max(len(feats), 1)
        summary = (
            f"**Feature {feature}**: {len(values):,} values, mean {values.mean():.4g}, "
            f"standard deviation {values.std():.4g}, {missing:.1%} missing; mean daily rank IC "
            f"{ic['mean IC'].get(feature, float('nan')):+.4f}."
        )
        explorer = pn.Column(
            pn.pane.Markdown(summary),
            pn.Row(
                values[values.between(lo, hi)].hvplot.hist(
                    bins=50,
                    title=f"Distribution of {feature} (1st-99th percentile, n={len(values):,})",
                    height=300,
                    width=460,
                ),
                ic["mean IC"]
                .sort_values()
                .hvplot.barh(
                    title="Mean daily rank IC with the 5-day forward return",
                    height=300,
                    width=460,
                    color="#0969da",
                ),
            ),
            pn.pane.DataFrame(ic.round(4), sizing_mode="fixed", width=620),
        )
        models = model_comparison(self.store, self.runs)
        events = timeline(self.store)
        other = (
            None
            if self.other.value in (None, run.run_id)
            else _sealed_run(self.store, self.other.value)
        )
        table, what = _kept(
            ("drift", str(self.store.root), run.run_id, other and other.run_id),
            lambda: drift(run, other),
        )
        flagged = int(table["drift"].sum())
        drift_view = pn.Column(
            pn.pane.Markdown(
                f"Compared: {what}. Thresholds: PSI > {PSI_DRIFT} (distribution moved), "
                f"|IC change| > {IC_DRIFT} (the predictions' mean daily rank IC moved). "
                f"**{flagged} measure(s) flagged.**"
            ),
            table.round(4).hvplot.barh(
                x="measure",
                y="PSI",
                title="Population stability index",
                height=360,
                width=620,
                color="#cf222e" if flagged else "#1a7f37",
            ),
            pn.pane.DataFrame(table.round(4), index=False, sizing_mode="fixed", width=620),
        )
        self.tabs[:] = [
            ("Features and labels", explorer),
            (
                "Models across runs",
                pn.pane.DataFrame(models.round(4), index=False, sizing_mode="stretch_width"),
            ),
            (
                "Experiment timeline",
                events.hvplot.scatter(
                    x="when",
                    y="what",
                    by="who",
                    hover_cols=["subject"],
                    height=320,
                    width=820,
                    title="The ledger over time",
                    size=60,
                )
                if len(events)
                else "The ledger is empty.",
            ),
            ("Drift", drift_view),
        ]


def build_workbench(store: RunStore) -> Any:
    """Return the Analyst Workbench page for ``store``."""
    import panel as pn

    from mi_kernel.viz.layout import console_page

    pn.extension("tabulator", inline=True)
    bench = Workbench(store)
    bench.load()
    return console_page("workbench", bench.side(), bench.tabs)


__all__ = [
    "IC_DRIFT",
    "PSI_DRIFT",
    "RunData",
    "Workbench",
    "build_workbench",
    "daily_rank_ic",
    "drift",
    "ic_by_feature",
    "load_run",
    "model_comparison",
    "psi",
    "research_runs",
    "timeline",
]

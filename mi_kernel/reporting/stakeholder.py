"""The stakeholder's page of a run: which run it is, the headline, caveats first, the book, the
signals and why — in words and formatted numbers, not identifiers.

The run's report notebook (``09_report``) and the Voila dashboard (``dashboards/stakeholder``)
both build their page from these functions, so the two always say the same thing.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from mi_kernel.reporting.evidence import evidence_html, evidence_note
from mi_kernel.reporting.overview import RunOverview

#: Backtest figures for people: key -> (label, format). Formats: pct, pct0, num2, num1, money.
METRICS: dict[str, tuple[str, str]] = {
    "annual_return": ("Annual return", "pct"),
    "annual_volatility": ("Annual volatility", "pct"),
    "sharpe": ("Sharpe ratio", "num2"),
    "sortino": ("Sortino ratio", "num2"),
    "max_drawdown": ("Worst drawdown", "pct"),
    "hit_rate": ("Days with a gain", "pct0"),
    "probabilistic_sharpe": ("Chance the true Sharpe is above 0", "pct0"),
    "deflated_sharpe": ("Same, after deflating for every variant tried", "pct0"),
    "turnover_annual": ("Turnover (times the book a year)", "num1"),
    "cost_share": ("Trading costs (share of starting capital)", "pct2"),
}

#: A caveat's topic, so that the engine's warning and the dataset's note on the same thing are
#: said once.
TOPICS = {
    "survivorship": ("survivorship",),
    "corporate actions": ("split", "corporate action", "dividend"),
    "short window": ("one year only", "no value in this window"),
}
_ADVICE = re.compile(r"\s*\b(?:Pass|Set|Call|Use) \w+=.*$")  # '… Pass universe= (e.g. …).'


def fmt(value: Any, kind: str) -> str:
    """Format one figure for a reader (``—`` when it is missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    v = float(value)
    return {
        "pct": f"{v:+.1%}" if v < 0 else f"{v:.1%}",
        "pct0": f"{v:.0%}",
        "pct2": f"{v:.2%}",
        "num2": f"{v:.2f}",
        "num1": f"{v:.1f}",
        "money": f"{v:,.0f}",
    }[kind]


def strategy_name(key: str, selected: str) -> str:
    """A backtest's folder name as a reader would say it."""
    if key == f"model-{selected}":
        return "Selected model"
    if key.startswith("model-"):
        return "Model " + key.removeprefix("model-").split("-")[0]
    return key.replace("_", " ").capitalize()


def _with_costs(report: dict[str, Any]) -> dict[str, Any]:
    total = (report.get("costs_by_type") or {}).get("total")
    growth = 1.0 + float(report.get("total_return") or 0.0)
    final = report.get("final_equity")
    capital = float(final) / growth if final and growth > 0 else None
    return {**report, "cost_share": total / capital if total is not None and capital else None}


def headline(run: RunOverview) -> pd.DataFrame:
    """One column per strategy and one for the S&P 500, one formatted row per figure."""
    selected = run.selection["model_version"]
    order = sorted(run.backtests, key=lambda k: (k != f"model-{selected}", k))
    cols: dict[str, dict[str, str]] = {}
    for key in order:
        r = _with_costs(run.backtests[key])
        cols[strategy_name(key, selected)] = {
            label: fmt(r.get(k), kind) for k, (label, kind) in METRICS.items()
        }
    bt = run.model_backtest or (run.backtests[order[0]] if order else {})
    bench = {
        "annual_return": bt.get("benchmark_annual_return"),
        "sharpe": bt.get("benchmark_sharpe"),
        "max_drawdown": bt.get("benchmark_max_drawdown"),
    }
    cols["S&P 500"] = {
        label: fmt(bench.get(k), kind) if k in bench else "—"
        for k, (label, kind) in METRICS.items()
    }
    return pd.DataFrame(cols)


def deflation_note(run: RunOverview) -> str:
    """The deflated Sharpe in one sentence, with the trials it counts."""
    bt = run.model_backtest
    if not bt:
        return "The selected model was not backtested in this run."
    n = int(bt.get("n_trials") or 1)
    return (
        f"Deflated Sharpe ratio {fmt(bt.get('deflated_sharpe'), 'pct0')}: the chance that the "
        f"selected model's Sharpe ratio of {fmt(bt.get('sharpe'), 'num2')} reflects skill rather "
        f"than the best of {n} variant{'s' if n != 1 else ''} tried on these bars (every variant "
        "ever backtested is counted from the ledger)."
    )


def _topic(text: str) -> str:
    low = text.lower()
    return next((t for t, words in TOPICS.items() if any(w in low for w in words)), low)


def _plain(warning: str) -> str:
    """An engine warning for a reader: 'NO CORPORATE ACTIONS: …' → 'No corporate actions: …',
    without the developer advice ('Pass universe=… ')."""
    head, sep, body = warning.partition(": ")
    if sep and head.isupper():
        warning = f"{head.capitalize()}: {body}"
    return _ADVICE.sub("", warning).strip()


def caveats(run: RunOverview, dataset_caveats: tuple[str, ...] | list[str] = ()) -> list[str]:
    """What to read before the numbers, each topic once: engine warnings (loudest) first, then
    the dataset's and the model card's notes, then data gaps from the quality report."""
    out: dict[str, str] = {}
    for text in [
        *map(_plain, run.warnings()),
        *dataset_caveats,
        *(run.card.get("caveats") or []),
    ]:
        out.setdefault(_topic(text), text)
    q = run.quality
    if q.get("rows_quarantined"):
        out.setdefault(
            "quarantine",
            f"Data gaps: {q['rows_quarantined']:,} of {q.get('rows_in', q['rows_clean']):,} rows "
            "failed the quality checks and were set aside (quarantined with their reasons), "
            f"leaving {q['rows_clean']:,}.",
        )
    return list(out.values())


def identity(run_dir: Path, manifest: Any = None, verified: Any = None) -> dict[str, str]:
    """Which run this is: id, dates, code version, data window, root hash and verification.

    ``manifest`` (sealed runs) adds the seal time and root hash; ``verified`` is the
    :class:`~mi_kernel.runstore.VerifyReport` when the run was re-hashed for this page.
    """
    meta = json.loads((run_dir / "_meta/run.json").read_text())
    params = meta.get("parameters", {})
    out = {
        "Run": meta["run_id"],
        "Pipeline": meta.get("pipeline", "?"),
        "Started": str(meta.get("created", "?"))[:19].replace("T", " ") + " UTC",
        "Made by": str(meta.get("identity", "?")),
        "Environment": str(meta.get("environment", "dev")),
        "Data": f"{params.get('source', '?')}, {_window(run_dir, params)}",
    }
    if manifest is not None:
        out["Sealed"] = str(manifest.sealed)[:19].replace("T", " ") + " UTC"
        out["Code version"] = manifest.code_version
        out["Root hash"] = manifest.root_hash[:16] + "…"
    else:
        from mi_kernel.runstore.manifest import code_version
        from mi_kernel.runstore.paths import project_root

        out["Code version"] = code_version(project_root())
        out["Root hash"] = f"set when the run is sealed: `mi runs verify {meta['run_id']}`"
    if verified is not None:
        out["Integrity"] = (
            "VERIFIED: every byte matches its sealed hash"
            if verified.ok
            else "FAILED: " + "; ".join(map(str, verified.problems[:3]))
        )
    return out


def run_identity(ctx: Any) -> dict[str, str]:
    """:func:`identity` of the run a notebook is in; a sealed run (a report re-rendered by
    Voila) is re-hashed and says whether it verifies."""
    from mi_kernel.runstore import SealedRunView, verify_run

    if isinstance(ctx, SealedRunView):
        return identity(ctx.dir, ctx.store.manifest(ctx.run_id), verify_run(ctx.store, ctx.run_id))
    return identity(ctx.dir)


def run_choices(store: Any) -> list[tuple[str, str]]:
    """Sealed runs a stakeholder page can show (a model was selected), newest first, as
    ``(label, run_id)`` pairs for a picker."""
    return [
        (f"{m.run_id} · {m.pipeline} · {m.status}", m.run_id)
        for m in store.having("training/selection.json")
    ]


def page(store: Any, run_id: str, benchmark: pd.Series | None) -> list[Any]:
    """The whole stakeholder page of sealed run ``run_id``, as objects to display in order
    (HTML, Markdown, tables and plots). Reads the run; writes nothing."""
    from IPython.display import HTML, Markdown

    from mi_kernel import data
    from mi_kernel.reporting.overview import run_overview
    from mi_kernel.runstore import verify_run

    d = store.sealed_dir(run_id)
    run = run_overview(d)
    ident = identity(d, store.manifest(run_id), verify_run(store, run_id))
    source = run.parameters.get("source", "sp500_ohlcv")
    signals = top_signals(run)
    parts: list[Any] = [
        HTML(identity_html(ident)),
        Markdown("## Caveats — read these first"),
        Markdown(bullets(caveats(run, data.dataset_info(source).caveats))),
        Markdown("## Headline"),
        HTML(cards_html(run)),
        Markdown(deflation_note(run)),
        Markdown("## Performance against the S&P 500"),
        performance_plot(run, benchmark),
        headline(run),
        Markdown("## The book and its risk"),
        Markdown(bullets(book_lines(run))),
    ]
    if len(holdings(run)):
        parts.append(holdings_plot(run))
    parts += [
        Markdown("## Signals, and why"),
        signals if len(signals) else Markdown("_No signals were scored in this run._"),
        Markdown("## Evidence for the top signals"),
        Markdown(evidence_note(run.evidence)),
        HTML(evidence_html(run.evidence)),
        Markdown("## What the research found"),
        Markdown(bullets(findings(run)) or "_No research step ran._"),
    ]
    return parts


def bullets(lines: list[str]) -> str:
    """Markdown bullet list."""
    return "\n".join(f"- {line}" for line in lines)


def _window(run_dir: Path, params: dict[str, Any]) -> str:
    bars = run_dir / "data/bars.parquet"
    if bars.exists():
        ts = pd.read_parquet(bars, columns=["ts", "symbol"])
        return (
            f"{ts['ts'].min():%Y-%m-%d} to {ts['ts'].max():%Y-%m-%d}, "
            f"{ts['symbol'].nunique()} symbols"
        )
    return f"{params.get('start') or 'first'} to {params.get('end') or 'last'} date"


_CSS = (
    "<style>.mi-id{font:13px/1.5 system-ui,sans-serif;border:1px solid #d0d7de;border-radius:6px;"
    "padding:8px 12px;margin:6px 0;background:#f6f8fa}.mi-id b{display:inline-block;"
    "min-width:110px;color:#57606a;font-weight:600}.mi-ok{color:#1a7f37;font-weight:700}"
    ".mi-bad{color:#cf222e;font-weight:700}.mi-cards{display:flex;gap:10px;flex-wrap:wrap;"
    "margin:8px 0}.mi-card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;"
    "min-width:150px;font-family:system-ui,sans-serif}.mi-card .v{font-size:22px;"
    "font-weight:700}.mi-card .l{font-size:12px;color:#57606a}</style>"
)


def identity_html(ident: dict[str, str]) -> str:
    """The identity as a small block (plain CSS: no icon font, nothing fetched)."""
    rows = []
    for k, v in ident.items():
        text = html.escape(v)
        if k == "Integrity":
            cls = "mi-ok" if v.startswith("VERIFIED") else "mi-bad"
            text = f'<span class="{cls}">{text}</span>'
        rows.append(f"<div><b>{html.escape(k)}</b> {text}</div>")
    return f'{_CSS}<div class="mi-id">{"".join(rows)}</div>'


def cards_html(run: RunOverview) -> str:
    """Four headline figures as cards: return, Sharpe, deflated Sharpe, worst drawdown."""
    bt = run.model_backtest
    if not bt:
        return ""
    cards = [
        (fmt(bt.get("annual_return"), "pct"), "annual return, net of costs"),
        (
            fmt(bt.get("benchmark_annual_return"), "pct"),
            "S&P 500 annual return, same days",
        ),
        (fmt(bt.get("sharpe"), "num2"), "Sharpe ratio"),
        (
            fmt(bt.get("deflated_sharpe"), "pct0"),
            f"deflated Sharpe ({int(bt.get('n_trials') or 1)} trials)",
        ),
        (fmt(bt.get("max_drawdown"), "pct"), "worst drawdown"),
    ]
    body = "".join(
        f'<div class="mi-card"><div class="v">{html.escape(v)}</div>'
        f'<div class="l">{html.escape(label)}</div></div>'
        for v, label in cards
    )
    return f'{_CSS}<div class="mi-cards">{body}</div>'


def holdings(run: RunOverview, n: int = 10) -> pd.DataFrame:
    """The book's largest longs and shorts (at most ``n`` each), with sectors when known."""
    if run.published:
        targets = pd.DataFrame(run.published[-1]["targets"])
    elif (run.run_dir / "portfolio/targets.parquet").exists():
        targets = pd.read_parquet(run.run_dir / "portfolio/targets.parquet")
    else:
        return pd.DataFrame(columns=["symbol", "weight", "side"])
    t = targets[["symbol", "weight"]].copy()
    longs = t[t["weight"] > 0].nlargest(n, "weight").assign(side="long")
    shorts = t[t["weight"] < 0].nsmallest(n, "weight").assign(side="short")
    return pd.concat([longs, shorts], ignore_index=True)


def holdings_plot(run: RunOverview, n: int = 10) -> Any:
    """Largest longs and shorts as horizontal bars, green and red."""
    import hvplot.pandas  # noqa: F401

    top = holdings(run, n).sort_values("weight")
    return top.hvplot.barh(
        x="symbol",
        y="weight",
        c="side",
        cmap={"long": "#1a7f37", "short": "#cf222e"},
        title=f"Largest {n} longs and shorts (share of capital)",
        height=max(260, 22 * len(top)),
        width=620,
        xlabel="",
        ylabel="weight",
        legend=False,
    )


def book_lines(run: RunOverview) -> list[str]:
    """The book and its risk in a few sentences."""
    book = run.book.get("summary") or {}
    out = [f"**Built by**: {run.book.get('method', 'ranking the signals')}"]
    if book:
        out += [
            f"**Expected return / volatility** (a year, before it trades): "
            f"{fmt(book.get('expected_return'), 'pct')} / {fmt(book.get('volatility'), 'pct')}",
            f"**Positions**: {book['n_positions']} — gross {book['gross']:.2f}× capital, "
            f"net {book['net']:+.2f}×",
        ]
    var = [
        r
        for r in run.risk.get("var", [])
        if r["method"] == "historical" and r["horizon"] == 1 and r["level"] == 0.99
    ]
    if var:
        out.append(
            f"**A bad day** (1-day 99 % value at risk / expected shortfall, historical): "
            f"{fmt(var[0]['var'], 'pct2')} / {fmt(var[0]['es'], 'pct2')} of the book"
        )
    stress = run.risk.get("stress") or {}
    for name, row in stress.items():
        if name == "base":
            continue
        out.append(
            f"**Held through {name.replace('_', ' ')}**: {fmt(row.get('pnl_pct'), 'pct')} "
            f"(worst drawdown {fmt(row.get('max_drawdown'), 'pct')})"
        )
    last = run.published[-1] if run.published else None
    if last:
        who = ", ".join(last["approvals"]) or "nobody yet (a draft until a risk officer approves)"
        out.append(
            f"**Instruction**: {last['status']} {last['portfolio_version']}; approved by {who}"
        )
    return out


def top_signals(run: RunOverview, n: int = 10) -> pd.DataFrame:
    """The strongest signals of the latest scoring, each with the features that drove it."""
    latest = run.run_dir / "signals/latest.json"
    if not latest.exists():
        return pd.DataFrame()
    meta = json.loads(latest.read_text())
    rel = meta["signals_uri"].split("/", 3)[3]  # run://<id>/<path>
    sig = pd.read_parquet(run.run_dir / rel)
    sig = sig.reindex(sig["score"].abs().sort_values(ascending=False).index).head(n)

    def why(raw: str) -> str:
        pairs = json.loads(raw) if isinstance(raw, str) else list(raw)
        return ", ".join(f"{f} ({v:+.0f})" for f, v in pairs[:3])

    return pd.DataFrame(
        {
            "symbol": sig["symbol"],
            "as of": sig["ts"].astype(str).str[:10],
            "score": sig["score"].map(lambda v: f"{v:+.1f}"),
            "confidence": sig["confidence"].map(lambda v: f"{v:.0%}"),
            "why: top features (contribution)": sig["top_features"].map(why),
        }
    ).reset_index(drop=True)


def findings(run: RunOverview) -> list[str]:
    """What the research steps found, a sentence each (signal research, regimes, ensemble,
    explainability) — only for the steps this run ran."""
    out = []
    head = run.research.get("headline")
    if head:
        verdict = "is" if head.get("significant") else "is not"
        out.append(
            f"**Signal research**: the model's 1-day rank IC is {head['rank_ic_1d']:+.4f} "
            f"(t {head['rank_ic_1d_t_stat']:+.2f}, p {head['rank_ic_1d_p_value']:.2f}): it "
            f"{verdict} distinguishable from noise at 5 %."
        )
    reg = _optional_json(run.run_dir / "regimes/summary.json")
    if reg:
        stats = sorted(reg.get("regime_stats", []), key=lambda s: s["annual volatility"])
        if stats:
            calm, rough = stats[0], stats[-1]
            out.append(
                f"**Market regimes** ({reg['n_states']}-state model of the S&P 500, "
                f"{reg['first_date']} to {reg['last_date']}): a calm regime "
                f"({fmt(calm['annual volatility'], 'pct0')} volatility) and a turbulent one "
                f"({fmt(rough['annual volatility'], 'pct0')})."
            )
    ens = _optional_json(run.run_dir / "ensemble/summary.json")
    if ens.get("best_blend"):
        best = ens["blends"][ens["best_blend"]]
        out.append(
            f"**Ensemble**: the best blend of the models is '{ens['best_blend']}' "
            f"(mean IC {best['ic_mean']:+.4f}, IC IR {best['ic_ir']:+.2f})."
        )
    imp = run.run_dir / "explain/importance.parquet"
    if imp.exists():
        top = pd.read_parquet(imp).head(3)["feature"].tolist()
        out.append(f"**What drives the model** (mean |SHAP|): {', '.join(top)}.")
    return out


def _optional_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def growth(run: RunOverview, benchmark: pd.Series | None) -> pd.DataFrame:
    """Growth of 1 for every strategy, named for people, with the S&P 500 when given."""
    rets = run.returns().fillna(0.0)
    selected = run.selection["model_version"]
    rets.columns = [strategy_name(c, selected) for c in rets.columns]
    out = (1 + rets).cumprod()
    if benchmark is not None and len(out):
        spx = benchmark.reindex(out.index).ffill()
        out["S&P 500"] = spx / spx.dropna().iloc[0]
    out.index.name = "date"
    return out


def performance_plot(run: RunOverview, benchmark: pd.Series | None) -> Any:
    """Growth of 1 over the drawdowns, for every strategy and the S&P 500."""
    import hvplot.pandas  # noqa: F401

    g = growth(run, benchmark)
    dd = g / g.cummax() - 1
    return (
        (
            g.hvplot.line(
                title="Growth of 1, net of costs", ylabel="growth of 1", height=320, width=820
            )
            + dd.hvplot.line(title="Drawdown", ylabel="below the peak", height=220, width=820)
        )
        .cols(1)
        .opts(shared_axes=False)
    )


__all__ = [
    "METRICS",
    "book_lines",
    "bullets",
    "cards_html",
    "caveats",
    "deflation_note",
    "evidence_html",
    "evidence_note",
    "findings",
    "fmt",
    "growth",
    "headline",
    "holdings",
    "holdings_plot",
    "identity",
    "identity_html",
    "page",
    "performance_plot",
    "run_choices",
    "run_identity",
    "strategy_name",
    "top_signals",
]

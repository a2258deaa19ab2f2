"""The charts of a sweep: each variant's Sharpe ratio, the best one's deflated; a study's
optimisation history.

Static SVGs (Matplotlib, no JavaScript): it is stored in the sealed sweep run beside its
table, opens in any browser offline and costs a few kilobytes.
"""

from __future__ import annotations

import io
import itertools
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


#: What both charts plot: a study maximises the value the comparison ranks by.
_SHARPE = "Sharpe ratio of the selected model's backtest (net of costs)"


def _label(row: pd.Series, keys: list[str]) -> str:
    return ", ".join(f"{k[2:]}={row[k]}" for k in keys)


def comparison_svg(table: pd.DataFrame, summary: dict[str, Any]) -> str | None:
    """SVG bars of each succeeded variant's Sharpe (net of costs), the best one marked and
    its deflated Sharpe (over every trial the ledger holds on its data) in the title; None
    when no variant has a backtest."""
    from matplotlib.figure import Figure  # no pyplot: no global figure state

    if "sharpe" not in table:
        return None
    done = table[table["status"] == "succeeded"].dropna(subset=["sharpe"])
    if done.empty:
        return None
    keys = [c for c in table.columns if c.startswith("p:") and table[c].nunique() > 1]
    keys = keys or [c for c in table.columns if c.startswith("p:")]
    labels = [_label(row, keys) for _, row in done.iterrows()]
    if len(set(labels)) < len(labels):  # a study may suggest the same values twice
        labels = [f"#{i + 1}: {text}" for i, text in zip(done.index, labels, strict=True)]
    best = done["run_id"] == summary.get("best")
    fig = Figure(figsize=(8, 0.5 * len(done) + 1.6))
    ax = fig.add_subplot()
    ax.barh(labels, done["sharpe"], color=["#1f6f8b" if b else "#9bb7c4" for b in best])
    ax.axvline(0.0, color="#444", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel(_SHARPE)
    title = f"{len(table)} variants"
    if summary.get("best"):
        title += (
            f"; best: deflated Sharpe {summary['deflated_sharpe']:.2f} "
            f"over {summary['trials']} trials in the ledger"
        )
    ax.set_title(title, fontsize=10)
    return _svg(fig)


def _svg(fig: Figure) -> str:
    from matplotlib import rc_context

    fig.tight_layout()
    out = io.StringIO()
    with rc_context({"svg.hashsalt": "mi-sweep"}):  # fixed ids, no date: the same bytes again
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def history_svg(study: dict[str, Any]) -> str | None:
    """SVG of a study's optimisation history: each completed trial's objective by trial
    number and the best so far as a step line; None when no trial completed.

    ``study`` is the record :meth:`mi_kernel.pipeline.study.StudyPlan.record` writes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    done = [t for t in study["trials"] if t["state"] == "complete"]
    if not done:
        return None
    numbers = [t["number"] for t in done]
    values = [t["value"] for t in done]
    best_so_far = list(itertools.accumulate(values, max))
    fig = Figure(figsize=(8, 3.6))
    ax = fig.add_subplot()
    ax.plot(numbers, values, "o", color="#9bb7c4", label="trial")
    ax.step(numbers, best_so_far, where="post", color="#1f6f8b", label="best so far")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial")
    ax.set_ylabel(_SHARPE.replace(" of the", "\nof the"), fontsize=8)
    ax.legend(loc="best", fontsize=8)
    best = study["best"]
    ax.set_title(
        f"{study['sampler']} (seed {study['seed']}), {len(study['trials'])} trials, "
        f"{len(study['trials']) - len(done)} failed; best: trial {best['number']}, "
        f"{best['value']:.2f}",
        fontsize=10,
    )
    return _svg(fig)


__all__ = ["comparison_svg", "history_svg"]

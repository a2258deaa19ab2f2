"""Independent validation of a registered model, generated from runs, sealed as its own run.

:func:`validate_model` is what a validator runs (``mi models validate <version>``): it opens a
*validation* run, loads the model from its sealed training run (the estimator's bytes checked
against the registered hash first), writes the report below and an HTML page for the
inventory, seals the run, and moves the model to ``validated`` with an e-signed ledger entry
that names the report's run and root hash.

The report (:func:`validation_report`) holds

- out-of-sample metrics: the daily rank IC's mean, IR, share positive, iid and Newey-West t;
- the deflated Sharpe ratio of the IC series, with every model registered in the ledger as
  a trial (the models tried before this one count against it);
- stability across the walk-forward folds and across up / down / flat markets (by the
  cross-sectional mean of the label: an ex-post split, which is what a validator wants);
- a benchmark comparison: against zero skill (the t-statistics) and against the other
  registered models with the same label (their out-of-sample IC).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.governance import registry
from mi_kernel.governance.roles import Action, require_checker
from mi_kernel.metrics.sharpe_stats import deflated_sharpe_ratio
from mi_kernel.risk.report import json_number
from mi_kernel.schemas.records import AuditEntry

ANNUAL = 252.0


def _num(x: Any) -> float | None:
    return json_number(float(x)) if x is not None else None


def _market_regime(oos: pd.DataFrame) -> pd.Series:
    mean = oos.groupby("ts")["label"].mean()
    band = mean.abs().quantile(0.2)
    return pd.Series(
        np.where(mean > band, "up", np.where(mean < -band, "down", "flat")), mean.index
    )


def validation_report(
    oos: pd.DataFrame, folds: pd.DataFrame, peers: dict[str, float | None], horizon: int = 5
) -> dict[str, Any]:
    """The validation numbers of one model from its out-of-sample predictions.

    ``oos`` has columns ts, symbol, prediction, label; ``folds`` the walk-forward folds with
    an ``ic`` column; ``peers`` maps every *other* registered model on the same label to its
    out-of-sample IC (the trials and the benchmark set).
    """
    from mi_kernel.models.evaluate import daily_ic
    from mi_kernel.research import ic_summary, regime_ic

    ic = daily_ic(oos["ts"], oos["prediction"], oos["label"]).dropna()
    summary = ic_summary(ic, lags=max(horizon - 1, 1))
    per_fold = pd.to_numeric(folds.get("ic", pd.Series(dtype="float64")), errors="coerce").dropna()
    by_regime = regime_ic(ic, _market_regime(oos), lags=max(horizon - 1, 1))
    n_trials = len(peers) + 1
    own_ir = summary.ir * math.sqrt(ANNUAL) if math.isfinite(summary.ir) else float("nan")
    peer_ic = np.asarray([v for v in peers.values() if v is not None and math.isfinite(v)])
    trial_ir = (
        [own_ir] + [float(v) / summary.std * math.sqrt(ANNUAL) for v in peer_ic]
        if summary.std > 0
        else [own_ir]
    )
    finite = [x for x in trial_ir if math.isfinite(x)]
    var = float(np.var(finite, ddof=1)) if len(finite) > 1 else 0.0
    dsr = (
        deflated_sharpe_ratio(ic, n_trials, var, periods_per_year=ANNUAL)
        if len(ic) > 2
        else float("nan")
    )
    better = int((peer_ic > summary.mean).sum()) if peer_ic.size else 0
    return {
        "out_of_sample": {k: _num(v) for k, v in summary.to_dict().items()},
        "deflated": {
            "n_trials": n_trials,
            "trial_ir_var": _num(var),
            "ic_ir_annual": _num(own_ir),
            "dsr": _num(dsr),
        },
        "folds": {
            "n": int(per_fold.size),
            "mean_ic": _num(per_fold.mean()),
            "std_ic": _num(per_fold.std()),
            "min_ic": _num(per_fold.min()),
            "share_positive": _num((per_fold > 0).mean()),
        },
        "regimes": {
            str(k): {c: _num(v) for c, v in row.items()} for k, row in by_regime.iterrows()
        },
        "benchmarks": {
            "zero_skill_nw_t": _num(summary.nw_t_stat),
            "peers": len(peer_ic),
            "peers_better": better,
            "best_peer_ic": _num(peer_ic.max()) if peer_ic.size else None,
        },
    }


def findings(report: dict[str, Any]) -> list[str]:
    """Plain-language findings a validator would write down."""
    oos, folds, d = report["out_of_sample"], report["folds"], report["deflated"]
    out = []
    t = oos.get("nw_t_stat")
    if t is None or abs(t) < 2:
        shown = "n/a" if t is None else f"{t:.2f}"
        out.append(f"The out-of-sample IC is not significant (Newey-West t = {shown}).")
    if (oos.get("mean") or 0) <= 0:
        out.append(
            "The mean out-of-sample IC is not positive: the model has no demonstrated skill."
        )
    if d.get("dsr") is not None and d["dsr"] < 0.95:
        out.append(
            f"Deflated by {d['n_trials']} registered model(s), the IC's Sharpe is not "
            f"distinguishable from luck (DSR = {d['dsr']:.2f})."
        )
    if (folds.get("share_positive") or 0) < 0.6:
        share = folds.get("share_positive") or 0.0
        out.append(f"The IC is positive in only {share:.0%} of the walk-forward folds.")
    return out or ["No finding: the model's skill is significant, deflated and stable."]


def _html(version: str, report: dict[str, Any], notes: list[str]) -> str:
    def table(d: dict[str, Any]) -> str:
        rows = "".join(
            f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in d.items()
        )
        return f"<table>{rows}</table>"

    parts = [f"<h1>Validation of {escape(version)}</h1>", "<h2>Findings</h2><ul>"]
    parts += [f"<li>{escape(n)}</li>" for n in notes] + ["</ul>"]
    for section in ("out_of_sample", "deflated", "folds", "benchmarks"):
        parts += [f"<h2>{section.replace('_', ' ')}</h2>", table(report[section])]
    parts += ["<h2>regimes</h2>"] + [
        f"<h3>{escape(k)}</h3>{table(v)}" for k, v in report["regimes"].items()
    ]
    return "<!doctype html><meta charset='utf-8'><title>validation</title>" + "".join(parts)


def validate_model(store: Any, version: str, ticket: str) -> tuple[str, AuditEntry]:
    """Validate ``version`` in a new sealed run; return (run id, the signed status entry)."""
    from mi_kernel import models
    from mi_kernel.runstore import use_run

    rec = registry.model(store.ledger, version)
    require_checker(Action.VALIDATE_MODEL, rec.maker)
    version = rec.version
    folder = store.resolve(str(rec.detail["uri"]))
    trained = models.load(folder, estimator_sha256=rec.detail.get("estimator_sha256"))
    label = rec.detail.get("label")
    peers = {
        v: (r.detail.get("metrics") or {}).get("ic")
        for v, r in registry.models(store.ledger).items()
        if v != version and r.detail.get("label") == label
    }
    horizon = int("".join(ch for ch in str(label).split("_")[-1] if ch.isdigit()) or 1)
    ctx = store.start(
        "validation", {"model_version": version, "ticket": ticket}, action=Action.VALIDATE_MODEL
    )
    with use_run(ctx):
        ctx.record_run_input(f"model:{version}", str(rec.detail["uri"]))
        report = validation_report(trained.oos, trained.fold_metrics, peers, horizon=horizon)
        notes = findings(report)
        body = {
            "model_version": version,
            "model_sha256": rec.detail.get("estimator_sha256"),
            "training_run": rec.detail.get("run_id"),
            "ticket": ticket,
            "findings": notes,
            **report,
        }
        uri = ctx.write_json(body, f"validation/{version}.json")
        (ctx.path(f"report/validation_{version}.html")).write_text(_html(version, report, notes))
    sealed = store.seal(ctx.run_id)
    entry = registry.set_status(
        store.ledger,
        version,
        "validated",
        ticket,
        extra={
            "report_uri": uri,
            "report_run": sealed.run_id,
            "report_root_hash": sealed.root_hash,
            "findings": notes,
        },
    )
    return sealed.run_id, entry


__all__ = ["findings", "validate_model", "validation_report"]

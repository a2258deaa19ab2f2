"""Sweeps: a grid of pipeline runs that share cached steps, each sealed, compared in one table.

    mi sweep demo -p estimators=[ridge],[lgbm] -p embargo=5,10

is four runs of ``demo`` (every combination). The first variant runs alone and fills the step
cache; the others then run side by side on a Dask cluster (a LocalCluster on 127.0.0.1 by
default, or ``--dask tcp://…`` / ``MI_DASK_SCHEDULER``), each reusing the steps its parameters
do not touch. Every variant's backtests are recorded as trials in the ledger when they run, so
the deflated Sharpe ratio of the best variant, recomputed here over every trial the ledger
holds on its data, pays for the whole search. The comparison is written as a sealed ``sweep``
run (``sweep/variants.parquet``, ``sweep/summary.json`` and, when variants were backtested, the
chart ``sweep/comparison.svg``) whose inputs are the variants' reports.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mi_kernel.errors import ConfigError, PipelineError
from mi_kernel.pipeline.spec import notebooks_dir
from mi_kernel.runstore import RunStore

#: A list value ``[a,b]`` (brackets dropped: the pipeline reads "a,b" as a list) or a mapping
#: ``{k: v, ...}`` (kept: the pipeline reads it as YAML).
_GROUP = re.compile(r"\[([^\]]*)\]|(\{[^}]*\})")


def parse_axis(pair: str) -> tuple[str, list[str]]:
    """``key=v1,v2``, ``key=[a,b],[c]`` (list values) or ``key={a: 1},{a: 2}`` (mappings, each
    replacing the default whole: ``{base: default, commission_bps: 5}`` for costs)
    -> (key, values)."""
    key, sep, text = pair.partition("=")
    if not sep or not key.strip() or not text.strip():
        raise ConfigError(f"sweep axis {pair!r} is not key=value[,value...] (e.g. -p embargo=5,10)")
    text = text.strip()
    if text[0] in "[{":
        values = [listed or mapping for listed, mapping in _GROUP.findall(text)]
        if _GROUP.sub("", text).strip(", ") or not values:
            raise ConfigError(
                f"sweep axis {pair!r}: list values are bracketed and comma-separated, "
                "e.g. -p estimators=[ridge],[ridge,lgbm]; mappings are braced, e.g. "
                "-p costs={base: default, commission_bps: 1},{base: default, commission_bps: 5}"
            )
    else:
        values = [v.strip() for v in text.split(",")]
    if any(v == "" for v in values) and text[0] not in "[{":
        raise ConfigError(f"sweep axis {pair!r} has an empty value")
    return key.strip(), values


def grid(axes: Sequence[str]) -> list[dict[str, str]]:
    """Every combination of the axes (``-p`` values), in the order given."""
    parsed = [parse_axis(a) for a in axes]
    keys = [k for k, _ in parsed]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"sweep axes name a parameter twice: {keys}")
    combos = itertools.product(*(v for _, v in parsed))
    return [dict(zip(keys, combo, strict=True)) for combo in combos]


def _run_variant(
    name: str, overrides: dict[str, Any], root: str, folder: str, cache: bool
) -> dict[str, Any]:
    """Run one variant (on a Dask worker or here); return its manifest, failed runs included."""
    from mi_kernel.pipeline.runner import run_pipeline

    store = RunStore(root)
    t0 = time.perf_counter()
    try:
        m = run_pipeline(
            name, overrides, store=store, folder=Path(folder), echo=None, jobs=1, cache=cache
        )
        out = m.model_dump(mode="json")
    except PipelineError as exc:
        latest = max(store.runs(), key=lambda m: m.sealed)
        out = latest.model_dump(mode="json") | {"error": str(exc)}
    return out | {"wall_seconds": time.perf_counter() - t0}


def _row(store: RunStore, variant: Mapping[str, str], m: Mapping[str, Any]) -> dict[str, Any]:
    d = store.sealed_dir(m["run_id"])
    row: dict[str, Any] = {
        **{f"p:{k}": v for k, v in variant.items()},
        "run_id": m["run_id"],
        "status": m["status"],
        "executed steps": sum(s["status"] == "succeeded" for s in m["steps"]),
        "reused steps": sum(s["status"] == "reused" for s in m["steps"]),
        "seconds": round(m["wall_seconds"], 1),
    }
    selection = d / "training/selection.json"
    if m["status"] != "succeeded" or not selection.exists():
        return row | {"error": m.get("error")}
    version = json.loads(selection.read_text())["model_version"]
    report = d / f"backtests/model-{version}/report.json"
    if report.exists():
        r = json.loads(report.read_text())
        row |= {
            "model": version,
            "sharpe": r["sharpe"],
            "deflated sharpe (in its run)": r["deflated_sharpe"],
            "trials (in its run)": r["n_trials"],
            "data_hash": r["trials"]["data_hash"],
            "variant_id": r["variant_id"],
            "active_from": r["start"],
        }
    return row


@dataclass(frozen=True)
class SweepResult:
    """A sweep's variants (one row each) and the verdict on the best one."""

    run_id: str  # the sealed sweep run
    variants: pd.DataFrame
    summary: dict[str, Any]


def run_sweep(
    name: str,
    axes: Sequence[str],
    store: RunStore | None = None,
    folder: Path | None = None,
    dask: str | None = None,
    n_workers: int = 2,
    cache: bool = True,
    echo: Callable[[str], None] | None = None,
    serial: bool = False,
) -> SweepResult:
    """Run pipeline ``name`` over the grid ``axes`` (``key=v1,v2`` strings) and compare.

    Every variant is validated before any run starts; the first runs here and fills the step
    cache, the rest run on a Dask cluster (``dask``: scheduler address; default a LocalCluster
    of ``n_workers`` processes on 127.0.0.1). ``serial`` runs every variant here, one after
    another (the same runs: the reference the cluster path is tested against). A failed
    variant stays in the table as failed.
    """
    from mi_kernel.cluster import dask_client

    say = echo or (lambda _m: None)
    store = store or RunStore()
    folder = folder or notebooks_dir()
    variants = grid(axes)
    if not variants:
        raise ConfigError("a sweep needs at least one axis: -p key=v1,v2")
    from mi_kernel.pipeline.validate import validate_pipeline

    for v in variants:
        validate_pipeline(name, v, folder)  # a bad parameter or value: before any run
    args = (str(store.root), str(folder), cache)
    say(f"sweep of {name!r}: {len(variants)} variants over {', '.join(variants[0])}")
    results = [_run_variant(name, variants[0], *args)]
    say(f"  [1/{len(variants)}] {variants[0]} -> {results[0]['run_id']} ({results[0]['status']})")
    if serial:
        for i, v in enumerate(variants[1:], start=2):
            results.append(_run_variant(name, v, *args))
            say(f"  [{i}/{len(variants)}] {v} -> {results[-1]['run_id']} ({results[-1]['status']})")
    elif len(variants) > 1:
        with dask_client(dask, n_workers=n_workers) as client:
            rest = variants[1:]
            futures = [client.submit(_run_variant, name, v, *args, pure=False) for v in rest]
            for i, f in enumerate(futures, start=2):
                m = f.result()
                results.append(m)
                say(f"  [{i}/{len(variants)}] {variants[i - 1]} -> {m['run_id']} ({m['status']})")
    table = pd.DataFrame([_row(store, v, m) for v, m in zip(variants, results, strict=True)])
    summary = _verdict(store, table)
    run_id = _seal(store, name, axes, table, summary)
    return SweepResult(run_id, table, summary)


def _verdict(store: RunStore, table: pd.DataFrame) -> dict[str, Any]:
    """The best variant by Sharpe, deflated by every trial the ledger holds on its data."""
    from mi_kernel.governance.trials import deflated_from_ledger, ledger_trials

    if "sharpe" not in table:
        return {"best": None, "note": "no variant succeeded with a backtest"}
    done = table[table["status"] == "succeeded"].dropna(subset=["sharpe"])
    if done.empty:
        return {"best": None, "note": "no variant succeeded with a backtest"}
    best = done.iloc[int(done["sharpe"].to_numpy().argmax())]
    d = store.sealed_dir(best["run_id"])
    frame = pd.read_parquet(d / f"backtests/model-{best['model']}/returns.parquet")
    active = frame[frame["ts"] >= pd.Timestamp(best["active_from"])].set_index("ts")["returns"]
    trials = ledger_trials(store.ledger, best["data_hash"])
    deflated = deflated_from_ledger(
        active, store.ledger, best["data_hash"], variant_id=best["variant_id"]
    )
    return {
        "best": best["run_id"],
        "parameters": {k[2:]: best[k] for k in table.columns if k.startswith("p:")},
        "sharpe": float(best["sharpe"]),
        "deflated_sharpe": float(deflated["dsr"]),
        "trials": len(trials),
        "note": (
            f"best of {len(table)} variants; its deflated Sharpe counts all {len(trials)} "
            "trials the ledger holds on its data (every variant's backtests included)"
        ),
    }


def _seal(
    store: RunStore, name: str, axes: Sequence[str], table: pd.DataFrame, summary: dict[str, Any]
) -> str:
    ctx = store.start("sweep", {"pipeline": name, "axes": list(axes)})
    for run_id in table["run_id"]:
        for rel in ("manifest.json",):
            ctx.record_run_input(f"{run_id}:{rel}", f"run://{run_id}/{rel}")
    ctx.write_table(table, "sweep/variants.parquet")
    ctx.write_json(summary, "sweep/summary.json")
    from mi_kernel.viz.sweep import comparison_svg

    chart = comparison_svg(table, summary)
    if chart is not None:
        ctx.path("sweep/comparison.svg").write_text(chart, encoding="utf-8")
    return store.seal(ctx.run_id).run_id


__all__ = ["SweepResult", "grid", "parse_axis", "run_sweep"]

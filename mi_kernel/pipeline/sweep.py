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

    mi sweep demo --trials 12 -p embargo=int:3..10 -p estimators=[ridge],[lgbm]

is a sweep whose twelve variants an Optuna study chooses (:mod:`mi_kernel.pipeline.study`)
instead of a grid: they run, share the cache, are sealed, counted and compared the same way,
and the sweep run also holds the study (``sweep/study.json``) and its optimisation history
(``sweep/history.svg``). A :class:`Plan` is the only difference between the two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from mi_kernel.errors import ConfigError, PipelineError
from mi_kernel.pipeline.axes import grid, parse_axis, space
from mi_kernel.pipeline.spec import notebooks_dir
from mi_kernel.pipeline.study import StudyPlan
from mi_kernel.runstore import RunStore


class Plan(Protocol):
    """Which variants a sweep runs: a grid lists them, a study chooses them as results come."""

    adaptive: bool  # True: the next variants depend on the results so far

    @property
    def remaining(self) -> int: ...

    def describe(self, name: str) -> str: ...

    def checks(self) -> list[dict[str, str]]: ...

    def next(self, room: int) -> list[dict[str, str]]: ...

    def tell(self, row: Mapping[str, Any]) -> None: ...

    def record(self, run_ids: Sequence[str]) -> dict[str, Any] | None: ...


class GridPlan:
    """Every combination of the axes, in the order given."""

    adaptive = False

    def __init__(self, axes: Sequence[str]) -> None:
        self.variants = grid(axes)
        if not self.variants:
            raise ConfigError("a sweep needs at least one axis: -p key=v1,v2")
        self._given = 0

    @property
    def remaining(self) -> int:
        """Variants not given out yet."""
        return len(self.variants) - self._given

    def describe(self, name: str) -> str:
        """One line saying what the sweep runs."""
        return (
            f"sweep of {name!r}: {len(self.variants)} variants over {', '.join(self.variants[0])}"
        )

    def checks(self) -> list[dict[str, str]]:
        """Every variant: each is validated before any run."""
        return list(self.variants)

    def next(self, room: int) -> list[dict[str, str]]:
        """The next ``room`` variants."""
        batch = self.variants[self._given : self._given + room]
        self._given += len(batch)
        return batch

    def tell(self, row: Mapping[str, Any]) -> None:
        """Nothing: a grid does not depend on results."""

    def record(self, run_ids: Sequence[str]) -> None:
        """Nothing beyond the table."""


def plan_sweep(axes: Sequence[str], trials: int | None = None, seed: int = 0) -> Plan:
    """The grid of ``axes``, or with ``trials`` an Optuna study of that many trials over them."""
    if trials is None:
        return GridPlan(axes)
    return StudyPlan(space(axes), trials, seed)


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
        if exc.run_id is None:  # failed before its run existed: nothing to compare
            raise
        # this variant's own failed run (others may be sealing beside it on the cluster)
        out = store.manifest(exc.run_id).model_dump(mode="json") | {"error": str(exc)}
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
    study: dict[str, Any] | None = None  # a study's record (sweep/study.json); None for a grid


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
    trials: int | None = None,
    seed: int = 0,
) -> SweepResult:
    """Run pipeline ``name`` over ``axes`` (``-p`` strings) and compare the variants.

    The variants are the grid of the axes or, with ``trials``, that many chosen by a seeded
    Optuna study (``seed``; range axes such as ``embargo=int:3..10`` allowed): see
    :mod:`mi_kernel.pipeline.study`. Every axis value is validated before any run starts; the
    first variant runs here and fills the step cache, the rest run on a Dask cluster
    (``dask``: scheduler address; default a LocalCluster of ``n_workers`` processes on
    127.0.0.1), a study's in batches of the cluster's worker slots. ``serial`` runs every
    variant here, one after another (the same runs: the reference the cluster path is tested
    against). A failed variant stays in the table as failed.
    """
    say = echo or (lambda _m: None)
    store = store or RunStore()
    folder = folder or notebooks_dir()
    plan = plan_sweep(axes, trials, seed)
    from mi_kernel.pipeline.validate import validate_pipeline

    for v in plan.checks():
        validate_pipeline(name, v, folder)  # a bad parameter or value: before any run
    say(plan.describe(name))
    rows = _drive(
        name, plan, store, (str(store.root), str(folder), cache), dask, n_workers, serial, say
    )
    table = pd.DataFrame(rows)
    summary = _verdict(store, table)
    study = plan.record(list(table["run_id"]))
    run_id = _seal(store, name, axes, table, summary, study)
    return SweepResult(run_id, table, summary, study)


def _drive(
    name: str,
    plan: Plan,
    store: RunStore,
    args: tuple[str, str, bool],
    dask: str | None,
    n_workers: int,
    serial: bool,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Run the plan's variants (the first here, then batches on the cluster); their rows."""
    from mi_kernel.cluster import dask_client

    total = plan.remaining
    rows: list[dict[str, Any]] = []

    def done(variant: dict[str, str], m: dict[str, Any]) -> None:
        rows.append(_row(store, variant, m))
        plan.tell(rows[-1])
        sharpe = rows[-1].get("sharpe")
        value = f", Sharpe {sharpe:.2f}" if isinstance(sharpe, int | float) else ""
        say(f"  [{len(rows)}/{total}] {variant} -> {m['run_id']} ({m['status']}{value})")

    for v in plan.next(1):
        done(v, _run_variant(name, v, *args))
    if serial or not plan.remaining:
        while batch := plan.next(1):
            done(batch[0], _run_variant(name, batch[0], *args))
        return rows
    with dask_client(dask, n_workers=n_workers) as client:
        slots = max(1, sum(client.nthreads().values()))
        while batch := plan.next(slots if plan.adaptive else plan.remaining):
            futures = [client.submit(_run_variant, name, v, *args, pure=False) for v in batch]
            for v, f in zip(batch, futures, strict=True):
                done(v, f.result())
    return rows


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
    store: RunStore,
    name: str,
    axes: Sequence[str],
    table: pd.DataFrame,
    summary: dict[str, Any],
    study: dict[str, Any] | None,
) -> str:
    parameters: dict[str, Any] = {"pipeline": name, "axes": list(axes)}
    if study is not None:
        parameters |= {"trials": study["n_trials"], "seed": study["seed"]}
    ctx = store.start("sweep", parameters)
    for run_id in table["run_id"]:
        for rel in ("manifest.json",):
            ctx.record_run_input(f"{run_id}:{rel}", f"run://{run_id}/{rel}")
    ctx.write_table(table, "sweep/variants.parquet")
    ctx.write_json(summary, "sweep/summary.json")
    from mi_kernel.viz.sweep import comparison_svg

    chart = comparison_svg(table, summary)
    if chart is not None:
        ctx.path("sweep/comparison.svg").write_text(chart, encoding="utf-8")
    if study is not None:
        from mi_kernel.viz.sweep import history_svg

        ctx.write_json(study, "sweep/study.json")
        history = history_svg(study)
        if history is not None:
            ctx.path("sweep/history.svg").write_text(history, encoding="utf-8")
    return store.seal(ctx.run_id).run_id


__all__ = ["GridPlan", "Plan", "SweepResult", "grid", "parse_axis", "plan_sweep", "run_sweep"]

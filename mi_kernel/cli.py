"""The ``mi`` command: run pipelines and inspect, show and verify runs.

mi run <pipeline> [-p key=value ...]
mi runs list | show <run_id> | verify [<run_id>] | open [<run_id>] | fsck [--repair]
mi pipelines
(and the control plane's commands: see mi_kernel/governance/cli.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mi_kernel.errors import MIError
from mi_kernel.governance.cli import add_commands
from mi_kernel.pipeline.describe import OVERRIDES


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise MIError(f"parameter {pair!r} is not key=value (e.g. -p source=sp500_ohlcv)")
        out[key.strip()] = value
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from mi_kernel.pipeline import run_pipeline
    from mi_kernel.pipeline.validate import validate_pipeline
    from mi_kernel.runstore import RunStore

    folder = Path(args.notebooks) if args.notebooks else None
    overrides = _parse_params(args.param)
    validate_pipeline(args.pipeline, overrides, folder)  # before any run folder exists
    store = RunStore(args.runs_root)
    manifest = run_pipeline(
        args.pipeline,
        overrides,
        store=store,
        fresh_kernels=args.fresh_kernels,
        jobs=args.jobs,
        cache=not args.no_cache,
        folder=folder,
    )
    d = store.sealed_dir(manifest.run_id)
    print(f"sealed run {manifest.run_id} ({manifest.status}), root hash {manifest.root_hash[:16]}")
    print(f"  folder:     {d}")
    for rel in sorted(manifest.products):
        if rel.startswith("report/") or rel.endswith("tearsheet.html"):
            print(f"  {'report:' if rel.startswith('report/') else 'tear sheet:':<11} {d / rel}")
    print(f"  verify:     mi runs verify {manifest.run_id}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from mi_kernel.runstore import RunStore

    store = RunStore(args.runs_root)
    rows = list(store.runs())
    broken = store.broken()
    if not rows and not broken:
        print(f"no sealed runs under {store.root}")
        return 0
    print(f"{'run id':<44} {'pipeline':<11} {'status':<10} {'steps':>5} {'seconds':>8}")
    for m in rows:
        secs = sum(s.seconds for s in m.steps)
        print(f"{m.run_id:<44} {m.pipeline:<11} {m.status:<10} {len(m.steps):>5} {secs:>8.1f}")
    for run_id in broken:
        print(f"{run_id:<44} {'?':<11} {'BROKEN':<10}  unreadable manifest: `mi runs verify`")
    staging = store.staging_runs()
    if staging:
        print(
            f"{len(staging)} unsealed run(s) in .staging (running, or left by a crash): "
            "`mi runs fsck`"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from mi_kernel.runstore import RunStore

    m = RunStore(args.runs_root).manifest(args.run_id)
    if args.json:
        print(m.model_dump_json(indent=2))
        return 0
    print(f"run        {m.run_id}\npipeline   {m.pipeline}\nstatus     {m.status}")
    print(f"code       {m.code_version}\nlock       {(m.lock_sha256 or '-')[:16]}")
    print(f"root hash  {m.root_hash}\nparameters {json.dumps(m.parameters, default=str)}")
    if m.error:
        print(f"error      {m.error}")
    print("steps:")
    for s in m.steps:
        origin = f"  (from {s.reused_from})" if s.reused_from else ""
        print(f"  {s.name:<12} {s.status:<10} {s.seconds:7.1f}s  {s.notebook}{origin}")
    print("inputs:")
    for i in m.inputs:
        print(f"  {i.name:<24} {i.sha256[:16]}  rows={i.rows}")
    print(f"products: {len(m.products)} files")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from mi_kernel.runstore import RunStore, verify_all, verify_run
    from mi_kernel.runstore.verify import verify_ledger

    store = RunStore(args.runs_root)
    if args.run_id:
        reports = [*verify_ledger(store), verify_run(store, args.run_id)]
    else:
        reports = verify_all(store)
    bad = [r for r in reports if not r.ok]
    for r in reports:
        print(f"{'ok ' if r.ok else 'BAD'} {r.run_id}" + (f"  ({r.note})" if r.note else ""))
        for p in r.problems:
            print(f"    {p}")
    print(f"{len(reports) - len(bad)} verified, {len(bad)} with problems")
    return 1 if bad else 0


def cmd_open(args: argparse.Namespace) -> int:
    import secrets
    import subprocess

    from mi_kernel.runstore import RunStore
    from mi_kernel.runstore.view import lab_command, prepare_view, remove_view

    store = RunStore(args.runs_root)
    run_id = store.latest().run_id if args.run_id == "latest" else args.run_id
    view = prepare_view(store, run_id)
    token = secrets.token_hex(16)
    cmd = lab_command(view, args.port, token, open_browser=not args.no_browser)
    print(f"run {run_id}: its notebooks, copied with their plots into the view {view}")
    print(f"  open http://127.0.0.1:{args.port}/lab?token={token}")
    print("  Ctrl-C stops JupyterLab and deletes the view; the run itself is never touched")
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0
    finally:
        remove_view(view)


def cmd_dashboards(args: argparse.Namespace) -> int:
    import os
    import signal
    import subprocess
    import time

    from mi_kernel.runstore import RunStore
    from mi_kernel.viz.layout import title_of
    from mi_kernel.viz.serve import consoles, panel_command, voila_command

    root = RunStore(args.runs_root).root
    env = {**os.environ, "MI_RUNS_ROOT": str(root)}

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the servers as Ctrl-C does

    signal.signal(signal.SIGTERM, stop)
    voila, voila_env = voila_command(args.voila_port, args.voila_pool)
    procs = [
        subprocess.Popen(voila, env={**env, **voila_env}),
        subprocess.Popen(panel_command(args.panel_port), env=env),
    ]
    print(f"serving the runs under {root} (read only), on 127.0.0.1:")
    print(f"  stakeholder dashboard (Voila)  http://127.0.0.1:{args.voila_port}/")
    for app in consoles():
        print(f"  {title_of(app):<30} http://127.0.0.1:{args.panel_port}/{app}")
    print("Ctrl-C stops both servers")
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return max(p.returncode or 0 for p in procs)


def cmd_sweep(args: argparse.Namespace) -> int:
    from mi_kernel.pipeline.sweep import run_sweep
    from mi_kernel.runstore import RunStore

    if args.seed is not None and args.trials is None:
        raise MIError(f"--seed {args.seed} seeds a study: give --trials N too (a grid has no seed)")
    store = RunStore(args.runs_root)
    result = run_sweep(
        args.pipeline,
        args.param,
        store=store,
        folder=Path(args.notebooks) if args.notebooks else None,
        dask=args.dask,
        n_workers=args.workers,
        cache=not args.no_cache,
        echo=lambda m: print(m, file=sys.stderr, flush=True),
        trials=args.trials,
        seed=args.seed or 0,
    )
    shown = [c for c in result.variants.columns if c not in ("data_hash", "variant_id")]
    print(result.variants[shown].to_string(index=False))
    s = result.summary
    if s.get("best"):
        print(
            f"best: {s['best']} {s['parameters']}: Sharpe {s['sharpe']:.2f}, deflated Sharpe "
            f"{s['deflated_sharpe']:.2f} over {s['trials']} trials in the ledger"
        )
    else:
        print(s["note"])
    if result.study is not None:
        st = result.study
        failed = sum(t["state"] != "complete" for t in st["trials"])
        print(
            f"study: {st['sampler']} seed {st['seed']}, {len(st['trials'])} trials "
            f"({failed} failed); the study in sweep/study.json, its history in sweep/history.svg"
        )
    print(f"sealed sweep run {result.run_id}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    import logging

    from mi_kernel.pipeline.cron import SCHEDULES_FILE, load_schedules, scheduler
    from mi_kernel.runstore import RunStore, project_root

    path = Path(args.file) if args.file else (project_root() or Path.cwd()) / SCHEDULES_FILE
    schedules = load_schedules(path)
    if args.only:
        schedules = [s for s in schedules if s.name in args.only]
    from mi_kernel.pipeline.validate import validate_pipeline

    for s in schedules:  # a bad parameter fails now, not at 21:30 tonight
        validate_pipeline(s.pipeline, dict(s.parameters))
    store = RunStore(args.runs_root)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sched = scheduler(store, schedules, background=False)
    for s in schedules:
        print(f"  {s.name:<20} {s.pipeline:<12} cron {s.cron!r} ({s.timezone})")
    print(f"scheduling {len(schedules)} pipeline(s) into {store.root}; Ctrl-C stops")
    try:
        sched.start()  # blocks
    except (KeyboardInterrupt, SystemExit):
        sched.shutdown(wait=False)
    return 0


def cmd_pipelines(args: argparse.Namespace) -> int:
    import textwrap

    from mi_kernel.pipeline import load_pipelines
    from mi_kernel.pipeline.describe import OVERRIDES, parameter_table

    specs = load_pipelines(Path(args.notebooks) if args.notebooks else None)
    if args.json:
        print(json.dumps({n: s.parameters for n, s in specs.items()}, default=str, indent=2))
        return 0
    for name, spec in specs.items():
        if args.pipeline and name not in args.pipeline:
            continue
        print(f"{name}: {spec.description}")
        print(f"  steps: {' -> '.join(s.name for s in spec.steps)}")
        print(textwrap.indent(parameter_table(spec), "  ") + "\n")
    print(textwrap.fill(OVERRIDES, 100))
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    import os

    from mi_kernel.mcp.server import main as serve

    if args.runs_root:
        os.environ["MI_RUNS_ROOT"] = str(args.runs_root)
    serve()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mi", description="mi market-intelligence platform")
    p.add_argument(
        "--runs-root", default=None, help="runs folder (default: MI_RUNS_ROOT or ./runs)"
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a declared pipeline into a sealed run")
    run.add_argument("pipeline")
    run.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=OVERRIDES + " `mi pipelines` lists the parameters with their defaults and help.",
    )
    run.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a new kernel for every step (default: warm kernels reused across steps)",
    )
    run.add_argument(
        "-j", "--jobs", type=int, default=None, help="steps run side by side (default: 2)"
    )
    run.add_argument(
        "--notebooks", default=None, help="the notebooks folder (default: the project's notebooks/)"
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="execute every step (default: a step whose notebook, kernel code, parameters, "
        "upstream products and datasets are unchanged is copied from the earlier sealed run)",
    )
    run.set_defaults(func=cmd_run)
    runs = sub.add_parser("runs", help="list, show and verify runs")
    rsub = runs.add_subparsers(dest="runs_command", required=True)
    rsub.add_parser("list").set_defaults(func=cmd_list)
    show = rsub.add_parser("show")
    show.add_argument("run_id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    ver = rsub.add_parser("verify")
    ver.add_argument("run_id", nargs="?")
    ver.set_defaults(func=cmd_verify)
    op = rsub.add_parser(
        "open", help="open a run's notebooks in JupyterLab (a trusted view; the run is not touched)"
    )
    op.add_argument("run_id", nargs="?", default="latest")
    op.add_argument("--port", type=int, default=8899)
    op.add_argument("--no-browser", action="store_true")
    op.set_defaults(func=cmd_open)
    dash = sub.add_parser(
        "dashboards", help="serve the Voila stakeholder dashboard and the Panel consoles"
    )
    dash.add_argument("--voila-port", type=int, default=8866)
    dash.add_argument(
        "--voila-pool",
        type=int,
        default=2,
        help="preheated Voila kernels waiting for visitors (default 2, ~250 MB each)",
    )
    dash.add_argument("--panel-port", type=int, default=5006)
    dash.set_defaults(func=cmd_dashboards)
    pipes = sub.add_parser(
        "pipelines", help="list declared pipelines and their parameters (default, type, help)"
    )
    pipes.add_argument("pipeline", nargs="*", help="only these pipelines (default: all)")
    pipes.add_argument("--json", action="store_true", help="the parameters' defaults as JSON")
    pipes.add_argument("--notebooks", default=None, help="the notebooks folder")
    pipes.set_defaults(func=cmd_pipelines)
    sweep = sub.add_parser(
        "sweep",
        help="run a pipeline over a grid of parameters, or an Optuna study with --trials (each "
        "variant a sealed run), compare them",
    )
    sweep.add_argument("pipeline")
    sweep.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="an axis of the grid: embargo=5,10; lists bracketed: estimators=[ridge],[lgbm]; "
        "mappings braced, each replacing the default whole: "
        "costs={base: default, commission_bps: 1},{base: default, commission_bps: 5}; "
        "with --trials also a range: embargo=int:3..10, x=float:0.1..0.9, x=log:0.001..1",
    )
    sweep.add_argument(
        "--trials",
        type=int,
        default=None,
        metavar="N",
        help="an Optuna study of N trials (seeded TPE, maximising the backtest Sharpe net of "
        "costs) instead of the grid",
    )
    sweep.add_argument(
        "--seed",
        type=int,
        default=None,
        help="the study's sampler seed (default 0; the same seed suggests the same trials)",
    )
    sweep.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="scheduler of an existing Dask cluster (default: MI_DASK_SCHEDULER, else a "
        "LocalCluster on 127.0.0.1)",
    )
    sweep.add_argument("--workers", type=int, default=2, help="workers of a local cluster")
    sweep.add_argument("--notebooks", default=None, help="the notebooks folder")
    sweep.add_argument("--no-cache", action="store_true", help="execute every step")
    sweep.set_defaults(func=cmd_sweep)
    sch = sub.add_parser(
        "schedule",
        help="run pipelines on cron schedules (schedules.yml) until stopped; firings go to the "
        "ledger",
    )
    sch.add_argument("--file", default=None, help="the schedules file (default: schedules.yml)")
    sch.add_argument("only", nargs="*", help="schedule names to run (default: all)")
    sch.set_defaults(func=cmd_schedule)
    add_commands(sub, rsub)
    sub.add_parser("mcp", help="serve the eight tools over MCP (stdio)").set_defaults(func=cmd_mcp)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except MIError as exc:
        for line in str(exc).splitlines() or [""]:  # several bad parameters: one line each
            print(f"mi: error: {line}", file=sys.stderr)
        return 1 if exc.__class__.__name__ == "PipelineError" else 2


if __name__ == "__main__":
    sys.exit(main())

"""The eight tools of the specification: the API spine.

Notebooks, the CLI, the dashboards and the MCP server all call these. Inputs and outputs are
URIs of artifacts inside a run (``run://<run_id>/<path>``); every tool writes into the
*current* run (see :func:`mi_kernel.runstore.use_run` / :func:`mi_kernel.session`), and emits
an Event Envelope with its lineage. The datasets a tool reads through ``mi_kernel.data`` are
recorded as the run's inputs, with their content hashes, by the run itself
(:func:`mi_kernel.runstore.context.record_read`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from mi_kernel.errors import ComplianceError, ConfigError, DataError, RunError
from mi_kernel.governance.publish import PUBLISHED
from mi_kernel.governance.registry import gate_book, gate_model
from mi_kernel.governance.roles import Action, require
from mi_kernel.risk.report import json_number
from mi_kernel.runstore import RunContext, current_run, sha256_file, sha256_frame, sha256_json
from mi_kernel.runstore.context import read_parquet
from mi_kernel.runstore.store import meta_relpath
from mi_kernel.schemas import PortfolioInstruction, TargetPosition, conform
from mi_kernel.schemas.tables import utc_bound
from mi_kernel.telemetry import traced

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _slug(text: str) -> str:
    return _SAFE.sub("-", str(text)).strip("-") or "x"


def _read(ctx: RunContext, uri: str) -> pd.DataFrame:
    return read_parquet(ctx.resolve(uri), uri)


def _compact(df: pd.DataFrame) -> pd.DataFrame:
    """Floats as float32 for storage (features, predictions, held weights: the bulk of a run).

    Seven significant digits is far finer than any of them is known; run tables are read
    back as float64 (:func:`mi_kernel.runstore.context.read_parquet`).
    """
    floats = df.select_dtypes("float64").columns
    return df.astype(dict.fromkeys(floats, "float32"))


def _write_new(ctx: RunContext, df: pd.DataFrame, relpath: str, meta: dict[str, Any]) -> str:
    if (ctx.dir / relpath).exists():
        raise RunError(
            f"{relpath} was already written in run {ctx.run_id}; products are immutable — "
            "pass another name= or start a new run"
        )
    uri = ctx.write_table(df, relpath)
    ctx.write_json(meta, meta_relpath(relpath))
    return uri


# -- 1. fetch_market_data --------------------------------------------------------------------
@traced("fetch_market_data")
def fetch_market_data(
    symbols: Sequence[str] | None,
    start: str | None,
    end: str | None,
    source: str = "sp500_ohlcv",
    name: str = "bars",
) -> str:
    """Load canonical bars from a catalog source into the run; return the parquet URI.

    ``symbols`` empty or None means every symbol the source has.
    """
    from mi_kernel import data

    ctx = current_run()
    bars = data.load_bars(source, list(symbols) if symbols else None, start, end)
    if bars.empty:
        whole = data.load_bars(source, list(symbols) if symbols else None)
        have = (
            f"{whole['ts'].min():%Y-%m-%d} .. {whole['ts'].max():%Y-%m-%d}"
            if len(whole)
            else "no rows at all for these symbols"
        )
        raise DataError(
            f"the window start={start!r} end={end!r} selects no rows of {source!r} "
            f"(it has {have}); choose dates inside that range"
        )
    digest = sha256_frame(bars)
    names = sorted(bars["symbol"].unique())
    meta = {
        "source": source,
        "symbols": names,
        "start": start,
        "end": end,
    }
    uri = _write_new(ctx, bars, f"data/{_slug(name)}.parquet", {**meta, "sha256": digest})
    ctx.emit(
        "market_data.fetched",
        {"uri": uri, "rows": len(bars), "symbols": len(names), "source": source},
        parents=[f"catalog://{source}"],
        dataset_hash=digest,
    )
    return uri


# -- 2. quality_report -----------------------------------------------------------------------
@traced("quality_report")
def quality_report(
    dataset_uri: str, expected_symbols: Sequence[str] | None = None
) -> dict[str, Any]:
    """Check a bars table; quarantine bad rows with reasons; return ``{score, anomalies, ...}``.

    Writes ``quality/clean_bars.parquet`` (what later steps use), ``quality/quarantine.parquet``
    and ``quality/report.json``. Every input row is in exactly one of clean or quarantine.
    """
    from mi_kernel import quality

    ctx = current_run()
    bars = _read(ctx, dataset_uri)
    result = quality.run_checks(bars, expected_symbols=expected_symbols)
    parent = ctx.read_meta(dataset_uri)
    clean_uri = _write_new(
        ctx, result.clean, "quality/clean_bars.parquet", {**parent, "parent": dataset_uri}
    )
    q_uri = ctx.write_table(result.quarantine, "quality/quarantine.parquet")
    report = {
        **result.to_dict(),
        "dataset_uri": dataset_uri,
        "clean_uri": clean_uri,
        "quarantine_uri": q_uri,
        "rows_in": len(bars),
        "rows_clean": len(result.clean),
        "rows_quarantined": int(result.quarantine["row_id"].nunique()),
    }
    ctx.write_json(report, "quality/report.json")
    ctx.emit(
        "quality.checked",
        {k: report[k] for k in ("score", "rows_in", "rows_clean", "rows_quarantined")},
        parents=[dataset_uri],
        dataset_hash=sha256_frame(result.clean),
    )
    return report


# -- 3. compute_features ---------------------------------------------------------------------
@traced("compute_features")
def compute_features(
    parquet_uri: str, recipe_id: str = "core", market: str | None = "auto", news_uri: str = ""
) -> str:
    """Compute a feature recipe over a bars table; return the feature table URI.

    ``market="auto"`` uses the S&P 500 index for betas when it covers the window, else the
    equal-weighted universe return (said in the table's metadata); ``None`` forces the latter.
    ``news_uri`` is the news step's signals table (``news/signals.parquet``: one row per story
    and linked symbol, with ``ts_known``), read only by recipes with a ``news`` input.
    """
    from mi_kernel import data, features

    ctx = current_run()
    bars = _read(ctx, parquet_uri)
    market_series, market_name = None, "equal-weighted universe"
    if market == "auto":
        index = data.load_benchmark("sp500")
        lo, hi = bars["ts"].min(), bars["ts"].max()
        if index.index.min() <= lo and index.index.max() >= hi:
            market_series, market_name = index, "S&P 500 index"
    recipe = features.get_recipe(recipe_id)
    source = ctx.read_meta(parquet_uri).get("source", "")
    extra: dict[str, Any] = {}
    if "fundamentals" in recipe.inputs:
        extra["fundamentals"] = data.load_fundamentals(source)
    if "sectors" in recipe.inputs:
        extra["sectors"] = data.load_sectors(source).set_index("symbol")["sector"]
    if recipe.macro_sources:
        extra["macro"] = {k: v for k, v in data.load_macro().items() if k in recipe.macro_sources}
    if "news" in recipe.inputs:
        if not news_uri:
            raise ConfigError(
                f"recipe {recipe_id!r} counts news stories: pass news_uri=, the news step's "
                "signals (run://<run_id>/news/signals.parquet, written by notebook 14_news)"
            )
        extra["news"] = _read(ctx, news_uri)
    table = features.compute_features(bars, recipe_id, market=market_series, **extra)
    # stored as float32 (as Qlib stores features): 7 significant digits is far finer than any
    # feature is known, and it halves the largest table of a run
    table = _compact(table)
    meta = {
        "recipe_id": recipe_id,
        "recipe_digest": recipe.digest,
        "inputs": sorted(extra),
        "bars_uri": parquet_uri,
        **({"news_uri": news_uri} if "news" in extra else {}),
        "market": market_name,
        "features": [c for c in table.columns if c not in ("ts", "symbol")],
        "dtype": "float32",
    }
    uri = _write_new(ctx, table, f"features/{_slug(recipe_id)}.parquet", meta)
    ctx.emit(
        "features.computed",
        {"uri": uri, "rows": len(table), "recipe_id": recipe_id},
        parents=[parquet_uri],
        dataset_hash=sha256_frame(table),
    )
    return uri


# -- 4. train_model --------------------------------------------------------------------------
@traced("train_model")
def train_model(
    feature_table_uri: str, label_def: str = "fwd_ret_5d", config: Mapping[str, Any] | None = None
) -> str:
    """Train walk-forward (purged, embargoed), register the model and card; return its version."""
    from mi_kernel import labels, models
    from mi_kernel.models.persist import ESTIMATOR_FILE

    ctx = current_run()
    feats = _read(ctx, feature_table_uri)
    meta = ctx.read_meta(feature_table_uri)
    if "bars_uri" not in meta:
        raise ConfigError(
            f"{feature_table_uri} has no recorded bars lineage; compute it with compute_features()"
        )
    bars = _read(ctx, meta["bars_uri"])
    lab = labels.make_labels(bars, label_def)  # NaN returns stay NaN labels: not trained on
    cfg = models.TrainConfig.model_validate(dict(config or {}))
    model = models.train(feats, lab, label_def, cfg, inputs=(feature_table_uri,))
    folder = f"models/{model.model_version}"
    models.save(model, ctx.path(folder))
    ctx.write_table(_compact(model.oos), f"{folder}/oos_predictions.parquet")
    ctx.record_model(
        {
            "model_version": model.model_version,
            "name": model.card.name,
            "uri": ctx.uri(folder),
            "run_id": ctx.run_id,
            "owner": cfg.owner,
            "maker": require(Action.REGISTER_MODEL),
            "purpose": cfg.purpose or f"predict {label_def} cross-sectionally",
            "intended_use": cfg.intended_use,
            "limitations": list(cfg.limitations) + list(model.card.caveats),
            "risk_tier": cfg.risk_tier,
            "label": label_def,
            "estimator": model.card.estimator,
            "features": list(model.card.features),
            "train_start": model.card.train_start.isoformat(),
            "train_end": model.card.train_end.isoformat(),
            "metrics": {k: json_number(float(v)) for k, v in model.card.metrics.items()},
            "estimator_sha256": sha256_file(ctx.path(f"{folder}/{ESTIMATOR_FILE}")),
        }
    )
    ctx.emit(
        "model.registered",
        {
            "model_version": model.model_version,
            "uri": ctx.uri(folder),
            "metrics": model.card.metrics,
        },
        parents=[feature_table_uri, meta["bars_uri"]],
    )
    return model.model_version


def _registration(model_version: str, ctx: RunContext) -> dict[str, Any]:
    """A model trained by this run (not sealed yet), else its registration in the ledger."""
    own = ctx.models().get(model_version)
    if own is not None:
        return own
    found = [e for e in ctx.store.ledger.find("model_registered", model_version)]
    if not found:
        raise ConfigError(
            f"model version {model_version!r} is not registered; train it with train_model() "
            "or list the inventory with `mi models list`"
        )
    return dict(found[-1].detail)


def model_uri(model_version: str, ctx: RunContext | None = None) -> str:
    """Where a registered model lives."""
    ctx = ctx or current_run()
    return str(_registration(model_version, ctx)["uri"])


def load_model(model_version: str, ctx: RunContext | None = None) -> Any:
    """Load a registered model; its estimator file must hash to the registered sha256.

    The estimator is a joblib pickle: it is only unpickled after its bytes are checked
    against the hash recorded when it was trained (and, for a sealed run, the manifest's).
    """
    from mi_kernel import models

    ctx = ctx or current_run()
    reg = _registration(model_version, ctx)
    folder = ctx.resolve(str(reg["uri"]))
    return models.load(folder, estimator_sha256=reg.get("estimator_sha256"))


# -- 5. score_signals ------------------------------------------------------------------------
@traced("score_signals")
def score_signals(
    model_version: str, asof: str | None = None, features_uri: str | None = None
) -> str:
    """Score the model on the features known at ``asof`` (default: latest); return the topic URI.

    ``features_uri`` is the feature table to score (default: the one the model was trained
    on); in stage and prod the model must be approved there (``mi models promote``).

    The signals table follows the Signal schema (score, confidence, model_version,
    top_features as JSON of ``[feature, contribution]``).
    """
    from mi_kernel import models

    ctx = current_run()
    status = gate_model(ctx.store.ledger, model_version, ctx.store.environment)
    model = load_model(model_version, ctx)
    feature_uri = features_uri or model.card.inputs[0]
    feats = _read(ctx, feature_uri)
    when = pd.Timestamp(asof, tz="UTC") if asof else feats["ts"].max()
    known = feats[feats["ts"] <= when]
    if known.empty:
        raise ConfigError(
            f"no features are known at asof={asof!r}; the table starts {feats['ts'].min()}"
        )
    latest = known[known["ts"] == known["ts"].max()]
    signals = models.predict(model, latest)
    signals = signals.assign(model_version=model_version)
    signals = conform(signals, "signals")
    stamp = signals["ts"].max().strftime("%Y-%m-%d")
    uri = _write_new(
        ctx,
        signals,
        f"signals/{_slug(model_version)}/{stamp}.parquet",
        {
            "model_version": model_version,
            "model_status": status,
            "asof": stamp,
            "features_uri": feature_uri,
        },
    )
    ctx.emit(
        "signals.scored",
        {"uri": uri, "asof": stamp, "n": len(signals)},
        parents=[feature_uri, model_uri(model_version, ctx)],
        dataset_hash=sha256_frame(signals),
        ts_event=signals["ts"].max().to_pydatetime(),
    )
    return uri


# -- 6. run_backtest -------------------------------------------------------------------------
NO_ACTIONS_WARNING = (
    "NO CORPORATE ACTIONS: the bars' source has no corporate-action table, so splits and "
    "dividends are not applied; a split in the raw prices shows as a price jump."
)

NO_TRADES_WARNING = (
    "NO TRADES: the strategy never traded in this window (its look-back may be longer than "
    "the data); there is no performance to report and no tear sheet."
)


@traced("run_backtest")
def run_backtest(
    strategy_id: str,
    start: str | None = None,
    end: str | None = None,
    costs: Mapping[str, Any] | None = None,
    constraints: Mapping[str, Any] | None = None,
    bars_uri: str | None = None,
    benchmark: str | None = "sp500",
    params: Mapping[str, Any] | None = None,
    execution: Mapping[str, Any] | None = None,
    oos_start: str | None = None,
    capacity: bool = True,
    scenarios: Sequence[str] = (),
    limits: Mapping[str, Any] | None = None,
    tearsheet: bool = True,
    book: Mapping[str, Any] | None = None,
    policies: Mapping[str, Any] | None = None,
) -> str:
    """Backtest a strategy on the run's clean bars with the engine; return its report's URI.

    ``strategy_id`` is a registered strategy (``mi_kernel.backtest.STRATEGIES``) or
    ``model:<model_version>``, which trades the model's walk-forward out-of-sample predictions.
    ``book`` is a book definition (``mi_kernel.portfolio.BookDefinition``: limits,
    construction, optimizer, policies), the same a published portfolio is built from; a model
    traded with a book is built by it (rank construction or the optimizer, rebalanced point in
    time) and guarded by its policies inside the simulation. ``constraints`` (a compliance
    book) and ``params`` (rank construction) are the older, book-less way; ``policies``
    overrides the book's. The engine trades the raw bars with the source's corporate actions
    and point-in-time universe when the catalog has them (a report without them carries a
    loud warning). Every backtest is a trial in the ledger; the deflated Sharpe ratio counts
    every variant ever tried on the same data. ``costs`` is a cost model stating every rate
    of ``mi_kernel.backtest.Costs`` or a base (``{"base": "default", "spread_bps": 10}``;
    a partial mapping is refused; None = ``Costs.defaults()``); the report records the
    model applied, every field, as ``cost_model``. ``oos_start`` splits the report in-sample /
    out-of-sample. ``scenarios`` (keys of ``mi_kernel.backtest.SCENARIOS``) replay stresses on
    the same book against ``limits`` (default: ``backtest.limits_for_book`` of the book).
    Writes report.json, returns, P&L attribution, fills, held weights, policy events,
    rebalances, the capacity curve, the scenario table and (unless ``tearsheet`` is False) a
    quantstats tear sheet under ``backtests/<id>/``.
    """
    from mi_kernel import backtest, compliance, data, labels, portfolio
    from mi_kernel.governance import trials as gov_trials

    ctx = current_run()
    bars_uri = bars_uri or _default_bars(ctx)
    bars = _read(ctx, bars_uri)
    source = ctx.read_meta(bars_uri).get("source", "")
    actions, universe = data.load_actions(source), data.load_membership(source)
    cost_cfg = backtest.as_costs(costs)  # every rate or a base; None = Costs.defaults()
    ex = backtest.as_execution(dict(execution or {}))
    definition = None
    if book is not None:
        definition = portfolio.as_book_definition(book)
        if source in data.UNIVERSES:
            table = data.load_sectors(source)
            definition = definition.with_sectors(
                dict(zip(table["symbol"].astype(str), table["sector"].astype(str), strict=True))
            )
    compliance_book = (
        definition.book()
        if definition
        else compliance.Book.model_validate(dict(constraints))
        if constraints
        else None
    )
    pol = (
        backtest.as_policies(dict(policies))
        if policies is not None
        else (definition.policies if definition else None)
    )
    parents, rebalances = [bars_uri], None
    clip = (lambda w: compliance.apply_limits(w, compliance_book)) if compliance_book else None
    if strategy_id.startswith("model:"):
        version = strategy_id.removeprefix("model:")
        folder_uri = model_uri(version, ctx)
        oos = _read(ctx, f"{folder_uri}/oos_predictions.parquet")
        scores = _window(
            oos.rename(columns={"prediction": "score"})[["ts", "symbol", "score"]], start, end
        )
        if definition is None:
            weights = backtest.apply_constraints(
                portfolio.signals_to_weights(scores, **dict(params or {})), clip
            )
        else:
            card = load_model(version, ctx).card
            horizon = labels.parse_label_def(card.label).horizon
            t1 = utc_bound(end, "end")
            history = bars if t1 is None else bars[bars["ts"] <= t1]
            weights, rebalances = backtest.book_weights(
                scores, history, definition, cost_cfg, horizon, actions=actions
            )
        market = backtest.window_market(bars, start, end, actions=actions, universe=universe)
        parents.append(folder_uri)
    else:
        weights, market = backtest.prepare(
            strategy_id,
            bars,
            start,
            end,
            clip,
            actions=actions,
            universe=universe,
            **dict(params or {}),
        )
    variant: dict[str, Any] = {"params": dict(params or {}), "constraints": dict(constraints or {})}
    if definition is not None:
        variant["book"] = definition.record()
    data_hash = ctx.hash_of(bars_uri)
    ev = backtest.evaluate(
        weights,
        market,
        strategy_id=strategy_id,
        variant=variant,
        costs=cost_cfg,
        execution=ex,
        policies=pol,
        prior_trials=gov_trials.prior_sharpes(ctx.store.ledger, data_hash),
        data_hash=data_hash,
        on_trial=lambda vid, sharpe, n_obs: gov_trials.record_trial(
            ctx.store.ledger,
            ctx.run_id,
            vid,
            strategy_id,
            data_hash,
            sharpe,
            n_obs,
            {"step": ctx.step},
        ),
        start=start,
        end=end,
        capacity=capacity,
        scenarios=scenarios,
        limits=backtest.Limits.model_validate(dict(limits)) if limits is not None else None,
        book=definition,
        rebalances=rebalances,
    )
    described = {  # the cost model applied is in the report: result.cost_model, every field
        "execution": ex.model_dump(),
        "book": definition.name if definition is not None else None,
    }
    return _write_backtest(
        ctx, ev, strategy_id, benchmark, oos_start, actions, bars_uri, tearsheet, parents, described
    )


def _write_backtest(
    ctx: RunContext,
    ev: Any,
    strategy_id: str,
    benchmark: str | None,
    oos_start: str | None,
    actions: pd.DataFrame | None,
    bars_uri: str,
    tearsheet: bool,
    parents: list[str],
    described: dict[str, Any],
) -> str:
    from mi_kernel import data, reporting

    result = ev.result
    level = data.load_benchmark(benchmark) if benchmark else None
    bench = level.pct_change().dropna() if level is not None else None
    report = reporting.backtest_report(
        result,
        bench,
        n_trials=ev.deflated["n_trials"],
        sr_variance=ev.deflated["trial_sharpe_var"],
        split=oos_start,
    )
    if actions is None:
        report["warnings"] = [*report["warnings"], NO_ACTIONS_WARNING]
    events = result.policy_events
    report.update(
        strategy_id=strategy_id,
        variant_id=ev.variant_id,
        **described,
        bars_uri=bars_uri,
        trials=ev.deflated,
        bootstrap=ev.bootstrap,
        policy_events=events.drop(columns=["ts"])
        .assign(ts=events["ts"].astype(str))
        .to_dict(orient="records")
        if len(events)
        else [],
    )
    folder = f"backtests/{_slug(strategy_id)}"
    ctx.write_table(
        result.returns.rename("returns").to_frame().reset_index(), f"{folder}/returns.parquet"
    )
    ctx.write_table(result.attribution.reset_index(), f"{folder}/attribution.parquet")
    ctx.write_table(result.trades, f"{folder}/fills.parquet")
    if result.positions is not None and result.market is not None:
        held = result.weights.rename_axis(index="ts", columns="symbol").stack().rename("weight")
        held = _compact(held[held != 0].reset_index())
        ctx.write_table(held, f"{folder}/weights.parquet")  # what was held: for surveillance
    ctx.write_table(events, f"{folder}/policy_events.parquet")
    for event in events.itertuples():
        ctx.emit(
            "policy.triggered",
            {
                "strategy_id": strategy_id,
                "policy": event.policy,
                "action": event.action,
                "message": event.message,
            },
            parents=[bars_uri],
            ts_event=pd.Timestamp(event.ts).to_pydatetime(),
        )
    if ev.rebalances is not None:
        report["rebalances_uri"] = ctx.write_table(ev.rebalances, f"{folder}/rebalances.parquet")
    if ev.capacity is not None:
        report["capacity_uri"] = ctx.write_table(ev.capacity, f"{folder}/capacity.parquet")
    if ev.scenarios is not None:
        table = ev.scenarios.reset_index()
        report["scenarios"] = table.to_dict(orient="records")
        report["scenarios_uri"] = ctx.write_table(table, f"{folder}/scenarios.parquet")
    report["tearsheet_uri"] = None
    if result.trades.empty:
        report["warnings"] = [*report["warnings"], NO_TRADES_WARNING]
    elif tearsheet:
        tear = reporting.tearsheet(
            result.returns,
            bench,
            ctx.path(f"{folder}/tearsheet.html"),
            title=f"{strategy_id} — mi backtest",
            benchmark_title=data.BENCHMARK_TITLES.get(benchmark or "", benchmark or "Benchmark"),
        )
        report["tearsheet_uri"] = ctx.uri(f"{folder}/{tear.name}")
    uri = ctx.write_json(reporting.jsonable(report), f"{folder}/report.json")
    ctx.emit("backtest.completed", {"uri": uri, "strategy_id": strategy_id}, parents=parents)
    return uri


def _default_bars(ctx: RunContext) -> str:
    for rel in ("quality/clean_bars.parquet", "data/bars.parquet"):
        if (ctx.dir / rel).exists():
            return ctx.uri(rel)
    raise RunError(
        f"run {ctx.run_id} has no bars yet: call fetch_market_data() first or pass bars_uri"
    )


def _window(df: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    if start:
        mask &= df["ts"] >= pd.Timestamp(start, tz="UTC")
    if end:
        mask &= df["ts"] <= pd.Timestamp(end, tz="UTC")
    return df[mask]


# -- 7. pretrade_check -----------------------------------------------------------------------
@traced("pretrade_check")
def pretrade_check(signals_topic: str, book: Mapping[str, Any]) -> dict[str, Any]:
    """Check proposed positions against a book: ``{ok: True}`` or ``{ok: False, violations}``.

    ``signals_topic`` is a signals table (turned into weights with the book's
    ``construction`` settings) or a weights table (checked as it is).
    """
    from mi_kernel import compliance

    ctx = current_run()
    weights = _as_weights(ctx, signals_topic, book)
    result = compliance.check(weights, _compliance_book(book))
    out = result.to_dict()
    ctx.write_json(
        {**out, "checked": signals_topic}, f"compliance/pretrade-{_slug(sha256_json(out))[:8]}.json"
    )
    ctx.emit(
        "pretrade.checked",
        {"ok": out["ok"], "n_violations": len(out.get("violations", []))},
        parents=[signals_topic],
    )
    return out


def _compliance_book(book: Mapping[str, Any]) -> Any:
    """The compliance limits of a book definition (which may also carry its construction,
    optimizer and policies)."""
    from mi_kernel import portfolio

    return portfolio.as_book_definition(book).book()


def _as_weights(ctx: RunContext, uri: str, book: Mapping[str, Any]) -> pd.DataFrame:
    from mi_kernel import portfolio

    table = _read(ctx, uri)
    if "weight" in table.columns:
        return table
    if "score" not in table.columns:
        raise ConfigError(f"{uri} is neither a signals table (score) nor a weights table (weight)")
    return portfolio.signals_to_weights(table, **dict(book.get("construction", {})))


def _risk_record(ctx: RunContext, risk_uri: str | None) -> dict[str, Any]:
    if risk_uri is None:
        return {}
    record = json.loads(ctx.resolve(risk_uri).read_text())
    record.get("liquidity", {}).pop("days", None)  # per-name days stay in the risk file
    return {**record, "uri": risk_uri}


# -- 8. publish_portfolio --------------------------------------------------------------------
@traced("publish_portfolio")
def publish_portfolio(
    targets: str,
    book: Mapping[str, Any],
    risk_uri: str | None = None,
    model_version: str | None = None,
) -> str:
    """Publish target weights as a Portfolio Instruction, through the pre-trade check and the gate.

    Raises :class:`ComplianceError` (and publishes nothing) when the targets violate the book.
    The gate (:mod:`mi_kernel.governance.registry`) then asks for an e-signed approval of this
    exact book definition by someone other than the publisher, and for ``model_version`` (the
    model whose signals built the targets) to be approved: with both the instruction is
    ``published``; without, it is a ``draft`` in dev and refused in stage and prod. Returns
    the ``portfolio_version``; the instruction is written to
    ``portfolio/published/<version>.json`` and
    the publication, signed by the publisher, is recorded in the ledger. The instruction
    records how the book was built (``book``: a book definition with its construction,
    optimizer and parameters, constraints and policies) and, given ``risk_uri`` (the JSON
    written by ``backtest.book_risk``), its risk at approval.
    """
    from mi_kernel import compliance, portfolio

    who = require(Action.PUBLISH)
    ctx = current_run()
    definition = portfolio.as_book_definition(book)
    weights = _as_weights(ctx, targets, book)
    latest = weights[weights["ts"] == weights["ts"].max()] if "ts" in weights else weights
    b = definition.book()
    result = compliance.check(latest, b)
    if not result.ok:
        raise ComplianceError(
            f"publication of {targets} refused: {len(result.violations)} pre-trade violation(s): "
            + "; ".join(v.message for v in result.violations[:5])
        )
    env, ledger = ctx.store.environment, ctx.store.ledger
    if model_version is None and env != "dev":
        raise ComplianceError(f"publication in {env} needs the model_version the targets came from")
    model_status = gate_model(ledger, model_version, env) if model_version else None
    book_hash = sha256_json(definition.record())
    approvers = gate_book(ledger, b.name, book_hash, who, env)
    approved = bool(approvers) and model_status in (None, "approved", "deployed")
    content = {"targets": latest[["symbol", "weight"]].to_dict("records"), "book": b.name}
    version = f"{_slug(b.name)}-{sha256_json(content)[:12]}"
    ts = latest["ts"].max().to_pydatetime() if "ts" in latest else datetime.now(UTC)
    instr = PortfolioInstruction(
        portfolio_version=version,
        ts=ts,
        book=b.name,
        targets=tuple(
            TargetPosition(symbol=str(sym), weight=float(w))
            for sym, w in zip(latest["symbol"], latest["weight"], strict=True)
            if abs(float(w)) > 0
        ),
        source_signals=targets,
        approvals=tuple(approvers),
        status="published" if approved else "draft",
        construction={
            "method": definition.optimizer.method if definition.optimizer else "ranks",
            "book_hash": book_hash,
            "model_version": model_version,
            "model_status": model_status,
            **definition.record(),
        },
        risk=_risk_record(ctx, risk_uri),
    )
    uri = ctx.write_json(json.loads(instr.model_dump_json()), f"{PUBLISHED}/{version}.json")
    detail = {
        "uri": uri,
        "book": b.name,
        "status": instr.status,
        "environment": env,
        "book_hash": book_hash,
        "approvers": list(approvers),
        "model_version": model_version,
        "model_status": model_status,
        "run_id": ctx.run_id,
    }
    ledger.append("publication", version, who, detail, sign=True)
    ctx.emit(
        "portfolio.published",
        {"portfolio_version": version, "uri": uri, "status": instr.status},
        parents=[targets],
    )
    return version


__all__ = [
    "compute_features",
    "fetch_market_data",
    "load_model",
    "model_uri",
    "pretrade_check",
    "publish_portfolio",
    "quality_report",
    "run_backtest",
    "score_signals",
    "train_model",
]

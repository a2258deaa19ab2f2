"""Check a pipeline's parameters before a run starts: one line per bad parameter, with the fix.

``mi run`` calls :func:`validate_pipeline` before any run folder exists, so a bad source,
symbol, date window, estimator or fold layout fails in about a second with a line naming
the parameter and what to do, instead of inside a notebook half a minute later with a
failed run left behind. Only the parameters a pipeline declares are checked:

- every parameter against the type and bounds of the agent field of the same name
  (:mod:`mi_kernel.agents.params`: ``n_splits >= 2``, ``embargo >= 0``, ...);
- ``source`` is a bars source of the catalog, ``sector_source`` a source with sectors;
- ``symbols`` are in the source; ``start``/``end`` are dates that select bars of them; at
  least :data:`MIN_CROSS_SECTION` symbols trade in the window (feature ranks, the rank IC
  and a long/short book rank symbols against each other on every date); ``asof`` and
  ``oos_start`` fall inside the window;
- ``label_def`` parses; ``estimators`` are registered keys that fit the label's kind;
  ``recipe_id`` is registered and ``features`` are columns of it;
- the training step's walk-forward (``n_splits``, ``embargo``, the label horizon) and its
  nested CV (:attr:`TrainingParams.nested_splits`) keep training dates in every fold on the
  window's sessions: the splitters themselves are run on those dates;
- ``costs``, ``execution``, ``book``, ``scenarios`` and ``baselines`` parse as the notebooks
  will parse them.

The checks that load the model, model-selection, feature and backtest stacks (seconds of
imports: longer than an unchanged re-run from the step cache) run for the parameters in
``changed`` and those that depend on them; ``changed=None`` runs every check.
``mi run`` passes the parameters given with ``-p`` that differ from the declared defaults,
and the declared defaults themselves are checked in full by the test suite.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from mi_kernel.errors import ConfigError, MIError, ParameterError
from mi_kernel.pipeline.spec import PipelineSpec, load_pipeline

#: Fewest symbols a cross-sectional step can rank: with two, every rank IC is +1 or -1.
MIN_CROSS_SECTION = 3

#: The heavy checks and the parameters each depends on (a check runs when one is changed).
_DEPENDS: dict[str, frozenset[str]] = {
    "estimators": frozenset({"estimators", "label_def"}),
    "recipe": frozenset({"recipe_id", "features", "source"}),
    "folds": frozenset({"source", "symbols", "start", "end", "n_splits", "embargo", "label_def"}),
    "costs": frozenset({"costs"}),
    "execution": frozenset({"execution"}),
    "book": frozenset({"book"}),
    "scenarios": frozenset({"scenarios"}),
    "baselines": frozenset({"baselines"}),
}


class _Problems(list[str]):
    """The problem lines found so far, one per bad parameter."""

    def add(self, name: str, value: Any, text: str) -> None:
        self.append(f"{name}={shown(value)}: {one_line(text)}")


_PYDANTIC_COUNT = re.compile(r":? ?\d+ validation errors? for \w+$")
_PYDANTIC_TYPE = re.compile(r"\s*\[type=.*$")


def one_line(text: str) -> str:
    """Fold an error message onto one line (a pydantic report becomes ``field: message``)."""
    lines = [s.strip() for s in text.splitlines()]
    lines = [s for s in lines if s and not s.startswith("For further information")]
    if not lines:
        return ""
    head, rest = _PYDANTIC_COUNT.sub("", lines[0]), lines[1:]
    # pydantic writes each error as a line with its location, then one with its message
    pairs = [
        f"{loc}: {_PYDANTIC_TYPE.sub('', msg)}"
        for loc, msg in zip(rest[::2], rest[1::2], strict=False)
    ]
    return "; ".join([head, *pairs])


def shown(value: Any) -> str:
    """Write a parameter value as ``-p`` takes it (lists comma-separated, dicts as JSON)."""
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        text = json.dumps(value, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def validate_pipeline(
    name: str, overrides: Mapping[str, Any] | None = None, folder: Path | None = None
) -> dict[str, Any]:
    """Resolve pipeline ``name``'s parameters with ``overrides`` and check them.

    The heavy checks run for the overrides that differ from the declared defaults (see the
    module docstring). Returns the resolved parameters.

    Raises
    ------
    ConfigError
        An unknown pipeline or parameter, or a value of the wrong type (as
        :meth:`PipelineSpec.resolve_parameters` raises it).
    ParameterError
        One line per bad parameter, each naming it and the fix.
    """
    spec = load_pipeline(name, folder)
    params = spec.resolve_parameters(dict(overrides or {}))
    changed = {k for k in overrides or {} if params[k] != spec.parameters.get(k)}
    validate_parameters(spec, params, changed)
    return params


def validate_parameters(
    spec: PipelineSpec, params: Mapping[str, Any], changed: Collection[str] | None = None
) -> None:
    """Check resolved ``params`` of ``spec``; raise :class:`ParameterError` listing problems.

    ``changed`` names the parameters that differ from the declared defaults; the heavy
    checks of the others are skipped. None (the default) runs every check.
    """
    problems = check_parameters(spec, params, changed)
    if problems:
        raise ParameterError("\n".join(problems))


def check_parameters(
    spec: PipelineSpec, params: Mapping[str, Any], changed: Collection[str] | None = None
) -> list[str]:
    """Return one line per bad parameter of ``params`` (empty: all good)."""
    p = {k: v for k, v in params.items() if k in spec.parameters}
    out = _Problems()
    _typed(p, out)
    if out:  # the checks below rely on the types: fix these first
        return list(out)
    bars = _source(p, out)
    _sector_source(p, out)
    horizon = _label(p, out)
    sessions = _window(p, bars, out) if bars is not None else None
    wanted = set(p) if changed is None else set(changed)
    heavy: dict[str, Callable[[], None]] = {
        "estimators": lambda: _estimators(p, out),
        "recipe": lambda: _recipe(p, out),
        "folds": lambda: _folds(p, sessions, horizon, out),
        "costs": lambda: _parsed(p, "costs", "mi_kernel.backtest.costs", "as_costs", out),
        "execution": lambda: _parsed(p, "execution", "mi_kernel.backtest", "as_execution", out),
        "book": lambda: _parsed(p, "book", "mi_kernel.portfolio", "as_book_definition", out),
        "scenarios": lambda: _each(p, "scenarios", "mi_kernel.backtest", "get_scenario", out),
        "baselines": lambda: _each(p, "baselines", "mi_kernel.backtest", "get_strategy", out),
    }
    for check, run in heavy.items():
        uses = _DEPENDS[check] & set(p)
        if uses and uses & wanted and not any(line.split("=", 1)[0] in uses for line in out):
            run()
    return list(out)


# -- cheap checks: pydantic, the data registry, the label grammar, one read of the bars ----
def _typed(p: Mapping[str, Any], out: _Problems) -> None:
    """Type and bounds of every parameter an agent declares (agents' parameter models)."""
    from mi_kernel.agents import parameter_field

    for name, value in p.items():
        info = parameter_field(name)
        if info is None:
            continue
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type]
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            msg = exc.errors()[0]["msg"]
            hint = f" ({info.description})" if info.description else ""
            out.add(name, value, f"{msg[0].lower()}{msg[1:]}{hint}")


def _bar_sources() -> list[str]:
    from mi_kernel.data import SOURCES
    from mi_kernel.schemas.tables import TableName

    return sorted(n for n, s in SOURCES.items() if s.info.table == TableName.BARS)


def _source(p: Mapping[str, Any], out: _Problems) -> pd.DataFrame | None:
    """The source's bars (ts, symbol), or None when there is no usable ``source``."""
    if "source" not in p or not isinstance(p["source"], str):
        return None
    from mi_kernel.data import SOURCES, load_bars

    name = p["source"]
    if name not in _bar_sources():
        what = f"holds {SOURCES[name].info.table}, not bars" if name in SOURCES else "is unknown"
        out.add("source", name, f"{what}; use a bars source: {', '.join(_bar_sources())}")
        return None
    try:
        return load_bars(name)[["ts", "symbol"]]
    except MIError as exc:
        out.add("source", name, f"cannot be read: {exc}")
        return None


def _sector_source(p: Mapping[str, Any], out: _Problems) -> None:
    if not isinstance(p.get("sector_source"), str):
        return
    from mi_kernel.data import SOURCES, UNIVERSES
    from mi_kernel.schemas.tables import TableName

    name = p["sector_source"]
    universes = {n for n, s in SOURCES.items() if s.info.table == TableName.UNIVERSE}
    if name not in UNIVERSES and name not in universes:
        have = sorted({*UNIVERSES, *universes})
        out.add("sector_source", name, f"has no sectors; use one of {', '.join(have)}")


def _label(p: Mapping[str, Any], out: _Problems) -> int | None:
    """The label horizon in sessions, or None."""
    if not isinstance(p.get("label_def"), str):
        return None
    from mi_kernel.labels import parse_label_def

    try:
        return parse_label_def(p["label_def"]).horizon
    except ConfigError as exc:
        out.add("label_def", p["label_def"], str(exc))
        return None


def _window(p: Mapping[str, Any], bars: pd.DataFrame, out: _Problems) -> pd.DatetimeIndex | None:
    """Symbols, dates and breadth of the window; its sessions, or None when it is unusable."""
    from mi_kernel.schemas.tables import utc_bound

    source = p["source"]
    symbols = [str(s) for s in p.get("symbols") or []]
    have = pd.Index(bars["symbol"].unique())
    unknown = [s for s in dict.fromkeys(symbols) if s not in have]
    if unknown:
        near = {s: difflib.get_close_matches(s, have.astype(str), n=1) for s in unknown}
        hints = "".join(f" ({s}: did you mean {m[0]}?)" for s, m in near.items() if m)
        out.add(
            "symbols",
            symbols,
            f"{source} has no {', '.join(unknown[:10])}{hints}; leave symbols empty for all "
            f"{len(have)} symbols, or list them with mi_kernel.data.list_symbols({source!r})",
        )
        return None
    bounds = {}
    for key in ("start", "end"):
        try:
            bounds[key] = utc_bound(p.get(key), key)
        except ConfigError:
            out.add(key, p.get(key), "is not a date; write it as YYYY-MM-DD, e.g. 2010-01-31")
    if len(bounds) < 2:
        return None
    lo, hi = bounds["start"], bounds["end"]
    chosen = bars[bars["symbol"].isin(symbols)] if symbols else bars
    first, last = chosen["ts"].min(), chosen["ts"].max()
    span = f"{source} has bars from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    if lo is not None and hi is not None and lo > hi:
        out.add("start", p["start"], f"is after end={p['end']}; swap them")
        return None
    if lo is not None and lo > last:
        out.add("start", p["start"], f"is after the last bar: {span}; choose a start before it")
        return None
    if hi is not None and hi < first:
        out.add("end", p["end"], f"is before the first bar: {span}; choose an end after it")
        return None
    inside = chosen[(chosen["ts"] >= (lo or first)) & (chosen["ts"] <= (hi or last))]
    breadth = inside.groupby("ts")["symbol"].nunique()
    if "symbols" in p and (breadth.empty or breadth.max() < MIN_CROSS_SECTION):
        trading = sorted(inside["symbol"].unique())
        out.add(
            "symbols",
            symbols,
            f"{len(trading)} symbol(s) trade in the window, but feature ranks, the rank IC and "
            "the long/short book rank symbols against each other on every date: name at "
            f"least {MIN_CROSS_SECTION} (e.g. symbols=AAPL,MSFT,IBM) or leave symbols empty "
            f"for all {len(have)}",
        )
        return None
    sessions = pd.DatetimeIndex(breadth.index)
    _inside(p, "asof", sessions, "null for the last", out)
    _inside(p, "oos_start", sessions, "null for no split", out)
    return sessions


def _inside(
    p: Mapping[str, Any], key: str, sessions: pd.DatetimeIndex, unset: str, out: _Problems
) -> None:
    from mi_kernel.schemas.tables import utc_bound

    if p.get(key) is None:
        return
    try:
        ts = utc_bound(p[key], key)
    except ConfigError:
        out.add(key, p[key], "is not a date; write it as YYYY-MM-DD, e.g. 2010-04-01")
        return
    if ts is not None and not sessions[0] < ts <= sessions[-1]:
        out.add(
            key,
            p[key],
            f"is outside the window's sessions ({sessions[0]:%Y-%m-%d} to "
            f"{sessions[-1]:%Y-%m-%d}); pick a date after the first and up to the last, or "
            f"{unset}",
        )


# -- heavy checks: registries and splitters of the model, feature and backtest stacks -----
def _estimators(p: Mapping[str, Any], out: _Problems) -> None:
    from mi_kernel.labels import parse_label_def
    from mi_kernel.models import make_estimator

    names = list(p.get("estimators") or [])
    if not names:
        out.add("estimators", names, "name at least one, e.g. estimators=ridge")
        return
    kind = parse_label_def(p["label_def"]).kind if "label_def" in p else "regression"
    for name in names:
        try:
            make_estimator(str(name), kind=kind)
        except ConfigError as exc:
            out.add("estimators", names, str(exc))
            return


def _recipe(p: Mapping[str, Any], out: _Problems) -> None:
    from mi_kernel.features import get_recipe

    try:
        recipe = get_recipe(str(p.get("recipe_id", "core")))
    except ConfigError as exc:
        out.add("recipe_id", p.get("recipe_id"), str(exc))
        return
    if "news" in recipe.inputs and not _news_linked(p):
        out.add(
            "recipe_id",
            p.get("recipe_id"),
            f"recipe {recipe.name!r} counts the news step's stories, and source "
            f"{p.get('source')!r} has no text of its own: the news step reads the 1987 "
            "Reuters stories there, which share no date with its bars (every news feature "
            "would be empty); use source=synthetic_bars, whose news names its tickers",
        )
        return
    missing = [f for f in p.get("features") or [] if f not in recipe.columns]
    if missing:
        out.add(
            "features",
            p["features"],
            f"recipe {recipe.name!r} has no column(s) {', '.join(missing)}; choose from its "
            f"{len(recipe.columns)} columns (mi_kernel.features.recipe_info({recipe.name!r})) "
            "or leave features empty for all of them",
        )


def _news_linked(p: Mapping[str, Any]) -> bool:
    """Whether the news step reads text linked to the bars' own dates and tickers."""
    from mi_kernel.data import text_for

    return text_for(str(p.get("source", "")), str(p.get("documents") or "")).linked


def _folds(
    p: Mapping[str, Any], sessions: pd.DatetimeIndex | None, horizon: int | None, out: _Problems
) -> None:
    """Run the training step's splitters on the window's labelled sessions."""
    if sessions is None or horizon is None or "n_splits" not in p:
        return
    from mi_kernel.agents import TrainingParams
    from mi_kernel.model_selection import PurgedKFold, PurgedWalkForward

    n_splits, embargo = int(p["n_splits"]), int(p.get("embargo", 0))
    nested = int(TrainingParams.model_fields["nested_splits"].default)
    dates = np.arange(max(len(sessions) - horizon, 0))  # the last `horizon` have no label
    ends = dates + horizon
    layout = f"{len(sessions)} sessions from {sessions[0]:%Y-%m-%d} to {sessions[-1]:%Y-%m-%d}"
    try:
        if len(dates) < 2:
            raise ConfigError("no labelled dates")
        list(PurgedWalkForward(n_splits, embargo).split(None, groups=dates, label_end=ends))
        outer = PurgedWalkForward(nested, embargo)
        for train, _ in outer.split(None, groups=dates, label_end=ends):
            inner = PurgedKFold(nested, embargo)
            list(inner.split(None, groups=dates[train], label_end=ends[train]))
    except ConfigError:
        out.append(
            f"n_splits={n_splits}, embargo={embargo}, label_def={p.get('label_def')}: "
            f"the window holds {layout}, too few for every training fold to keep dates after "
            f"purging {horizon} and embargoing {embargo} sessions (walk-forward of {n_splits} "
            f"folds, nested CV of {nested}); widen the window (start/end), or lower n_splits, "
            "embargo or the label horizon",
        )


def _parsed(p: Mapping[str, Any], key: str, module: str, parser: str, out: _Problems) -> None:
    """Parse ``p[key]`` with ``module.parser`` (the function the notebooks call)."""
    if key not in p:
        return
    import importlib

    try:
        getattr(importlib.import_module(module), parser)(p[key])
    except MIError as exc:
        out.add(key, p[key], str(exc))


def _each(p: Mapping[str, Any], key: str, module: str, getter: str, out: _Problems) -> None:
    """Look every name of ``p[key]`` up with ``module.getter`` (a registry's accessor)."""
    if key not in p:
        return
    import importlib

    get = getattr(importlib.import_module(module), getter)
    for name in p[key] or []:
        try:
            get(str(name))
        except MIError as exc:
            out.add(key, p[key], str(exc))
            return


__all__ = [
    "MIN_CROSS_SECTION",
    "check_parameters",
    "shown",
    "validate_parameters",
    "validate_pipeline",
]

"""Declared pipelines: a DAG (here, an ordered list) of notebooks with parameters and products.

Pipelines live in ``notebooks/pipelines.yml``::

    demo:
      description: ...
      parameters: {source: sp500_ohlcv, ...}      # defaults; `mi run demo -p source=...` overrides
      steps:
        - name: ingest
          notebook: 01_ingest.ipynb
          products: [data/bars.parquet]           # must exist in the run after the step
        - name: quality
          notebook: 02_quality.ipynb
          after: [ingest]

A step receives every pipeline parameter its notebook declares in its ``parameters`` cell, plus
``run_id``, ``runs_root`` and ``step``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mi_kernel.errors import ConfigError

PIPELINES_FILE = "pipelines.yml"


class StepSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    notebook: str
    after: tuple[str, ...] = ()
    parameters: dict[str, Any] = Field(default_factory=dict)
    products: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()  # folders it writes besides its products' (the step cache)
    report: bool = False  # also render a code-free HTML report of the executed notebook
    cache: bool = True  # False: always execute (never served from a copy)
    # a step that publishes through the gate: its cache key includes the gate's state (see
    # mi_kernel.governance.gate), so it is reused only where the gate would decide the same, and
    # a reuse does not publish twice (the ledger keeps the earlier run's publication)
    governed: bool = False

    @property
    def owned(self) -> tuple[str, ...]:
        """The run folders this step owns: its products' and those it declares in ``writes``."""
        tops = {p.split("/", 1)[0] for p in self.products if "/" in p}
        return tuple(sorted({f"{t.strip('/')}/" for t in (*tops, *self.writes)}))


class PipelineSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    steps: tuple[StepSpec, ...]

    @model_validator(mode="after")
    def _check_dag(self) -> PipelineSpec:
        seen: set[str] = set()
        owner: dict[str, str] = {}
        for step in self.steps:
            for folder in step.owned:
                if folder in owner:
                    raise ValueError(
                        f"steps {owner[folder]!r} and {step.name!r} both write {folder}: each run "
                        "folder belongs to one step (the step cache copies a step's folders; a "
                        "sub-folder may belong to another step)"
                    )
                owner[folder] = step.name
            if step.name in seen:
                raise ValueError(f"step name {step.name!r} is used twice")
            missing = [a for a in step.after if a not in seen]
            if missing:
                raise ValueError(
                    f"step {step.name!r} runs after {missing}, which are not declared before it"
                )
            seen.add(step.name)
        return self

    def resolve_parameters(self, overrides: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(overrides) - set(self.parameters))
        if unknown:
            raise ConfigError(
                f"pipeline {self.name!r} has no parameter(s) {unknown}; "
                f"its parameters are {sorted(self.parameters)}"
            )
        out = dict(self.parameters)
        for key, value in overrides.items():
            default = self.parameters[key]
            out[key] = _coerce(key, value, default)
        return out


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Coerce a CLI string to the type of the default (lists from comma-separated text)."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    try:
        if isinstance(default, bool):
            if value.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(value)
            return value.lower() in {"true", "1", "yes"}
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(default, dict):
            parsed = yaml.safe_load(value)
            if not isinstance(parsed, dict):
                raise ValueError(value)
            return parsed
    except ValueError as exc:
        raise ConfigError(
            f"parameter {key}={value!r} is not a valid {type(default).__name__} "
            f"(default {default!r})"
        ) from exc
    return value


def notebooks_dir(start: Path | None = None) -> Path:
    from mi_kernel.runstore import project_root

    root = project_root(start)
    if root is None or not (root / "notebooks" / PIPELINES_FILE).exists():
        raise ConfigError(
            "cannot find notebooks/pipelines.yml: run from inside the mi project (the folder "
            "with catalog.yml) or pass the notebooks folder explicitly"
        )
    return root / "notebooks"


def load_pipelines(folder: Path | None = None) -> dict[str, PipelineSpec]:
    folder = folder or notebooks_dir()
    raw = yaml.safe_load((folder / PIPELINES_FILE).read_text()) or {}
    specs = {}
    for name, body in raw.items():
        try:
            specs[name] = PipelineSpec.model_validate({"name": name, **body})
        except ValueError as exc:
            raise ConfigError(
                f"pipeline {name!r} in {folder / PIPELINES_FILE} is invalid: {exc}"
            ) from exc
        for step in specs[name].steps:
            if not (folder / step.notebook).exists():
                raise ConfigError(
                    f"pipeline {name!r} step {step.name!r} names {step.notebook}, "
                    f"which is not in {folder}"
                )
    return specs


def load_pipeline(name: str, folder: Path | None = None) -> PipelineSpec:
    specs = load_pipelines(folder)
    if name not in specs:
        raise ConfigError(f"no pipeline {name!r}; declared pipelines: {sorted(specs)}")
    return specs[name]

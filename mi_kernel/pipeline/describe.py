"""Describe a pipeline's parameters for people: name, default, type and help, as a table.

The type and the help of a parameter come from the agent field of the same name
(:mod:`mi_kernel.agents.params`: its annotation and ``description``), the default from
``pipelines.yml``. ``mi pipelines`` prints :func:`parameter_table` and :data:`OVERRIDES`.
"""

from __future__ import annotations

import shutil
import textwrap
import types
import typing
from dataclasses import dataclass
from typing import Any

import yaml

from mi_kernel.pipeline.spec import PipelineSpec

#: How ``-p KEY=VALUE`` is read, printed under the tables and in ``mi run --help``.
OVERRIDES = (
    "-p KEY=VALUE overrides one parameter (repeat -p for more); VALUE is read as the default's "
    "type: text and numbers as written; a list is comma-separated (-p symbols=AAPL,MSFT,IBM; "
    "-p symbols= for an empty list); a dict is a YAML mapping that REPLACES the default "
    "whole, it is not merged with it (-p 'execution={participation: 0.05}'); costs state "
    "every rate or a base: -p 'costs={base: zero}', -p 'costs={base: default, spread_bps: 10}'."
    " Every value is checked before the run starts."
)


@dataclass(frozen=True)
class ParameterDoc:
    """One parameter of a pipeline, as ``mi pipelines`` shows it."""

    name: str
    default: str
    type: str
    help: str


def type_name(annotation: Any) -> str:
    """Name a parameter's type for people: ``list of str``, ``str or null``, ``dict``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        named = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(named) + (" or null" if type(None) in args else "")
    if origin in (tuple, list):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict or annotation is dict:
        return "dict"
    return getattr(annotation, "__name__", str(annotation))


def default_text(value: Any, width: int = 32) -> str:
    """Write a default compactly (YAML flow style), cut to ``width`` characters."""
    if value is None:
        text = "null"
    elif isinstance(value, str):
        text = value
    else:
        text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
        text = text.strip().removesuffix("...").strip()
    return text if len(text) <= width else text[: width - 3] + "..."


def parameter_docs(spec: PipelineSpec) -> list[ParameterDoc]:
    """Return the parameters of ``spec`` in declaration order, described."""
    from mi_kernel.agents import parameter_field

    out = []
    for name, default in spec.parameters.items():
        info = parameter_field(name)
        if info is not None:
            kind, text = type_name(info.annotation), info.description or ""
        else:
            kind, text = ("str or null" if default is None else type(default).__name__), ""
        if kind == "dict":
            text += " (-p replaces the whole mapping)"
        out.append(ParameterDoc(name, default_text(default), kind, text.strip()))
    return out


def parameter_table(spec: PipelineSpec, width: int | None = None) -> str:
    """Return ``spec``'s parameters as a text table, the help column wrapped to ``width``."""
    width = width or max(shutil.get_terminal_size((100, 20)).columns, 80)
    docs = parameter_docs(spec)
    head = ParameterDoc("parameter", "default", "type", "help")
    cols = [max(len(getattr(d, f)) for d in (head, *docs)) for f in ("name", "default", "type")]
    left = sum(cols) + 2 * len(cols)
    wrap = max(width - left, 30)
    lines = []
    for d in (head, *docs):
        cells = [d.name.ljust(cols[0]), d.default.ljust(cols[1]), d.type.ljust(cols[2])]
        helps = textwrap.wrap(d.help, wrap) or [""]
        lines.append(("  ".join(cells) + "  " + helps[0]).rstrip())
        lines += [" " * left + h for h in helps[1:]]
    return "\n".join(lines)


__all__ = ["OVERRIDES", "ParameterDoc", "default_text", "parameter_docs", "parameter_table"]

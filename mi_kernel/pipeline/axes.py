"""The axes of a sweep, as ``mi sweep -p`` writes them.

- listed values, the axes of a grid and the categorical axes of a study: ``embargo=5,10``,
  lists bracketed ``estimators=[ridge],[ridge,lgbm]`` (the brackets dropped: the pipeline
  reads "ridge,lgbm" as a list), mappings braced ``costs={base: default, commission_bps: 5}``
  (kept: the pipeline reads them as YAML, each replacing the default whole);
- ranges, searched by an Optuna study (``--trials N``): ``embargo=int:3..10`` (whole numbers,
  both ends included), ``gamma=float:0.1..0.9`` (uniform), ``alpha=log:0.001..1`` (uniform in
  the logarithm; both ends above 0).

Every spelling mistake is a :class:`~mi_kernel.errors.ConfigError` of one line naming the
axis and the fix, raised before any run is created.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from mi_kernel.errors import ConfigError

#: A list value ``[a,b]`` (brackets dropped) or a mapping ``{k: v, ...}`` (kept).
_GROUP = re.compile(r"\[([^\]]*)\]|(\{[^}]*\})")
#: A range: its kind, then ``low..high``.
_RANGE = re.compile(r"^(int|float|log):(.*\.\..*)$")


class RangeKind(StrEnum):
    """How a range axis is sampled."""

    INT = "int"  # whole numbers, uniform
    FLOAT = "float"  # uniform
    LOG = "log"  # uniform in the logarithm


#: An example of each kind, quoted in errors.
_EXAMPLE = {RangeKind.INT: "3..10", RangeKind.FLOAT: "0.1..0.9", RangeKind.LOG: "0.001..1"}


@dataclass(frozen=True)
class Range:
    """A range axis of a study: every value from ``low`` to ``high``, both included."""

    kind: RangeKind
    low: float
    high: float

    def ends(self) -> list[str]:
        """Both ends, written as the pipeline reads them."""
        return [self.show(self.low), self.show(self.high)]

    def show(self, value: float) -> str:
        """Write a value of this range as ``-p`` takes it: a whole number for ``int``, else
        six significant digits (what the run is given, recorded and labelled with)."""
        if self.kind is RangeKind.INT:
            return str(int(value))
        return str(float(f"{value:.6g}"))


def _split(pair: str) -> tuple[str, str]:
    key, sep, text = pair.partition("=")
    if not sep or not key.strip() or not text.strip():
        raise ConfigError(f"sweep axis {pair!r} is not key=value[,value...] (e.g. -p embargo=5,10)")
    return key.strip(), text.strip()


def _values(pair: str, text: str) -> list[str]:
    if text[0] in "[{":
        values = [listed or mapping for listed, mapping in _GROUP.findall(text)]
        if _GROUP.sub("", text).strip(", ") or not values:
            raise ConfigError(
                f"sweep axis {pair!r}: list values are bracketed and comma-separated, "
                "e.g. -p estimators=[ridge],[ridge,lgbm]; mappings are braced, e.g. "
                "-p costs={base: default, commission_bps: 1},{base: default, commission_bps: 5}"
            )
        return values
    values = [v.strip() for v in text.split(",")]
    if any(v == "" for v in values):
        raise ConfigError(f"sweep axis {pair!r} has an empty value")
    return values


def _range(pair: str, key: str, kind: RangeKind, text: str) -> Range:
    fix = f"-p {key}={kind}:{_EXAMPLE[kind]}"
    low_text, _, high_text = text.partition("..")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise ConfigError(
            f"sweep axis {pair!r}: the ends of a range are numbers, low..high, e.g. {fix}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ConfigError(f"sweep axis {pair!r}: the ends of a range are finite, e.g. {fix}")
    if kind is RangeKind.INT and not (low.is_integer() and high.is_integer()):
        raise ConfigError(f"sweep axis {pair!r}: an int range has whole-number ends, e.g. {fix}")
    if low > high:
        swapped = f"{kind}:{low_text.strip()}..{high_text.strip()}"
        flipped = f"{kind}:{high_text.strip()}..{low_text.strip()}"
        raise ConfigError(
            f"sweep axis {pair!r}: a range runs low..high; write -p {key}={flipped} "
            f"instead of {swapped}"
        )
    if kind is RangeKind.LOG and low <= 0:
        raise ConfigError(
            f"sweep axis {pair!r}: a log range has ends above 0, e.g. {fix} "
            f"(or -p {key}=float:{text.strip()} for a uniform range)"
        )
    return Range(kind, low, high)


def parse_dimension(pair: str) -> tuple[str, list[str] | Range]:
    """``key=v1,v2`` (listed values) or ``key=int:3..10`` (a range) -> (key, values or range)."""
    key, text = _split(pair)
    ranged = _RANGE.match(text)
    if ranged:
        return key, _range(pair, key, RangeKind(ranged[1]), ranged[2])
    return key, _values(pair, text)


def parse_axis(pair: str) -> tuple[str, list[str]]:
    """``key=v1,v2``, ``key=[a,b],[c]`` (list values) or ``key={a: 1},{a: 2}`` (mappings, each
    replacing the default whole: ``{base: default, commission_bps: 5}`` for costs)
    -> (key, values). A range is refused: only a study (``--trials N``) searches one."""
    key, values = parse_dimension(pair)
    if isinstance(values, Range):
        raise ConfigError(
            f"sweep axis {pair!r} is a range: search it with --trials N (an Optuna study), "
            f"or list the values of a grid, e.g. -p {key}={','.join(values.ends())}"
        )
    return key, values


def _unique(keys: list[str]) -> None:
    if len(set(keys)) != len(keys):
        raise ConfigError(f"sweep axes name a parameter twice: {keys}")


def grid(axes: Sequence[str]) -> list[dict[str, str]]:
    """Every combination of the axes (``-p`` values), in the order given."""
    parsed = [parse_axis(a) for a in axes]
    keys = [k for k, _ in parsed]
    _unique(keys)
    combos = itertools.product(*(v for _, v in parsed))
    return [dict(zip(keys, combo, strict=True)) for combo in combos]


def space(axes: Sequence[str]) -> dict[str, list[str] | Range]:
    """The search space of a study: each axis's listed values or range, in the order given."""
    parsed = [parse_dimension(a) for a in axes]
    _unique([k for k, _ in parsed])
    return dict(parsed)


__all__ = ["Range", "RangeKind", "grid", "parse_axis", "parse_dimension", "space"]

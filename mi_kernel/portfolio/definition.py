"""A book's definition: its limits, how it is built, and the policies that guard it.

One frozen model read from a pipeline's ``book`` parameter, so that notebook 06, the
pre-trade check, ``publish_portfolio`` and ``run_backtest`` build and judge the same book::

    name, restricted, max_position, max_sector, max_gross, max_net, min_net, sectors
                       -> the compliance limits (:class:`mi_kernel.compliance.Book`)
    construction       -> the rank construction (:func:`signals_to_weights`), used when
                          there is no optimizer
    optimizer          -> :class:`OptimizerSpec` (None = rank construction)
    policies           -> :class:`mi_kernel.risk.Policies` acting inside backtests
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError

from mi_kernel.compliance import Book
from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.book import OptimizerSpec
from mi_kernel.portfolio.constraints import Constraints, constraints_from_book
from mi_kernel.risk.policies import Policies

_LIMITS = tuple(Book.model_fields)


class BookDefinition(Book):
    """Everything that defines a book (frozen; :func:`as_book_definition` parses a dict).

    The compliance limits are :class:`mi_kernel.compliance.Book`'s fields (inherited, same
    meaning); ``construction``, ``optimizer`` and ``policies`` say how the book is built and
    guarded.
    """

    construction: dict[str, Any] = Field(default_factory=dict)
    optimizer: OptimizerSpec | None = None
    policies: Policies | None = None

    def limits(self) -> dict[str, Any]:
        """Return the compliance fields as a dict."""
        return {k: getattr(self, k) for k in _LIMITS}

    def book(self) -> Book:
        """Return the compliance :class:`Book` of these limits."""
        return Book.model_validate(self.limits())

    def constraints(self) -> Constraints:
        """Return the optimizer :class:`Constraints` of these limits (same meaning)."""
        long_only = bool(self.optimizer and self.optimizer.long_only)
        extra = self.optimizer.constraints if self.optimizer else {}
        return constraints_from_book(self.limits(), long_only=long_only, **extra)

    def with_sectors(self, sectors: Mapping[str, str]) -> BookDefinition:
        """Return a copy whose sector map is ``sectors`` (names the book has win)."""
        return self.model_copy(update={"sectors": {**dict(sectors), **self.sectors}})

    def record(self) -> dict[str, Any]:
        """Return a JSON-able record without the sector map (for instructions and reports)."""
        return self.model_dump(mode="json", exclude={"sectors"})


def as_book_definition(value: BookDefinition | Mapping[str, Any]) -> BookDefinition:
    """Parse a pipeline's ``book`` into a :class:`BookDefinition`.

    Raises
    ------
    ConfigError
        Naming the field, on an unknown key, a bad value or an unknown optimizer.
    """
    if isinstance(value, BookDefinition):
        return value
    try:
        out = BookDefinition.model_validate(dict(value))
    except ValidationError as exc:
        raise ConfigError(f"invalid book definition: {exc}") from exc
    if out.optimizer is not None:
        out.optimizer.check()
    return out

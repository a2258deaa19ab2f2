"""Constraints shared by every optimizer: a frozen config (build from a dict or from a book).

Weights are signed fractions of equity. Long-only books hold ``0 <= w_i <= max_position``;
long/short books ``|w_i| <= max_position`` with the gross (``Σ|w_i|``) capped. Sector and
country caps are on the **gross** exposure of the group (as in :class:`compliance.Book`),
which also caps its net exposure. ``beta_band`` needs the assets' betas at ``fit``;
``max_turnover`` (``Σ|w_i − w_prev,i|``) the previous weights (default: none held).
``max_names`` is met by a stated heuristic: solve, keep the largest ``max_names`` positions,
solve again on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mi_kernel.compliance import Book
from mi_kernel.errors import ConfigError


class Constraints(BaseModel):
    """Limits of an optimised book (frozen; ``Constraints.model_validate(dict)``).

    Attributes
    ----------
    long_only : bool
        No short positions.
    budget : float or None
        Net exposure ``Σ w_i`` fixed to this value (default 1 for long-only; set None and use
        ``min_net``/``max_net`` for a long/short book).
    min_net, max_net : float or None
        Band of the net exposure when ``budget`` is None.
    max_gross : float or None
        Cap on ``Σ|w_i|``.
    max_position : float
        Cap on ``|w_i|``.
    max_sector, sector_caps, sectors : float, dict, dict
        Cap on every sector's gross exposure, per-sector overrides, and symbol -> sector
        (names without one form the sector "Unknown").
    max_country, country_caps, countries : float, dict, dict
        The same per country.
    beta_band : (float, float) or None
        Band of the book's beta ``Σ w_i β_i``.
    max_names : int or None
        Most positions held (heuristic, see the module docstring).
    restricted : tuple of str
        Names that must have weight 0.
    max_turnover : float or None
        Cap on ``Σ|w_i − w_prev,i|``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    long_only: bool = True
    budget: float | None = 1.0
    min_net: float | None = None
    max_net: float | None = None
    max_gross: float | None = Field(default=None, gt=0.0)
    max_position: float = Field(default=1.0, gt=0.0)
    max_sector: float | None = Field(default=None, gt=0.0)
    sector_caps: dict[str, float] = Field(default_factory=dict)
    sectors: dict[str, str] = Field(default_factory=dict)
    max_country: float | None = Field(default=None, gt=0.0)
    country_caps: dict[str, float] = Field(default_factory=dict)
    countries: dict[str, str] = Field(default_factory=dict)
    beta_band: tuple[float, float] | None = None
    max_names: int | None = Field(default=None, ge=1)
    restricted: tuple[str, ...] = ()
    max_turnover: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _consistent(self) -> Constraints:
        if self.min_net is not None and self.max_net is not None and self.min_net > self.max_net:
            raise ValueError(f"min_net {self.min_net} is above max_net {self.max_net}")
        if self.beta_band is not None and self.beta_band[0] > self.beta_band[1]:
            raise ValueError(f"beta_band {self.beta_band} must be (low, high) with low <= high")
        if (
            self.budget is None
            and self.min_net is None
            and self.max_net is None
            and (self.max_gross is None)
        ):
            raise ValueError(
                "a book without a budget needs a net band (min_net/max_net) or a max_gross, "
                "otherwise its size is unbounded"
            )
        for name, caps in (("sector_caps", self.sector_caps), ("country_caps", self.country_caps)):
            bad = {k: v for k, v in caps.items() if not v > 0}
            if bad:
                raise ValueError(f"{name} must be positive, got {bad}")
        return self

    def group_caps(self, kind: str) -> tuple[dict[str, str], dict[str, float]]:
        """Return (symbol -> group, group -> cap) for ``kind`` "sector" or "country"."""
        if kind == "sector":
            names, default, caps = self.sectors, self.max_sector, self.sector_caps
        else:
            names, default, caps = self.countries, self.max_country, self.country_caps
        groups = set(names.values()) | set(caps) | {"Unknown"}
        out = {g: caps.get(g, default) for g in groups}
        return dict(names), {g: c for g, c in out.items() if c is not None}


#: Book fields (mi_kernel.compliance.Book) that carry over to optimizer constraints: every
#: limit but the book's name, with the same meaning.
_BOOK_FIELDS = tuple(f for f in Book.model_fields if f != "name")


def as_constraints(value: Constraints | Mapping[str, Any] | None) -> Constraints:
    """Return ``value`` as :class:`Constraints` (None = long-only, fully invested, no caps).

    Raises
    ------
    ConfigError
        Naming the offending field, on an unknown field or an invalid value.
    """
    if value is None:
        return Constraints()
    if isinstance(value, Constraints):
        return value
    try:
        return Constraints.model_validate(dict(value))
    except ValidationError as exc:
        raise ConfigError(f"invalid optimizer constraints: {exc}") from exc


def constraints_from_book(
    book: Mapping[str, Any], long_only: bool = False, **overrides: Any
) -> Constraints:
    """Build :class:`Constraints` from a compliance book's limits (same meaning, same names).

    A long/short book (``long_only=False``) has no budget: its net exposure moves in the
    book's ``[min_net, max_net]`` band. Keys of ``overrides`` replace the book's values.
    """
    fields: dict[str, Any] = {k: book[k] for k in _BOOK_FIELDS if k in book}
    if "restricted" in fields:
        fields["restricted"] = tuple(fields["restricted"])
    if long_only:
        fields.pop("min_net", None)
        fields.pop("max_net", None)
        fields["budget"] = min(1.0, float(book.get("max_gross", 1.0)))
    else:
        fields["budget"] = None
    return as_constraints({**fields, "long_only": long_only, **overrides})

"""The book: a frozen description of the limits a set of target weights must respect."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

UNKNOWN_SECTOR = "Unknown"


class Book(BaseModel):
    """Limits of one book (frozen; build from a dict with ``Book.model_validate``).

    Weights are signed fractions of the book's equity.

    Attributes
    ----------
    name : str
        Name of the book (used in publications).
    restricted : tuple of str
        Symbols that may not be held: their weight must be 0.
    max_position : float
        Cap on ``|weight|`` of any one name.
    max_sector : float
        Cap on the **gross** exposure of a sector (sum of ``|weight|`` of its names), which
        also caps its net exposure. Names without a sector count under "Unknown".
    max_gross : float
        Cap on the book's gross exposure (sum of ``|weight|``).
    max_net, min_net : float
        Band of the book's net exposure (sum of weights); ``min_net <= max_net``.
    sectors : dict of str to str
        Symbol -> sector.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str = "book"
    restricted: tuple[str, ...] = ()
    max_position: float = Field(default=1.0, gt=0.0)
    max_sector: float = Field(default=1.0, gt=0.0)
    max_gross: float = Field(default=2.0, gt=0.0)
    max_net: float = 1.0
    min_net: float = -1.0
    sectors: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _net_band(self) -> Book:
        if self.min_net > self.max_net:
            raise ValueError(
                f"min_net {self.min_net} is above max_net {self.max_net}; "
                "the net band needs min_net <= max_net"
            )
        return self

    def sector_of(self, symbol: str) -> str:
        """Return the sector of ``symbol`` ("Unknown" when the book has none for it)."""
        return self.sectors.get(symbol, UNKNOWN_SECTOR)

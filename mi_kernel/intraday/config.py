"""The stream's settings and the reasons it gives for what it sets aside."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Reason(StrEnum):
    """Why a message is not in a bar as delivered (index = the kernel's reason code)."""

    NONE = "none"
    NO_ID = "no tick id"
    KIND = "unknown message kind"
    SYMBOL = "unknown symbol"
    TIME = "event time outside the session"
    PRICE = "trade price is not a positive finite number"
    SIZE = "trade size is not a positive finite number"
    QUOTE = "quote without a positive finite bid and ask"
    BAD_PRINT = "bad print: trade too far from the symbol's last accepted trade"
    CROSSED = "crossed or locked quote (bid >= ask)"
    LATE = "late beyond the allowed lateness: its bar was already emitted"


#: reasons by kernel code
REASONS = tuple(Reason)


class StreamConfig(BaseModel):
    """How ticks become bars (frozen; unknown keys are refused).

    A bar ``[start, start + bar_seconds)`` is emitted once the watermark (the largest event
    time seen minus ``max_delay_s``) has passed its end plus ``allowed_lateness_s``; a tick
    for a bar already emitted becomes a correction record instead of changing it. Until then,
    each time the largest event time seen crosses a multiple of ``provisional_s`` (from the
    session's open), the open bars that changed are emitted as *provisional*: what they hold
    so far, never stored as final, superseded by the final bar.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bar_seconds: int = Field(
        default=60, ge=1, le=86_400, description="bar length in seconds (300: five-minute bars)"
    )
    max_delay_s: float = Field(
        default=2.0, ge=0.0, description="out-of-orderness the watermark allows"
    )
    allowed_lateness_s: float = Field(
        default=5.0,
        ge=0.0,
        description="how long after its end (by the watermark) a bar stays open",
    )
    max_jump: float = Field(
        default=0.05, gt=0.0, lt=1.0, description="bad print: relative distance from the last trade"
    )
    provisional_s: float | None = Field(
        default=10.0,
        gt=0.0,
        description="event-time seconds between provisional updates of the open bars "
        "(None: final bars only)",
    )

"""Label definitions: parse text like "fwd_ret_5d" into a frozen :class:`LabelSpec`."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.errors import ConfigError

#: Sessions per unit of a label horizon: days, weeks (5 sessions), months (21 sessions).
UNIT_SESSIONS = {"d": 1, "w": 5, "m": 21}
_PATTERN = re.compile(r"^fwd_(?P<what>ret|up)_(?P<n>\d+)(?P<unit>[dwm])$")
_EXAMPLES = "fwd_ret_1d, fwd_ret_5d, fwd_ret_21d, fwd_ret_1w, fwd_ret_1m, fwd_up_5d"


class LabelKind(StrEnum):
    """What an estimator predicts: a forward return, or whether it is positive."""

    REGRESSION = "regression"
    CLASSIFICATION = "classification"


class LabelSpec(BaseModel):
    """A parsed label definition.

    Attributes
    ----------
    text : str
        The definition as written, e.g. ``"fwd_ret_1w"``.
    kind : LabelKind
        ``regression`` for ``fwd_ret_*`` (forward return in bps), ``classification`` for
        ``fwd_up_*`` (1.0 if the forward return is positive, else 0.0).
    horizon : int
        Forward horizon in the symbol's own sessions (1w = 5, 1m = 21).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    kind: LabelKind
    horizon: int = Field(ge=1)


def parse_label_def(text: str) -> LabelSpec:
    """Parse a label definition ``fwd_<ret|up>_<N><d|w|m>``.

    Raises
    ------
    ConfigError
        If ``text`` does not follow the pattern or its horizon is zero.
    """
    match = _PATTERN.match(str(text).strip())
    if match is None or int(match["n"]) < 1:
        raise ConfigError(
            f"cannot parse label definition {text!r}; write fwd_ret_<N><d|w|m> for a forward "
            f"return in bps or fwd_up_<N><d|w|m> for its sign, N >= 1 (e.g. {_EXAMPLES})"
        )
    kind = LabelKind.REGRESSION if match["what"] == "ret" else LabelKind.CLASSIFICATION
    horizon = int(match["n"]) * UNIT_SESSIONS[match["unit"]]
    return LabelSpec(text=str(text).strip(), kind=kind, horizon=horizon)

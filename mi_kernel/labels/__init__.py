"""Labels: forward returns over a symbol's own sessions, with the end timestamp to purge on.

``parse_label_def("fwd_ret_5d")`` gives a :class:`LabelSpec`; ``forward_returns(bars, 5)``
the ``labels`` table in basis points; :func:`make_labels` both at once (0/1 for ``fwd_up``).
"""

from __future__ import annotations

from mi_kernel.labels.forward import BPS, forward_returns, make_labels
from mi_kernel.labels.spec import LabelKind, LabelSpec, parse_label_def

__all__ = ["BPS", "LabelKind", "LabelSpec", "forward_returns", "make_labels", "parse_label_def"]

"""Intraday live view: a synthetic session replayed through the stream, bars/features/signals live.

    .venv/bin/panel serve dashboards/intraday_live.py --address 127.0.0.1 --port 5010

``MI_LIVE_SYMBOLS`` (default 20) names and ``MI_LIVE_SPEED`` (default 300 x real time).
"""

import os

from mi_kernel.viz.intraday_live import build_intraday_live

build_intraday_live(
    n_symbols=int(os.environ.get("MI_LIVE_SYMBOLS", "20")),
    speed=float(os.environ.get("MI_LIVE_SPEED", "300")),
).servable(title="mi intraday live")

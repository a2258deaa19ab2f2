"""The intraday live view, served by Panel and followed in Debian's Chromium, offline: bars,
features and signals appear and keep updating while the replay streams."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel.intraday import StreamConfig
from mi_kernel.viz.intraday_live import LiveState, _marks
from mi_kernel.viz.serve import panel_command
from tests.dashboards.browser import free_port, offline_page, served


def test_live_state_counts_what_the_steps_carry() -> None:
    from mi_kernel.intraday import Step

    state = LiveState(["AAA"])
    state.collect(Step(counts={"accepted": 3, "duplicate": 1}))
    state.collect(Step(counts={"accepted": 2}))
    assert state.drain() == {} and state.counts["accepted"] == 5 and state.counts["duplicate"] == 1
    assert StreamConfig().bar_seconds == 60  # the view's bars are the pipeline's
    bar = {"ts": np.array([0]), "symbol": np.array([0]), "close": np.array([1.0])}
    state.collect(Step(tables={"provisional_bars": bar, "bars": bar}))
    assert set(state.drain()) == {"bars", "provisional_bars"}


def test_rows_are_marked_final_or_provisional_as_of_their_cut() -> None:
    rows = pd.DataFrame(
        {"provisional": [False, True], "ts_as_of": [None, "2024-01-02T14:31:07.5+00:00"]}
    )
    assert _marks(rows).tolist() == ["final", "provisional as of 14:31:07"]
    assert _marks(pd.DataFrame({"provisional": [False]})).tolist() == ["final"]


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_live_view_follows_the_replay_offline(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/intraday_live"
    env = {"MI_LIVE_SYMBOLS": "8", "MI_LIVE_SPEED": "240"}
    with (
        served(panel_command(port, ("intraday_live",)), url, env, tmp_path / "panel.log"),
        offline_page() as page,
    ):
        p = page.page
        p.goto(url)
        p.get_by_text("NOT approved", exact=False).first.wait_for(timeout=120_000)
        page.wait_for_canvases(1)

        def bars() -> int:
            found = re.search(r"bars: ([\d,]+)", page.text())
            return int(found.group(1).replace(",", "")) if found else 0

        first = 0
        for _ in range(120):
            first = bars()
            if first > 0:
                break
            p.wait_for_timeout(500)
        assert first > 0, page.text()[:2000]
        later = first
        for _ in range(60):
            p.wait_for_timeout(500)
            later = bars()
            if later > first:
                break
        assert later > first  # still streaming: the counts moved
        for _ in range(120):  # signals once the longest window (20 bars) has filled
            if '{"' in page.text():  # a signal row's top features (JSON)
                break
            p.wait_for_timeout(500)
        text = page.text()
        assert "watermark" in text and "mom_5" in text and '{"' in text
        assert "provisional as of" in text  # the open bars, marked
        page.screenshot("intraday_live")
        page.check()

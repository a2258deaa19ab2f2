"""The Voila server reads a kernel's reply even when the socket's wake-up is lost."""

from __future__ import annotations

import asyncio
import time
from queue import Empty
from typing import Any

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

from mi_kernel.pipeline import kernels
from mi_kernel.viz.serve import voila_command


class _LostWakeUp:
    """A kernel socket whose message arrives at ``ready_at`` but whose wake-up never comes:
    a poll without a timeout waits for ever, a poll with one looks at the socket when it
    ends (as pyzmq's does)."""

    def __init__(self, ready_at: float | None) -> None:
        self.ready_at = ready_at
        self.polls: list[int | None] = []

    def ready(self) -> bool:
        return self.ready_at is not None and time.monotonic() >= self.ready_at

    async def poll(self, timeout_ms: int | None = None) -> int:
        self.polls.append(timeout_ms)
        if timeout_ms is None:
            await asyncio.Event().wait()  # the edge was consumed: nothing wakes this poll
        await asyncio.sleep(timeout_ms / 1000)
        return 1 if self.ready() else 0


def _channel(socket: _LostWakeUp) -> Any:
    channel = AsyncZMQSocketChannel.__new__(AsyncZMQSocketChannel)
    channel.socket = socket

    async def recv() -> dict[str, Any]:
        return {"msg_type": "execute_reply"}

    channel._recv = recv
    return channel


def test_a_reply_with_a_lost_wake_up_is_read_within_a_slice() -> None:
    kernels.patch_kernel_channels()
    socket = _LostWakeUp(ready_at=time.monotonic() + 0.3)
    t0 = time.monotonic()
    msg = asyncio.run(asyncio.wait_for(_channel(socket).get_msg(timeout=None), 10))
    assert msg == {"msg_type": "execute_reply"}
    assert time.monotonic() - t0 < 0.3 + 2 * kernels.SLICE
    assert None not in socket.polls and max(socket.polls) <= kernels.SLICE * 1000


def test_a_timeout_is_still_a_timeout() -> None:
    kernels.patch_kernel_channels()
    kernels.patch_kernel_channels()  # idempotent
    socket = _LostWakeUp(ready_at=None)
    t0 = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(_channel(socket).get_msg(timeout=0.6))
    assert 0.55 < time.monotonic() - t0 < 0.6 + 2 * kernels.SLICE


def test_mi_dashboards_runs_voila_through_the_patched_server_and_culls_lost_kernels() -> None:
    cmd, _ = voila_command(8866)
    assert cmd[1:3] == ["-m", "mi_kernel.viz.voila_server"]
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in cmd)

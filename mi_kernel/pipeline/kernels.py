"""Kernels for pipeline steps: local IPC transport, optionally one warm kernel per run.

Starting a kernel and importing the scientific stack (pandas, HoloViews, Panel) costs several
seconds per notebook. A *warm* kernel is started once per run and reused by every step; before
each step its user namespace is wiped (``%reset -f``), so a notebook cannot read a variable
another notebook left behind. Imported modules stay loaded — that is the saving. Pass
``fresh=True`` (``mi run --fresh-kernels``) to give every step its own kernel instead.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

from mi_kernel.errors import PipelineError

KERNEL = "python3"
#: Executed once when a warm kernel starts: the imports every agent notebook makes.
PRELOAD = "import pandas, holoviews, mi_kernel, mi_kernel.tools, mi_kernel.viz"


#: the longest one poll of a kernel socket waits before looking at the socket directly (s)
SLICE = 0.25


def patch_kernel_channels() -> None:
    """Make jupyter_client's asyncio channels wait for a message in slices (idempotent).

    nbclient waits for a cell's reply with one asyncio poll of the kernel's ZMQ socket, with
    no timeout unless the cell has one. ZMQ signals readiness on an edge-triggered file
    descriptor, and with several kernel clients in one event loop that edge is now and then
    consumed without waking the poll: the reply sits in the socket, the kernel is idle, and the
    wait never ends (seen in Voila, about one page in ten on a loaded 2-core machine, with
    pyzmq 27.3, jupyter_client 8.10, nbclient 0.11 and ipykernel 7 or 6). Sliced, each poll
    lasts at most :data:`SLICE` seconds, and pyzmq ends a poll that times out with a direct
    ``zmq_poll`` of the socket, which sees a waiting message whether or not its edge was seen.
    """
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "_mi_sliced", False):
        return

    async def get_msg(self: Any, timeout: float | None = None) -> dict[str, Any]:
        """Gets a message if there is one that is ready (waiting at most ``timeout`` s)."""
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            if await self.socket.poll(int(min(SLICE, left) * 1000)):
                return await self._recv()  # type: ignore[no-any-return]
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty

    get_msg._mi_sliced = True  # type: ignore[attr-defined]
    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]


def ipc_kernel_manager() -> type:
    """A kernel manager talking to its kernel over local IPC sockets: no TCP port is opened."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    patch_kernel_channels()  # the steps' kernel clients never wait on a lost wake-up

    class IPCKernelManager(AsyncKernelManager):  # type: ignore[misc]
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _ip_default(self) -> str:
            # Socket files are "<ip>-<n>", relative to the cwd by default: kernels started side
            # by side in one folder would race for the same names. Give each its own folder.
            return str(Path(tempfile.mkdtemp(prefix="mi-kernel-", dir=_socket_root())) / "ipc")

    return IPCKernelManager


@cache
def _socket_root() -> str:
    """One private folder per process for the kernels' socket files, removed at exit."""
    root = tempfile.mkdtemp(prefix="mi-sockets-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def _run(code: str, km: Any) -> None:
    """Execute ``code`` in the kernel of ``km``; raise PipelineError if it fails."""
    from jupyter_client.blocking import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    # A heartbeat missed under load (steps side by side on 2 cores) is not a dead kernel.
    kc.hb_channel.time_to_dead = 30.0
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(
            code, timeout=120, store_history=False, output_hook=lambda _m: None
        )
    finally:
        kc.stop_channels()
    if reply["content"]["status"] != "ok":
        content = reply["content"]
        raise PipelineError(f"warm kernel could not run {code!r}: {content.get('evalue')}")


#: Run between notebooks. pyviz_comms remembers the cell count of the last extension load and
#: skips re-emitting the (inline) Bokeh resources for the "same cell": forget it, so every
#: notebook carries its own copy and renders offline.
RESET = """\
%reset -f
get_ipython().execution_count = 1
import sys as _sys
if "pyviz_comms" in _sys.modules:
    _sys.modules["pyviz_comms"].extension._last_execution_count = None
del _sys
"""


class WarmKernel:
    """One started kernel reused by every step of a run (see module docstring)."""

    def __init__(self, cwd: Path) -> None:
        from jupyter_core.utils import run_sync

        self.km = ipc_kernel_manager()(kernel_name=KERNEL)
        # No history database: the cell counter restarts per notebook, which would collide.
        run_sync(self.km.start_kernel)(
            cwd=str(cwd), extra_arguments=["--HistoryManager.enabled=False"]
        )
        _run(PRELOAD, self.km)

    def reset(self) -> None:
        """Wipe the user namespace and restart cell numbering before the next notebook."""
        _run(RESET, self.km)

    def interrupt(self) -> None:
        """Interrupt the cell running now (a KeyboardInterrupt in the kernel)."""
        from jupyter_core.utils import run_sync

        run_sync(self.km.interrupt_kernel)()

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        run_sync(self.km.shutdown_kernel)(now=True)


def execute_kwargs(warm: WarmKernel | None) -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` selecting the kernel."""
    if warm is None:
        return {"kernel_manager_class": ipc_kernel_manager()}
    warm.reset()
    return {"km": warm.km}

"""A consumer process the resume test kills: ``python -m tests.intraday._consumer URL TOPIC
GROUP STORE SYMBOLS OPEN_NS EVENT N`` consumes until ``hook(EVENT, N)``, then SIGKILLs itself."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from mi_kernel.intraday.redis_bus import RedisBus
from mi_kernel.intraday.store import OfflineStore
from mi_kernel.intraday.stream import IntradayStream, consume


def main(argv: list[str]) -> None:
    url, topic, group, store, symbols, open_ns, event, n = argv
    stream = IntradayStream(symbols.split(","), int(open_ns))

    def hook(name: str, handled: int) -> None:
        if name == event and handled >= int(n):
            os.kill(os.getpid(), signal.SIGKILL)

    consume(RedisBus(url), topic, group, "c1", stream, OfflineStore(Path(store)),
            commit_every=20, hook=hook)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])

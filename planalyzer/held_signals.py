"""Ctrl-C (SIGINT) and SIGTERM held back while a step that must not be cut runs.

A load's COMMIT (and the checkpoint DuckDB runs with it) is either done or not done; an
interrupt that lands in it may leave the transaction durable while DuckDB raises 'Query
interrupted', and the caller cannot tell which. Inside ``held()`` such a signal is noted, not
acted on (DuckDB's query sees no pending interrupt and runs to its end); when the block ends the
handlers are put back and each noted signal is raised again, so it acts as if it came just
after the block: a KeyboardInterrupt (or whatever the handler does) from a known point.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def held() -> Iterator[None]:
    """SIGINT and SIGTERM noted, not handled, while the block runs; raised again (once each)
    when it ends, with the handlers they had before. Outside the main thread (where Python
    handles no signal) and for a signal whose handler Python did not set, nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum: int, frame: Any) -> None:
        if signum not in noted:
            noted.append(signum)

    before: dict[int, Any] = {}
    for sig in HELD:
        if signal.getsignal(sig) is not None:  # None: set outside Python; cannot be put back
            before[sig] = signal.signal(sig, note)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        for signum in noted:
            signal.raise_signal(signum)

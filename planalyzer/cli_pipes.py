"""Standard output read by a pipe that closes early (``planalyzer report ... | head -1``).

The reader took what it wanted and went away; the next write gets BrokenPipeError. typer and
rich both turn that into exit code 1 (rich's ``Console.on_broken_pipe``, typer's EPIPE
handler), which for planalyzer means a finding asked to fail on (``--fail-if-unprofitable``).
``guard_streams`` makes such a write raise ``OutputClosed`` instead, which neither catches;
the command line ends quietly with ``PIPE_CLOSED_EXIT``, the status a shell gives a command
ended by SIGPIPE (128 + 13), as ``seq 1000000 | head -1`` does: no message, no traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any

PIPE_CLOSED_EXIT = 141  # 128 + SIGPIPE: what a shell reports for a command SIGPIPE ended


class OutputClosed(BaseException):  # an exit, as KeyboardInterrupt is, not an error
    """The reader of standard output (or error) closed its end of the pipe. A BaseException,
    so no ``except Exception`` on the way takes it for a failure of the command's work."""


class PipeGuard:
    """A standard stream whose write or flush into a pipe the reader has closed raises
    ``OutputClosed`` rather than BrokenPipeError; everything else is the stream's own."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except BrokenPipeError as exc:
            raise OutputClosed from exc

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError as exc:
            raise OutputClosed from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def guard_streams() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in ``PipeGuard`` (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, PipeGuard):
            setattr(sys, name, PipeGuard(stream))


def end_quietly() -> None:
    """After ``OutputClosed``: point the closed streams at the null device, so what Python
    still holds in their buffers is flushed there at exit (not a second BrokenPipeError, which
    it would report as 'Exception ignored ...' with exit code 120), and exit with
    ``PIPE_CLOSED_EXIT``."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            os.dup2(devnull, stream.fileno())
        except (AttributeError, OSError, ValueError):  # no file descriptor: left as it is
            continue
    os.close(devnull)
    sys.exit(PIPE_CLOSED_EXIT)

"""SIGTERM and SIGHUP end a command the way Ctrl-C does: cleanly, with its own exit code.

By default SIGTERM (what systemd, docker, CI runners and ``timeout`` send) and SIGHUP (a
closed terminal) kill Python on the spot: no ``finally`` runs, so an atomic write leaves
its temporary file behind. :func:`install` makes them raise :class:`Terminated` in the main
thread instead, a :class:`KeyboardInterrupt`, so every clean-up written for Ctrl-C (the
temporary file of :func:`trilat_kg.atomic.write_atomic`, a query's wait) runs for them too,
and the command line exits with 128 + the signal number (143 for SIGTERM, 129 for SIGHUP),
as a shell reports a process killed by it.
"""

from __future__ import annotations

import signal
from types import FrameType

__all__ = ["Terminated", "install"]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM or SIGHUP arrives; ``exit_code`` is 128 + N."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
        self.name = signal.Signals(signum).name


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def install() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (main thread only; else a no-op)."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None:  # pragma: no cover - Windows has no SIGHUP
            continue
        try:
            if signal.getsignal(number) is signal.SIG_IGN:
                continue  # nohup: the user asked for it to be ignored
            signal.signal(number, _raise)
        except ValueError:  # not the main thread (an embedding application)
            return

"""Run a local query under a deadline, interruptible by Ctrl-C, on a stack deep enough.

pyoxigraph has no query timeout and no cancellation, and it releases the GIL while it
evaluates. A query is therefore evaluated in a worker thread while the calling thread
waits in short steps: the deadline is kept to within those steps, and Ctrl-C (which Python
delivers to the main thread) interrupts the wait at once. A query that runs out its
deadline raises :class:`DeadlineExceeded` (exit 1); the worker cannot be stopped from
outside and is abandoned as a daemon thread, which the command line's exit ends. A library
caller gets its thread back at the deadline, while the engine finishes that query in the
background.

The worker gets a stack of :data:`WORKER_STACK` bytes (reserved, not used, until touched),
far more than the 8 MiB of a main thread: the engine's parser and evaluator recurse once
per nesting level, and on 8 MiB a few thousand nested groups overflow the stack and kill
the process with SIGSEGV. With the nesting limit of :mod:`trilat_kg.sparql`
(:data:`~trilat_kg.sparql.MAX_NESTING`) well inside it, no query text can crash the CLI.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .errors import DataError

__all__ = ["DEFAULT_TIMEOUT", "WORKER_STACK", "DeadlineExceeded", "run_with_deadline"]

#: Default deadline of a local query, in seconds (``--timeout`` of ``query`` and ``sparql``).
DEFAULT_TIMEOUT = 60.0
#: Stack size of the query worker thread, in bytes.
WORKER_STACK = 256 * 1024 * 1024
#: How often the waiting thread wakes up, in seconds (the latency of Ctrl-C at worst).
_STEP = 0.1

T = TypeVar("T")
_stack_lock = threading.Lock()


class DeadlineExceeded(DataError):
    """A local query ran longer than its deadline (exit code 1)."""


def _start(target: Callable[[], None], name: str) -> threading.Thread:
    """Start a daemon thread with a :data:`WORKER_STACK` stack (the default where refused)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    with _stack_lock:  # the stack size is process-wide: set it for this one start only
        try:
            previous = threading.stack_size(WORKER_STACK)
        except (ValueError, RuntimeError):  # pragma: no cover - a platform without it
            thread.start()
            return thread
        try:
            thread.start()
        except RuntimeError:  # pragma: no cover - the stack could not be reserved
            threading.stack_size(previous)
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


def run_with_deadline(call: Callable[[], T], timeout: float | None, what: str = "query") -> T:
    """Return ``call()``, evaluated in a worker thread, or raise once ``timeout`` is over.

    ``timeout`` is in seconds (``None``: no deadline, the wait is still interruptible).
    Whatever ``call`` raises is raised here. :class:`DeadlineExceeded` says
    ``WHAT: query exceeded the deadline of N s``; ``KeyboardInterrupt`` reaches the caller
    within a fraction of a second.
    """
    outcome: dict[str, object] = {}

    def worker() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc

    thread = _start(worker, "trilat-kg-query")
    end = None if timeout is None else time.monotonic() + timeout
    while thread.is_alive():
        left = _STEP if end is None else min(_STEP, end - time.monotonic())
        if left <= 0:
            raise DeadlineExceeded(f"{what}: query exceeded the deadline of {timeout:g} s "
                                   "(--timeout SECONDS)")
        thread.join(left)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]

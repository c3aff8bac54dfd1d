"""Errors a user can cause, each with the exit code the CLI turns it into.

The CLI prints ``trilat-kg: error: <message>`` on one line and exits with ``exit_code``;
only ``--debug`` shows a traceback. Library callers catch :class:`TrilatError`.
"""

from __future__ import annotations

__all__ = ["DataError", "LocalIOError", "RemoteError", "TrilatError", "UsageError"]


class TrilatError(Exception):
    """Base of the errors a user can cause; ``exit_code`` follows the documented contract."""

    exit_code = 1


class DataError(TrilatError):
    """Input data is invalid: a parse error, a file that is not UTF-8, an empty dataset."""

    exit_code = 1


class UsageError(TrilatError):
    """A bad parameter, an unknown query, a forbidden SPARQL feature."""

    exit_code = 2


class RemoteError(TrilatError):
    """A remote SPARQL endpoint failed: unreachable, timed out, HTTP error, non-SPARQL reply."""

    exit_code = 3


class LocalIOError(TrilatError):
    """A local file could not be read or written: missing, a directory, no space, no permission."""

    exit_code = 4

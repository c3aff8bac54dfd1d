"""HTTP to remote SPARQL endpoints and Graph Stores, with the guarantees a CLI user needs.

Every call here either returns a complete, well-formed answer or raises one
:class:`~trilat_kg.errors.RemoteError` whose message is one line naming the URL and the
HTTP status (or what went wrong instead): the CLI turns it into exit 3. The guarantees
(reference/bad-inputs.md rows 16-22 and 30-32):

- a **total deadline** per call, covering connection, retries, back-off, headers and body:
  a watchdog shuts the socket down when the deadline passes, so a server that drip-feeds
  one byte a second (which beats any per-read timeout) is cut off on time, and nothing is
  left running in the background;
- **bounded retries** with exponential back-off, only for idempotent requests (queries,
  GSP ``PUT``), only on 5xx, an idle socket timeout or a connection reset, and only while
  the deadline leaves time; never on 4xx; 401/403 say "authentication failed";
- **credentials** go as HTTP Basic, and a 401 that carries a Digest challenge (Virtuoso's
  ``/sparql-graph-crud-auth``) is answered once with RFC 7616 Digest
  (:mod:`trilat_kg.digest`); later requests to that origin answer the same challenge
  straight away, so the password is never sent in the clear again. A server that answers
  the Basic attempt with a bare 401 (no challenge at all: Virtuoso 7 does) is asked once
  more *without* ``Authorization``, which is how it reveals its Digest challenge (what
  ``curl --digest`` does). A second 401 is "authentication failed". The password, the
  Basic token and every Digest response are scrubbed from any text a server sends back;
- **redirects** followed only within the same origin (scheme, host and port) and at most
  three times; a redirect elsewhere is refused naming its target, because following it
  would send the query (and any credentials) to a server the user did not name. A 303
  See Other is followed with ``GET`` and no body (RFC 9110 section 15.4.4); 301, 302, 307
  and 308 keep the method and the body (a SPARQL POST turned into a bare GET would lose
  its query);
- HTTP **206** (Virtuoso's partial "anytime" answer) and any other unexpected status are
  errors, and a reply that is not SPARQL JSON (wrong ``Content-Type``, not JSON, wrong
  shape, nested too deep) is "endpoint returned invalid SPARQL JSON". SPARQL JSON labelled
  ``application/javascript`` or ``text/javascript`` (older endpoints) is accepted, since the
  request lists those types in its ``Accept``;
- an answer **cut by the server** is an error, never shown as if whole: the header
  ``Trilat-Kg-Truncated`` (``trilat-kg serve --max-rows``) or Virtuoso's
  ``X-SPARQL-MaxRows`` (its ``ResultSetMaxRows``, when the answer has that many rows);
- requests say ``Accept-Encoding: identity``, and an answer in another
  ``Content-Encoding`` (gzip from a misconfigured proxy) is refused naming it;
- the body is read in pieces and refused once it passes ``max_bytes`` (a result cap).

Why not SPARQLWrapper's own transport: its ``setTimeout`` bounds each socket read only,
it follows every redirect (to any host, with the ``Authorization`` header), accepts any
2xx, and reads the whole body into memory. It offers no hook for any of these, so the
request travels over :mod:`http.client` here. SPARQLWrapper still *builds* the query
request (:func:`query_request`: the protocol parameters, the ``format``/``output``
parameters Virtuoso and others need, the ``Accept`` header by query form), which keeps
the wire format the issue names and that the parity tests check against a real server.

Proxies from ``http_proxy``/``https_proxy`` are not used: the endpoint is contacted
directly, as named.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from .digest import DigestSession
from .errors import RemoteError, UsageError
from .results import QueryResult

__all__ = [
    "REMOTE_MAX_BYTES",
    "REMOTE_TIMEOUT",
    "Credentials",
    "HTTPStatusError",
    "Response",
    "http_request",
    "query_request",
    "run_remote",
    "same_origin",
    "sparql_select",
    "user_agent",
]

#: Default total deadline of a remote call, in seconds.
REMOTE_TIMEOUT = 60.0
#: Largest remote answer read, in bytes (a result cap, see bad-inputs row 21).
REMOTE_MAX_BYTES = 64 * 1024 * 1024
#: Retries after the first attempt of an idempotent request.
RETRIES = 2
#: First back-off pause in seconds; doubled after every failed attempt.
BACKOFF = 0.5
#: Same-origin redirects followed at most.
MAX_REDIRECTS = 3
#: Media types accepted as SPARQL JSON results (some servers answer plain JSON).
SPARQL_JSON_TYPES = ("application/sparql-results+json", "application/json")
#: Labels older endpoints put on SPARQL JSON; accepted when the request's Accept lists them.
JAVASCRIPT_TYPES = ("application/javascript", "text/javascript")
#: Response headers that say the server cut the answer to a number of rows.
TRUNCATED_HEADER = "Trilat-Kg-Truncated"  # trilat-kg serve --max-rows
MAXROWS_HEADER = "X-SPARQL-MaxRows"  # Virtuoso's ResultSetMaxRows
#: The names SPARQLWrapper gives these statuses, added to messages for its users.
SPARQLWRAPPER_NAMES = {400: "QueryBadFormed", 401: "Unauthorized", 404: "EndPointNotFound",
                       414: "URITooLong", 500: "EndPointInternalError"}
_CHUNK = 1 << 16
_REDIRECTS = (301, 302, 303, 307, 308)
#: Headers that describe a request body, dropped when a 303 turns the request into a GET.
_BODY_HEADERS = ("content-type", "content-length", "content-encoding", "content-language")


def user_agent(purpose: str = "") -> str:
    """The User-Agent of every request: a name, version and contact, as Wikimedia asks."""
    from . import __version__

    detail = f"; {purpose}" if purpose else ""
    return f"trilat-kg/{__version__} (https://w3id.org/trilat-kg/{detail})"


class Credentials:
    """A user name and password for HTTP Basic or Digest auth, kept out of ``repr`` and messages.

    The object remembers, per origin, the Digest challenge last answered (so the next
    request answers it at once instead of sending the password as Basic) and the Digest
    responses it sent (so :meth:`scrub` can remove them from what a server echoes).
    """

    __slots__ = ("_digest", "_sent", "password", "user")

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password
        self._digest: dict[tuple[str, str, int], DigestSession] = {}
        self._sent: list[str] = []

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=<hidden>)"

    def header(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return "Basic " + token

    def authorization(self, method: str, url: str, body: bytes | None = None) -> str:
        """The ``Authorization`` value for a request: Digest once the origin asked for it."""
        parts = urllib.parse.urlsplit(url)
        session = self._digest.get(_origin(parts))
        if session is None:
            return self.header()
        value, response = session.authorization(self.user, self.password, method,
                                                _target(parts), body)
        self._sent.append(response)
        del self._sent[:-256]  # enough for any message; bounded for a long-lived object
        return value

    def take_challenge(self, url: str, value: str) -> bool:
        """Remember the Digest challenge of a 401 from ``url``; False when it has none.

        Raises ValueError naming why when the server asks for Digest in a form not
        supported (an unknown algorithm, a ``qop`` other than auth or auth-int).
        """
        session = DigestSession.from_header(value)
        if session is None:
            return False
        self._digest[_origin(urllib.parse.urlsplit(url))] = session
        return True

    def scrub(self, text: str) -> str:
        """Remove the password, the Basic token and the Digest responses from server text."""
        for secret in (self.password, self.header()[6:], *self._sent):
            if secret:
                text = text.replace(secret, "***")
        return text


class Response:
    """A complete HTTP answer: status, reason, headers (lower-case names) and body."""

    __slots__ = ("body", "headers", "reason", "status", "url")

    def __init__(self, url: str, status: int, reason: str, headers: dict[str, str],
                 body: bytes) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class HTTPStatusError(RemoteError):
    """The server answered with a status that is not a success; ``status`` says which."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _Retry(Exception):
    """An attempt failed in a way worth retrying (5xx, idle timeout, reset)."""

    def __init__(self, message: str, timed_out: bool = False, status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out
        self.status = status


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, str, int]:
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def same_origin(first: str, second: str) -> bool:
    """Whether two URLs share scheme, host and port (where credentials may go)."""
    return _origin(urllib.parse.urlsplit(first)) == _origin(urllib.parse.urlsplit(second))


def _target(parts: urllib.parse.SplitResult) -> str:
    """The request target as sent on the request line (and signed by Digest): path?query."""
    path = parts.path or "/"
    return path + "?" + parts.query if parts.query else path


def check_url(url: str, what: str = "endpoint") -> urllib.parse.SplitResult:
    """Accept only absolute http(s) URLs with a host; UsageError (exit 2) otherwise."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UsageError(f"invalid {what} URL {url!r} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"invalid {what} URL {url!r} (expected http:// or https://)")
    if parts.username or parts.password:
        raise UsageError(f"{what} URL must not contain credentials: use the environment "
                         "variables TRILAT_KG_USER / TRILAT_KG_PASSWORD or a netrc file")
    return parts


def _snippet(body: bytes, credentials: Credentials | None) -> str:
    text = " ".join(body[:200].decode("utf-8", "replace").split())
    return credentials.scrub(text) if credentials else text


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = REMOTE_TIMEOUT,
    max_bytes: int = REMOTE_MAX_BYTES,
    retries: int = RETRIES,
    idempotent: bool = True,
    credentials: Credentials | None = None,
    ok: Callable[[int], bool] = lambda status: status == 200,
    label: str | None = None,
    status_names: Mapping[int, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Response:
    """Send one request within a total deadline of ``timeout`` seconds; see the module doc.

    ``ok`` says which statuses are a success (only 200 by default, so 206 is an error).
    ``label`` is the name used in messages (the endpoint the user gave, by default ``url``);
    ``status_names`` adds a name to a status in messages. Retries happen only when
    ``idempotent`` is true, and only while the deadline leaves time for the back-off.
    """
    check_url(url)
    label = label or url
    deadline = time.monotonic() + timeout
    attempts = 1 + (retries if idempotent else 0)
    pause = BACKOFF
    # identity only: a compressed answer would defeat the byte cap (a gzip bomb)
    send_headers = {"User-Agent": user_agent(), "Accept-Encoding": "identity"}
    for name, value in (headers or {}).items():  # one spelling per header name
        send_headers = {k: v for k, v in send_headers.items() if k.lower() != name.lower()}
        send_headers[name] = value
    last = _Retry("")
    made = 0
    for _ in range(attempts):
        made += 1
        try:
            return _follow(method, url, body, send_headers, deadline, timeout, max_bytes,
                           credentials, ok, label, status_names or {})
        except _Retry as exc:
            last = exc
            if made >= attempts or deadline - time.monotonic() <= pause:
                break
            sleep(pause)
            pause *= 2
    tries = f" ({made} attempts)" if made > 1 else ""
    if last.timed_out:
        attempts_note = f", {made} attempts" if made > 1 else ""
        raise RemoteError(f"{label}: timed out after {timeout:g} s "
                          f"({last.message}{attempts_note})")
    if last.status:
        raise HTTPStatusError(f"{last.message}{tries}", last.status)
    raise RemoteError(f"{last.message}{tries}")


def _follow(method: str, url: str, body: bytes | None, headers: Mapping[str, str],
            deadline: float, timeout: float, max_bytes: int,
            credentials: Credentials | None, ok: Callable[[int], bool],
            label: str, status_names: Mapping[int, str]) -> Response:
    """One attempt: same-origin redirects, one Digest challenge, one bare-401 probe."""
    origin = _origin(urllib.parse.urlsplit(url))
    current = url
    answered = False  # a Digest challenge was answered (once per request)
    bare = False  # the next request goes without Authorization, to obtain a challenge
    probed = False  # that was done already
    redirects = 0
    send_headers = dict(headers)
    while redirects <= MAX_REDIRECTS:
        send = dict(send_headers)
        sent_authorization = ""
        if credentials is not None and not bare:
            sent_authorization = credentials.authorization(method, current, body)
            send["Authorization"] = sent_authorization
        bare = False
        response = _once(method, current, body, send, deadline, timeout, max_bytes, label)
        status = response.status
        if status == 401 and credentials is not None and not answered:
            offered = response.headers.get("www-authenticate", "")
            try:
                challenged = credentials.take_challenge(current, offered)
            except ValueError as exc:
                reason = f"HTTP {status} {response.reason}".rstrip()
                raise HTTPStatusError(f"{label}: authentication failed ({reason}: {exc})",
                                      status) from None
            if challenged:
                answered = True  # once per request: a second 401 is a refusal
                continue
            if not offered.strip() and sent_authorization.startswith("Basic ") \
                    and not probed:
                # A bare 401 to Basic says neither "wrong password" nor which scheme the
                # server wants (Virtuoso's Graph Store): ask once more without
                # credentials, which is how such a server shows its Digest challenge.
                bare = probed = True
                continue
        if status in _REDIRECTS:
            target = response.headers.get("location", "")
            if not target:
                raise RemoteError(f"{label}: HTTP {status} redirect without a Location")
            target = urllib.parse.urljoin(current, target)
            parts = urllib.parse.urlsplit(target)
            if parts.scheme not in ("http", "https") or _origin(parts) != origin:
                raise RemoteError(f"{label}: HTTP {status} redirect to {target} refused "
                                  "(another host, port or scheme)")
            if status == 303 and method not in ("GET", "HEAD"):
                # RFC 9110 15.4.4: the answer is elsewhere, to be fetched with GET.
                method, body = "GET", None
                send_headers = {k: v for k, v in send_headers.items()
                                if k.lower() not in _BODY_HEADERS}
            current = target
            redirects += 1
            continue
        encoding = _content_encoding(response)
        if ok(status):
            if encoding and response.body:
                raise RemoteError(
                    f"{label}: HTTP {status}: answer sent with Content-Encoding {encoding}, "
                    "which the request did not accept (it asked for Accept-Encoding: "
                    "identity only); refused")
            return response
        detail = (f"(a body in Content-Encoding {encoding})" if encoding and response.body
                  else _snippet(response.body, credentials))
        reason = f"HTTP {status} {response.reason}".rstrip()
        if status in status_names:
            reason += f" ({status_names[status]})"
        if status in (401, 403):
            raise HTTPStatusError(f"{label}: authentication failed ({reason})", status)
        if status == 206:
            raise HTTPStatusError(f"{label}: {reason}: the server sent part of the answer "
                                  f"(a partial answer is not an answer{_partial(response)})",
                                  status)
        message = f"{label}: {reason}" + (f": {detail}" if detail else "")
        if status >= 500:
            raise _Retry(message, status=status)
        raise HTTPStatusError(message, status)
    raise RemoteError(f"{label}: more than {MAX_REDIRECTS} redirects")


def _content_encoding(response: Response) -> str:
    """The answer's Content-Encoding when it is not ``identity`` (lower case), else ''."""
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    return ", ".join(codings)


def _partial(response: Response) -> str:
    """What a 206 says about itself: a row cap, or Virtuoso's reason (X-SQL-Message)."""
    notes = []
    for name in (MAXROWS_HEADER, TRUNCATED_HEADER, "X-SQL-Message"):
        value = response.headers.get(name.lower())
        if value:
            notes.append(f"{name}: {' '.join(value.split())[:160]}")
    return "; " + "; ".join(notes) if notes else ""


def _once(method: str, url: str, body: bytes | None, headers: Mapping[str, str],
          deadline: float, timeout: float, max_bytes: int, label: str) -> Response:
    """One HTTP exchange, cut off by a watchdog at the deadline."""
    parts = urllib.parse.urlsplit(url)
    left = deadline - time.monotonic()
    if left <= 0:
        raise RemoteError(f"{label}: timed out after {timeout:g} s")
    # Idle timeout per socket operation: a third of the deadline, so that a server that
    # goes silent leaves time for a retry; the watchdog enforces the total.
    idle = min(left, max(1.0, timeout / 3))
    host = parts.hostname or ""
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, parts.port, timeout=idle,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=idle)
    expired = threading.Event()

    def watchdog() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(left, watchdog)
    timer.daemon = True
    timer.start()
    path = _target(parts)
    try:
        try:
            conn.connect()
        except (ConnectionRefusedError, socket.gaierror) as exc:
            raise RemoteError(f"cannot connect to {label}: {_reason(exc)}") from exc
        except (TimeoutError, OSError) as exc:
            if expired.is_set():
                raise RemoteError(f"{label}: timed out after {timeout:g} s") from exc
            raise RemoteError(f"cannot connect to {label}: {_reason(exc)}") from exc
        try:
            conn.request(method, path, body=body, headers=dict(headers))
            answer = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = answer.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise RemoteError(f"{label}: HTTP {answer.status}: answer larger than "
                                      f"{max_bytes} bytes (the result cap); refused")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError
            if expired.is_set():
                raise TimeoutError
            if answer.length:  # http.client ends a short body silently when reading pieces
                raise http.client.IncompleteRead(b"".join(chunks), answer.length)
        except RemoteError:
            raise
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            if expired.is_set() or time.monotonic() >= deadline - 0.05:
                raise RemoteError(f"{label}: timed out after {timeout:g} s") from exc
            if _malformed(exc):  # the same server would answer the same way again
                raise RemoteError(f"{label}: malformed HTTP answer ({_reason(exc)})") from exc
            if isinstance(exc, TimeoutError):
                raise _Retry(f"no data for {idle:g} s", timed_out=True) from exc
            raise _Retry(f"{label}: connection lost ({_reason(exc)})") from exc
        headers_in: dict[str, str] = {}
        for name, value in answer.getheaders():
            name = name.lower()
            if name == "www-authenticate" and name in headers_in:
                value = headers_in[name] + ", " + value  # one challenge list (RFC 9110 11.6.1)
            headers_in[name] = value
        return Response(url, answer.status, answer.reason or "", headers_in, b"".join(chunks))
    finally:
        timer.cancel()
        conn.close()


def _malformed(exc: BaseException) -> bool:
    """Whether ``exc`` says the answer broke HTTP (too many or too long headers, a status
    line that is not HTTP), rather than that the connection went away mid-answer."""
    if isinstance(exc, (ConnectionError, http.client.IncompleteRead)):
        return False  # RemoteDisconnected is a BadStatusLine, and worth a retry
    return type(exc) is http.client.HTTPException or isinstance(exc, (
        http.client.LineTooLong, http.client.BadStatusLine, http.client.UnknownProtocol,
        http.client.UnknownTransferEncoding))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- SPARQL queries


def query_request(endpoint: str, query: str,
                  credentials: Credentials | None = None) -> tuple[str, bytes, dict[str, str]]:
    """Build a SPARQL 1.1 Protocol query request with SPARQLWrapper: (URL, body, headers).

    A URL-encoded POST (no length limit, no caching surprises) asking for SPARQL JSON.
    Credentials are *not* given to SPARQLWrapper: :func:`http_request` adds them.

    The query form comes from trilat-kg's tokenizer, not SPARQLWrapper's regular
    expression: that one took a comment saying "the external graph adds the acts" for a
    SPARQL ``ADD`` update and sent the query as ``update=``, which servers refuse.
    """
    from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper

    from .sparql import tokenize

    form = next((t.keyword for t in tokenize(query)
                 if t.keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), "SELECT")
    client = SPARQLWrapper(endpoint, agent=user_agent())
    client.setQuery(query)
    client.queryType = form  # SPARQLWrapper's constants are these upper-case words
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.setReturnFormat(JSON)
    request = client._createRequest()  # builds, does not send
    headers = {name: value for name, value in request.header_items()}
    return request.full_url, request.data or b"", headers


def sparql_select(
    endpoint: str,
    query: str,
    *,
    timeout: float = REMOTE_TIMEOUT,
    max_bytes: int = REMOTE_MAX_BYTES,
    retries: int = RETRIES,
    credentials: Credentials | None = None,
    user_agent_purpose: str = "",
) -> QueryResult:
    """Run a SELECT or ASK query on ``endpoint``; the answer must be SPARQL JSON results."""
    import json

    from .results import from_sparql_json

    url, body, headers = query_request(endpoint, query)
    if user_agent_purpose:
        headers["User-Agent"] = user_agent(user_agent_purpose)
    response = http_request("POST", url, body=body, headers=headers, timeout=timeout,
                            max_bytes=max_bytes, retries=retries, idempotent=True,
                            credentials=credentials, label=endpoint,
                            status_names=SPARQLWRAPPER_NAMES)
    invalid = f"{endpoint}: HTTP {response.status}: endpoint returned invalid SPARQL JSON"
    _check_whole(response, endpoint)
    if not _is_json(response.content_type, headers.get("Accept", "")):
        shown = response.content_type or "no Content-Type"
        raise RemoteError(f"{invalid} (Content-Type {shown})")
    try:
        data: Any = json.loads(response.body.decode("utf-8"))
        result = from_sparql_json(data)
        _check_terms(result)
    except RecursionError as exc:
        raise RemoteError(f"{invalid} (nested too deep)") from exc
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise RemoteError(f"{invalid} ({detail})") from exc
    _check_row_cap(response, endpoint, result)
    return result


def _is_json(content_type: str, accept: str) -> bool:
    """Whether a media type is SPARQL JSON, or a JavaScript label the request asked for."""
    if content_type in SPARQL_JSON_TYPES:
        return True
    asked = {item.split(";")[0].strip().lower() for item in accept.split(",")}
    return content_type in JAVASCRIPT_TYPES and content_type in asked


def _check_terms(result: QueryResult) -> None:
    """ValueError when a parsed term has a datatype or language that is not a string."""
    from .results import Literal

    for row in result.rows:
        for term in row:
            if isinstance(term, Literal) and not (
                    isinstance(term.datatype, str)
                    and (term.language is None or isinstance(term.language, str))):
                raise ValueError("a literal's datatype or xml:lang is not a string")


def _check_whole(response: Response, endpoint: str) -> None:
    """RemoteError when the server says it cut the answer (``trilat-kg serve --max-rows``)."""
    value = response.headers.get(TRUNCATED_HEADER.lower())
    if value is not None:
        raise RemoteError(_cut(endpoint, response.status, TRUNCATED_HEADER, value))


def _check_row_cap(response: Response, endpoint: str, result: QueryResult) -> None:
    """RemoteError when Virtuoso's ``X-SPARQL-MaxRows`` cap was reached by this answer.

    Virtuoso sends the header when the answer has as many rows as its ``ResultSetMaxRows``
    (it cannot tell whether more were left out, and neither can the client); an answer
    with fewer rows than the cap is whole, whatever a server says.
    """
    value = response.headers.get(MAXROWS_HEADER.lower())
    if value is None:
        return
    try:
        cap = int(value.strip())
    except ValueError:
        cap = 0
    if cap <= 0 or len(result.rows) >= cap:
        raise RemoteError(_cut(endpoint, response.status, MAXROWS_HEADER, value))


def _cut(endpoint: str, status: int, header: str, value: str) -> str:
    shown = " ".join(value.split())[:40]
    rows = f" to {shown} rows" if shown.isdigit() else ""
    return (f"{endpoint}: HTTP {status}: the server cut the answer{rows} (header {header}: "
            f"{shown}); the partial answer is not shown: narrow the query or raise the "
            "server's row cap")


def run_remote(
    endpoint: str,
    text: str,
    bound: Mapping[str, Any] | None = None,
    *,
    timeout: float = REMOTE_TIMEOUT,
    limit: int | None = None,
    allow_service: bool = False,
    max_bytes: int = REMOTE_MAX_BYTES,
) -> QueryResult:
    """Run a read-only query on ``endpoint`` with ``bound`` values, within ``timeout``.

    The text is checked as a local query is (no update, FROM or LOAD; SERVICE only when
    ``allow_service``); values go in through :func:`trilat_kg.queries.bind_values`, the one
    audited function that writes values into a query text.
    """
    from .queries import bind_values
    from .sparql import check_read_only

    check_read_only(_without_service(text) if allow_service else text, "query")
    check_url(endpoint)
    query = bind_values(text, bound or {})
    if limit is not None:
        query = query.rstrip() + f"\nLIMIT {int(limit)}\n"
    return sparql_select(endpoint, query, timeout=timeout, max_bytes=max_bytes)


def _without_service(text: str) -> str:
    """The text with each SERVICE keyword blanked (same length), for the read-only check."""
    from .sparql import tokenize

    out = text
    for token in tokenize(text):
        if token.keyword == "SERVICE":
            out = out[:token.start] + " " * len(token.text) + out[token.start + len(token.text):]
    return out

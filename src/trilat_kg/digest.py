"""The client side of HTTP Digest access authentication (RFC 7616), for the Graph Store.

Virtuoso's Graph Store endpoint ``/sparql-graph-crud-auth`` accepts Digest only: it answers
``401`` with ``WWW-Authenticate: Digest realm=..., nonce=..., qop="auth"``, and a client
that knows only Basic cannot push. Why not the standard library's
``urllib.request.HTTPDigestAuthHandler``: it hashes with MD5 or SHA-1 only (RFC 7616 adds
SHA-256, which servers list first), and it works inside urllib's opener, whose redirect
handling :mod:`trilat_kg.remote` deliberately replaces. What is done here:

- the challenges of a ``WWW-Authenticate`` value are parsed (several schemes may share one
  value; quoted strings may hold commas), and the first Digest challenge whose algorithm
  is known is taken, as RFC 7616 section 3.7 asks (servers list their preferred one first);
- algorithms ``MD5``, ``SHA-256`` (and ``SHA-512-256`` where OpenSSL has it), each also as
  ``-sess``; ``qop=auth`` preferred, ``auth-int`` (which hashes the body) otherwise, and the
  RFC 2069 form (no ``qop``) for old servers; ``userhash`` and non-ASCII user names
  (``username*``) as RFC 7616 sections 3.4.4 and 3.4.5 say;
- a fresh random ``cnonce`` per request and a nonce count ``nc`` that grows with every
  request made under one nonce, so a server that refuses replayed counts accepts them.

Nothing here sends anything or knows about errors of the CLI: :class:`DigestSession`
computes header values, and :class:`~trilat_kg.remote.Credentials` decides when to use it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import urllib.parse

__all__ = ["ALGORITHMS", "DigestSession", "parse_challenges"]

#: Digest algorithm names (RFC 7616 section 6.1) -> hashlib names, in the order supported.
ALGORITHMS: dict[str, str] = {
    name: hashed
    for name, hashed in (("SHA-256", "sha256"), ("SHA-512-256", "sha512_256"), ("MD5", "md5"))
    if hashed in hashlib.algorithms_available
}

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = re.compile(rf"\s*({_TOKEN})\s*=\s*({_QUOTED}|{_TOKEN})\s*(?:,|\Z)")
_SCHEME = re.compile(rf"\s*({_TOKEN})(?=\s|,|\Z)")
_TOKEN68 = re.compile(r"\s*([A-Za-z0-9\-._~+/]+=*)\s*(?:,|\Z)")
_SEPARATORS = re.compile(r"[\s,]*")


def _unquote(raw: str) -> str:
    if raw.startswith('"'):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return raw


def parse_challenges(value: str) -> list[tuple[str, dict[str, str]]]:
    """Split a ``WWW-Authenticate`` value into ``(scheme in lower case, {param: value})``.

    Parameter names are lower-cased and quoted values unquoted; a ``token68`` (as in
    ``Negotiate abc==``) is kept under the key ``""``. Parsing stops quietly at text that
    fits no challenge: what was read before still counts, and a server whose header is
    malformed gets the plain "authentication failed" of a refused request.
    """
    out: list[tuple[str, dict[str, str]]] = []
    pos = 0
    while True:
        sep = _SEPARATORS.match(value, pos)
        pos = sep.end() if sep else pos
        if pos >= len(value):
            return out
        param = _PARAM.match(value, pos)
        if param and out:
            out[-1][1][param[1].lower()] = _unquote(param[2])
            pos = param.end()
            continue
        scheme = _SCHEME.match(value, pos)
        if not scheme:
            return out
        params: dict[str, str] = {}
        out.append((scheme[1].lower(), params))
        pos = scheme.end()
        token68 = _TOKEN68.match(value, pos)
        if token68 and not _PARAM.match(value, pos):
            params[""] = token68[1]
            pos = token68.end()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DigestSession:
    """One accepted Digest challenge: computes the ``Authorization`` value of each request.

    A session lives as long as its nonce: requests after the first reuse it with a higher
    ``nc`` (so later requests need no extra round trip), until the server says the nonce
    is stale by challenging again.
    """

    def __init__(self, params: dict[str, str]) -> None:
        """Take one Digest challenge's parameters; ValueError when it cannot be answered."""
        self.realm = params.get("realm", "")
        self.nonce = params.get("nonce", "")
        if not self.nonce:
            raise ValueError("Digest challenge without a nonce")
        self.opaque = params.get("opaque")
        self.algorithm = params.get("algorithm", "MD5")
        base = self.algorithm.upper().removesuffix("-SESS")
        if base not in ALGORITHMS:
            raise ValueError(f"Digest algorithm {self.algorithm} is not supported "
                             f"(supported: {', '.join(ALGORITHMS)})")
        self.hash_name = ALGORITHMS[base]
        self.session = self.algorithm.upper().endswith("-SESS")
        offered = [q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()]
        if offered and not {"auth", "auth-int"} & set(offered):
            raise ValueError(f"Digest qop {params['qop']} is not supported (auth, auth-int)")
        self.qop = "auth" if "auth" in offered else "auth-int" if offered else None
        self.userhash = params.get("userhash", "").lower() == "true"
        self._cnonce = secrets.token_hex(16)  # the -sess key's cnonce, fixed per nonce
        self._count = 0
        self._lock = threading.Lock()

    @classmethod
    def from_header(cls, value: str) -> DigestSession | None:
        """The session for the first answerable Digest challenge of ``value``.

        None when ``value`` holds no Digest challenge; ValueError (naming why) when it
        holds Digest challenges and none can be answered.
        """
        digests = [params for scheme, params in parse_challenges(value) if scheme == "digest"]
        problem: ValueError | None = None
        for params in digests:
            try:
                return cls(params)
            except ValueError as exc:
                problem = problem or exc
        if problem is not None:
            raise problem
        return None

    def _hash(self, text: str) -> str:
        return hashlib.new(self.hash_name, text.encode("utf-8")).hexdigest()

    def authorization(self, user: str, password: str, method: str, uri: str,
                      body: bytes | None = None) -> tuple[str, str]:
        """Return ``(Authorization value, response hash)`` for one request.

        ``uri`` is the request target exactly as sent (path and query). The response hash
        is returned apart so that the caller can scrub it from anything a server echoes.
        """
        with self._lock:
            self._count += 1
            nc = f"{self._count:08x}"
        cnonce = self._cnonce if self.session else secrets.token_hex(16)
        ha1 = self._hash(f"{user}:{self.realm}:{password}")
        if self.session:
            ha1 = self._hash(f"{ha1}:{self.nonce}:{cnonce}")
        ha2_text = f"{method}:{uri}"
        if self.qop == "auth-int":
            ha2_text += ":" + hashlib.new(self.hash_name, body or b"").hexdigest()
        ha2 = self._hash(ha2_text)
        if self.qop:
            response = self._hash(f"{ha1}:{self.nonce}:{nc}:{cnonce}:{self.qop}:{ha2}")
        else:
            response = self._hash(f"{ha1}:{self.nonce}:{ha2}")
        if self.userhash:
            name = f"username={_quote(self._hash(f'{user}:{self.realm}'))}"
        elif user.isascii():
            name = f"username={_quote(user)}"
        else:
            name = "username*=UTF-8''" + urllib.parse.quote(user, safe="")
        parts = [name, f"realm={_quote(self.realm)}", f"uri={_quote(uri)}",
                 f"algorithm={self.algorithm}", f"nonce={_quote(self.nonce)}"]
        if self.qop:
            parts += [f"nc={nc}", f"cnonce={_quote(cnonce)}", f"qop={self.qop}"]
        parts.append(f"response={_quote(response)}")
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.userhash:
            parts.append("userhash=true")
        return "Digest " + ", ".join(parts), response

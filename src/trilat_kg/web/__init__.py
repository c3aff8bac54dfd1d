"""The web pages of ``trilat-kg serve``: a SPARQL editor, the canned queries as forms, and a
page for every resource of the dataset.

What a browser is sent is built here from small string builders; every value that comes
from the data or from the request goes through :func:`esc` (HTML escaping, quotes
included), and JSON placed in a page escapes ``<`` so that no value can close a ``script``
element. The pages carry a Content-Security-Policy that allows the page's own origin only,
so neither an injected value nor the editor can load or send anything elsewhere.

The pages built from the data (:mod:`trilat_kg.web.pages`) run inside the query workers of
the server, with the same deadline as any query. This module holds what the request
threads need: the static files, the home page and the mapping between the dataset's IRIs
(``https://w3id.org/trilat-kg/id/...``) and the server's paths (``/id/...``).
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from ..prefixes import BASE

__all__ = [
    "CSP",
    "esc",
    "home_page",
    "iri_of_path",
    "layout",
    "local_path",
    "query_form",
    "static_file",
]

HERE = Path(__file__).resolve().parent

#: URL path -> (file under this folder, Content-Type).
STATIC: dict[str, tuple[str, str]] = {
    "/static/site.css": ("static/site.css", "text/css; charset=utf-8"),
    "/static/site.js": ("static/site.js", "text/javascript; charset=utf-8"),
    "/static/yasgui/yasgui.min.js": ("vendor/yasgui/yasgui.min.js",
                                     "text/javascript; charset=utf-8"),
    "/static/yasgui/yasgui.min.css": ("vendor/yasgui/yasgui.min.css",
                                      "text/css; charset=utf-8"),
    "/static/yasgui/LICENSE": ("vendor/yasgui/LICENSE", "text/plain; charset=utf-8"),
}

#: Sent with every page: only the server's own origin, for scripts, styles, requests and
#: forms. Inline styles are allowed because the editor sets some; inline scripts are not.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

_ONTOLOGY = BASE + "ontology"
#: Kinds of the dataset's own IRIs that have a page, by the first segment of their path.
_PAGED = ("id/", "graphs/")
_IRI_CHARS = re.compile(r"[^\x00-\x20<>\"{}|^`\\\x7f]+\Z")


@functools.cache
def static_file(path: str) -> tuple[bytes, str] | None:
    """The body and Content-Type of a static file, or None if ``path`` names none."""
    entry = STATIC.get(path)
    if entry is None:
        return None
    return (HERE / entry[0]).read_bytes(), entry[1]


def esc(value: object) -> str:
    """``value`` as text safe inside HTML content and quoted attribute values."""
    return html.escape(str(value), quote=True)


def script_json(value: object) -> str:
    """JSON to place inside ``<script type="application/json">``: no ``<`` left to close it."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def local_path(iri: str) -> str | None:
    """The server path of one of the dataset's IRIs (``.../id/states/japan`` ->
    ``/id/states/japan``, ``...ontology#State`` -> ``/ontology/State``), or None."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE):]
    if rest == "ontology":
        return "/ontology"
    if rest.startswith("ontology#") and len(rest) > len("ontology#"):
        return "/ontology/" + quote(rest[len("ontology#"):], safe="-._~")
    if rest.startswith(_PAGED) and "?" not in rest:
        path, sep, fragment = rest.partition("#")  # a part of a page: its anchor
        return ("/" + quote(path, safe="/-._~!$&'()*+,;=:@")
                + (sep + quote(fragment, safe="-._~") if fragment else ""))
    return None


def iri_of_path(path: str) -> str | None:
    """The IRI a server path stands for (the inverse of :func:`local_path`), or None."""
    try:
        text = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if text in ("/ontology", "/ontology/"):
        iri = _ONTOLOGY
    elif text.startswith("/ontology/"):
        term = text[len("/ontology/"):]
        if not term or "/" in term or "#" in term:
            return None
        iri = _ONTOLOGY + "#" + term
    elif text.startswith(tuple("/" + p for p in _PAGED)) and not text.endswith("/"):
        iri = BASE + text[1:]
    else:
        return None
    return iri if _IRI_CHARS.match(iri) else None


#: Schemes an IRI of the data may be followed by (a ``javascript:`` IRI is shown, not linked).
LINKED_SCHEMES = ("http://", "https://", "ftp://", "mailto:")


def href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: its page on this server, else the IRI itself when its
    scheme is a web one; None when it is not to be followed."""
    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(LINKED_SCHEMES) else None


def link(iri: str, text: str, **attributes: str) -> str:
    """``<a>`` to :func:`href` of ``iri`` showing ``text`` (both escaped here), or the text
    alone in a ``<span>`` when the IRI is not one to follow. Links out of this server are
    marked ``external`` and send no referrer."""
    target = href(iri)
    attrs = "".join(f' {name.rstrip("_")}="{esc(value)}"' for name, value in attributes.items())
    if target is None:
        return f'<span class="iri"{attrs}>{esc(text)}</span>'
    if local_path(iri) is None:
        attrs += ' class="external" rel="external noopener noreferrer"'
    return f'<a href="{esc(target)}"{attrs}>{esc(text)}</a>'


# --------------------------------------------------------------------------- page frame


def layout(title: str, body: str, *, heading: str | None = None, scripts: Sequence[str] = (),
           styles: Sequence[str] = ()) -> str:
    """A whole HTML page: ``title`` and ``heading`` are plain text (escaped here), ``body``
    is HTML built with :func:`esc`."""
    head = "".join(f'<link rel="stylesheet" href="{esc(s)}">' for s in styles)
    tail = "".join(f'<script src="{esc(s)}"></script>' for s in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} - trilat-kg</title>{head}"
        '<link rel="stylesheet" href="/static/site.css"></head><body>'
        '<header class="site"><a class="brand" href="/">trilat-kg</a>'
        '<nav><a href="/#editor">SPARQL editor</a> <a href="/#queries">Canned queries</a> '
        '<a href="/ontology">Ontology</a></nav></header>'
        f'<main><h1>{esc(heading if heading is not None else title)}</h1>{body}</main>'
        '<footer class="site">A read-only SPARQL endpoint over the trilat-kg dataset: '
        '<code>/sparql</code>. Every page is also data: ask for <code>text/turtle</code> or '
        '<code>application/ld+json</code>.</footer>'
        f"{tail}</body></html>\n"
    )


def query_form(query: Any, values: Mapping[str, str] | None = None, *,
               action: str | None = None) -> str:
    """The form of a canned query: one field per parameter, its default filled in."""
    values = values or {}
    fields = []
    for param in query.params:
        default = query.defaults.get(param.name, "")
        value = values.get(param.name, default)
        need = "required" if param.required and not default else "optional" \
            if not param.required else "default given"
        hint = ("an IRI, a CURIE (state:japan) or a label (Japan)" if param.kind == "iri"
                else param.type_label)
        fields.append(
            f'<label><span class="name">{esc(param.name)}</span> '
            f'<input name="{esc(param.name)}" value="{esc(value)}" '
            f'placeholder="{esc(hint)}" data-kind="{esc(param.kind)}"'
            f'{" required" if param.required and not default else ""}>'
            f' <span class="hint">{esc(param.type_label)}, {esc(need)}</span></label>')
    target = action or f"/forms/{quote(query.slug)}"
    return (f'<form class="canned" method="get" action="{esc(target)}" '
            f'data-slug="{esc(query.slug)}">{"".join(fields)}'
            '<button type="submit">Run</button></form>')


def home_page(queries: Iterable[Any], examples: Sequence[Mapping[str, str]], *,
              help_lines: Sequence[str]) -> str:
    """The page at ``/`` for a browser: the editor, then the canned queries as forms."""
    items = []
    for query in queries:
        tags = "".join(f'<span class="tag">{esc(t)}</span>' for t in query.tags)
        items.append(
            f'<li id="q-{esc(query.slug)}" class="query"><h3>'
            f'<a href="/forms/{esc(quote(query.slug))}">{esc(query.slug)}</a> {tags}</h3>'
            f'<p>{esc(query.summary)}</p>{query_form(query)}'
            f'<p class="more"><button type="button" class="to-editor" '
            f'data-slug="{esc(query.slug)}">Open in the editor</button> '
            f'<a href="/queries/{esc(quote(query.slug))}">JSON</a> '
            f'<a href="/queries/{esc(quote(query.slug))}?format=csv">CSV</a></p></li>')
    body = (
        '<p class="lead">A knowledge graph of U.S.-Japan-ROK security cooperation. Write SPARQL '
        'below (the canned queries are its examples), run a canned query through its form, '
        'or open a resource such as <a href="/id/states/japan">Japan</a> or the '
        '<a href="/ontology">ontology</a>.</p>'
        '<section id="editor"><h2>SPARQL editor</h2>'
        '<p><label>Example: <select id="examples"><option value="">choose a canned '
        'query</option>'
        + "".join(f'<option value="{esc(e["slug"])}">{esc(e["slug"])}</option>'
                  for e in examples)
        + '</select></label></p>'
        '<div id="yasgui"><noscript>The editor needs JavaScript; '
        '<code>/sparql?query=...</code> answers without it.</noscript></div>'
        f'<script type="application/json" id="example-queries">{script_json(list(examples))}'
        '</script></section>'
        f'<section id="queries"><h2>Canned queries</h2><ol class="queries">{"".join(items)}'
        '</ol></section>'
        '<section id="endpoint"><h2>The endpoint</h2><pre>'
        + esc("\n".join(help_lines)) + '</pre>'
        '<p class="small">The editor is <a href="/static/yasgui/LICENSE">YASGUI</a> 4.6.2 '
        '(MIT), served by this server.</p></section>'
    )
    return layout("SPARQL", body, heading="trilat-kg",
                  styles=("/static/yasgui/yasgui.min.css",),
                  scripts=("/static/yasgui/yasgui.min.js", "/static/site.js"))


def error_page(status: int, message: str, suggestions: Sequence[tuple[str, str]] = ()) -> str:
    """A page for an error: the message and links to ``(iri, label)`` suggestions."""
    links = "".join(f"<li>{link(iri, label)} <code>{esc(iri)}</code></li>"
                    for iri, label in suggestions)
    body = f'<p class="error">{esc(message)}</p>'
    if links:
        body += f"<h2>Closest matches</h2><ul>{links}</ul>"
    return layout(f"{status}", body, heading=f"{status}: not found" if status == 404
                  else f"Error {status}")

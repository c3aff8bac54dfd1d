"""The ``trilat-kg`` command line: a thin click layer over the library.

Each command parses its options, calls one library function, renders the answer and exits.
No SPARQL and no RDF library lives here, and the heavy packages are imported inside the
commands, so ``trilat-kg --help`` and ``--version`` import no RDF library at all.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .errors import TrilatError, UsageError

EXIT_CODES = """\b
Exit codes:
  0    success; the data conforms
  1    data invalid (parse error, SHACL violations, broken query)
  2    usage error (bad option, parameter, query name or forbidden SPARQL)
  3    remote endpoint failure
  4    local I/O error (missing file, directory, permission, disk)
  130  interrupted (Ctrl-C)
  141  stdout closed early (e.g. piped into head); nothing is printed
  143  terminated (SIGTERM; 129 for SIGHUP); temporary files removed
"""

RESULT_FORMATS = ("table", "csv", "tsv", "json", "markdown")
#: Formats of `query` and `sparql`: also the SPARQL 1.1 TSV results format, as it is.
QUERY_FORMATS = (*RESULT_FORMATS, "sparql-tsv")
LANGUAGES = ("en", "ja", "ko", "zh")


def _color(stream: Any) -> bool:
    """Colour only a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _error(message: str) -> None:
    prefix = "trilat-kg: error:"
    if _color(sys.stderr):
        prefix = click.style(prefix, fg="red", bold=True)
    click.echo(f"{prefix} {message}", err=True, color=_color(sys.stderr))


class TrilatGroup(click.Group):
    """A group that turns library errors into one line on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except TrilatError as exc:
            if debug:
                import traceback

                traceback.print_exc()
            _error(str(exc))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            ctx.exit(_interrupted(exc))
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(141)
        except MemoryError:
            if debug:
                import traceback

                traceback.print_exc()
            _error(_out_of_memory(sys.argv[1:]))
            ctx.exit(4)
        except OSError as exc:  # an output the library did not wrap (stdout on a full disk)
            if debug:
                import traceback

                traceback.print_exc()
            _error(_os_error(exc))
            _silence_stdout()
            ctx.exit(4)


def _out_of_memory(args: Sequence[str]) -> str:
    """One line for a MemoryError, naming the --data files the command was given."""
    files = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--data"]
    files += [arg.split("=", 1)[1] for arg in args if arg.startswith("--data=")]
    named = f" with {', '.join(files)}" if files else ""
    return (f"out of memory: the dataset{named} does not fit in the memory this process may "
            "use (give smaller files, or more memory)")


def _interrupted(exc: BaseException) -> int:
    """Say why the command stopped (Ctrl-C, SIGTERM, SIGHUP); return its exit code."""
    from .signals import Terminated

    if isinstance(exc, Terminated):
        _error(f"terminated ({exc.name})")
        return exc.exit_code
    _error("interrupted")
    return 130


def _os_error(exc: OSError) -> str:
    """One line for an OSError: the file it names (standard output when none) and why."""
    import errno

    where = exc.filename if exc.filename is not None else "standard output"
    if exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"no space left on device: {where}"
    return f"{where}: {exc.strerror or exc}"


def _silence_stdout() -> None:
    """After the reader of stdout went away, point stdout at /dev/null so exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. under CliRunner)
        pass


def _data_option(func: Any) -> Any:
    return click.option(
        "--data", "data", multiple=True,
        # readable=False: the loader says "FILE: permission denied" (exit 4), not click (2)
        type=click.Path(path_type=Path, dir_okay=True, readable=False),
        metavar="FILE",
        help="Merge your own RDF file (.ttl .nt .nq .trig .jsonld) into the graph "
             "https://w3id.org/trilat-kg/graphs/user. Repeatable.",
    )(func)


def _result_format_option(func: Any) -> Any:
    return click.option(
        "--format", "fmt", type=click.Choice(RESULT_FORMATS), default=None,
        help="Output format. Default: table on a terminal, csv when piped. "
             "json is the SPARQL 1.1 Query Results JSON format.",
    )(func)


def _query_format_option(func: Any) -> Any:
    return click.option(
        "--format", "fmt", type=click.Choice(QUERY_FORMATS), default=None,
        help="Output format. Default: table on a terminal, csv when piped. table and "
             "markdown show CURIEs and labels; csv and tsv the IRIs and values (tsv with "
             "\\t \\n \\r \\\\ escaped); json is the SPARQL 1.1 Query Results JSON "
             "format, sparql-tsv the SPARQL 1.1 TSV format.",
    )(func)


def _lang_option(func: Any) -> Any:
    return click.option(
        "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
        help="Language of the labels shown next to IRIs in table and markdown output "
             "(English, then any language, when a resource has no label in it).",
    )(func)


def _emit(text: str) -> None:
    """Write data to stdout (never mixed with messages).

    Written in 64 KiB pieces: CPython drops the EPIPE of one huge write that was partly
    accepted, so a closed pipe (``| head``) would go unnoticed and the exit code be wrong.
    """
    step = 1 << 16
    try:
        for start in range(0, len(text), step):
            sys.stdout.write(text[start:start + step])
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk or device (> /dev/full): exit 4, one line
        from .errors import LocalIOError

        _silence_stdout()  # the unwritten rest must not fail again at exit
        raise LocalIOError(_os_error(exc)) from exc


def _render(result: Any, fmt: str | None, *, store: Any = None, lang: str | None = None,
            hide: Sequence[str] = ()) -> None:
    from .results import render

    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "csv"
    labels = None
    if store is not None and fmt in ("table", "markdown") and result.rows:
        from .resolve import labels_for_result

        labels = labels_for_result(store, result.rows, lang)
    _emit(render(result, fmt, color=fmt == "table" and _color(sys.stdout), labels=labels,
                 hide=hide))


@click.group(cls=TrilatGroup, epilog=EXIT_CODES, context_settings={"max_content_width": 100})
@click.version_option(package_name="trilat-kg", prog_name="trilat-kg",
                      message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show a traceback with errors.")
@click.option("--max-bytes", "max_bytes", type=click.IntRange(min=0), default=1 << 30,
              show_default=True, metavar="N",
              help="Refuse any input file (--data, and FIFOs or devices, read up to the limit) "
                   "larger than N bytes, before parsing it.")
def cli(debug: bool, max_bytes: int) -> None:
    """trilat-kg: validate, query and export the U.S.-Japan-ROK trilateral security
    cooperation knowledge graph. Nothing is fetched from the network unless you pass
    --endpoint."""
    from .loader import set_max_bytes

    _configure_logging(debug)
    set_max_bytes(max_bytes)


class _OneLineHandler(logging.Handler):
    """What a dependency logs reaches stderr as one line, never as a traceback."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage().strip().splitlines()
        except Exception:  # a malformed log call must not break the command
            text = [str(record.msg)]
        first = text[0] if text else record.levelname.lower()
        click.echo(f"trilat-kg: {record.levelname.lower()}: {record.name}: {first}", err=True)


def _configure_logging(debug: bool) -> None:
    """Warnings of dependencies (rdflib, pySHACL ...) as one line each; tracebacks with --debug."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _OneLineHandler):
            root.removeHandler(handler)
    if debug:
        logging.basicConfig(level=logging.WARNING, force=True)
        return
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_OneLineHandler(level=logging.WARNING))
    root.setLevel(logging.WARNING)
    for name in logging.root.manager.loggerDict:  # libraries that print on their own
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                    handler, logging.FileHandler):
                logger.removeHandler(handler)
                logger.propagate = True


@cli.command()
@_data_option
@click.option("--format", "fmt", type=click.Choice(["human", "turtle", "json"]),
              default="human", show_default=True, help="Report format.")
@click.option("--show-warnings", is_flag=True,
              help="List every warning (human format); by default they are counted per shape.")
@click.option("--engine", type=click.Choice(["auto", "pyshacl", "turbo"]), default="auto",
              show_default=True,
              help="SHACL engine: pyshacl (the reference), turbo (pyshacl-turbo, the same "
                   "report 20 to 70 times faster: pip install 'trilat-kg[fast]'), or auto "
                   "(turbo when installed).")
def validate(data: Sequence[Path], fmt: str, show_warnings: bool, engine: str) -> None:
    """Validate the dataset (and --data files) against the SHACL shapes.

    Exit 0 when it conforms (warnings allowed), 1 when it does not.
    """
    import json

    from .validation import turbo_available
    from .validation import validate as run_validation

    if engine == "auto" and not turbo_available():
        click.echo("trilat-kg: note: validating with pySHACL; pip install 'trilat-kg[fast]' "
                   "gives the same report 20 to 70 times faster", err=True)
    outcome = run_validation(tuple(data), engine=engine)
    if fmt == "turtle":
        _emit(outcome.report_graph.serialize(format="longturtle"))
    elif fmt == "json":
        results = [
            {"focus": r.focus, "path": r.path, "source_shape": r.source_shape,
             "component": r.component, "severity": r.severity, "message": r.message}
            for r in outcome.results
        ]
        _emit(json.dumps({"conforms": outcome.conforms,
                          "shacl_conforms": not outcome.results, "results": results},
                         ensure_ascii=False, indent=2) + "\n")
    else:
        from .validation import summary_text

        _emit(summary_text(outcome, show_warnings=show_warnings))
        if outcome.conforms:
            click.echo("trilat-kg: the dataset conforms", err=True)
    sys.exit(0 if outcome.conforms else 1)


@cli.command("queries")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Listing format.")
def list_queries(fmt: str) -> None:
    """List the canned queries with their summary and parameters."""
    import json

    from .queries import catalogue

    entries = catalogue()
    if fmt == "json":
        _emit(json.dumps([
            {"name": q.slug, "iri": q.iri, "summary": q.summary, "tags": list(q.tags),
             "network": q.network,
             "params": [{"name": p.name, "type": p.type_label, "required": p.required,
                         "default": q.defaults.get(p.name)} for p in q.params]}
            for q in entries], ensure_ascii=False, indent=2) + "\n")
        return
    lines = []
    for q in entries:
        lines.append(q.slug)
        lines.append(f"    {q.summary}")
        if q.tags:
            lines.append(f"    tags: {', '.join(q.tags)}")
        if q.network:
            lines.append("    needs the network (SERVICE): run with --allow-service")
        for p in q.params:
            default = q.defaults.get(p.name)
            need = (f"default {default}" if default is not None
                    else "required" if p.required else "optional")
            lines.append(f"    --param {p.name}={p.type_label}  ({need})")
    _emit("\n".join(lines) + "\n")


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {pair!r}: expected NAME=VALUE")
        if name in values:
            raise UsageError(f"--param {name!r} given twice")
        values[name] = value
    return values


@cli.command()
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter (see `trilat-kg queries`). Repeatable. An IRI "
                   "parameter takes an IRI, a CURIE (state:japan), or an unambiguous label, "
                   "slug or code (Japan, japan, JPN).")
@_query_format_option
@_lang_option
@_data_option
@click.option("--endpoint", metavar="URL",
              help="Run on this remote SPARQL endpoint instead of the embedded dataset.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Deadline of the query, in seconds: the local evaluation (past it, exit "
                   "1) or the whole remote call (exit 3).")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Return at most this many rows.")
@click.option("--allow-service", is_flag=True,
              help="Run a federated query (SERVICE): it sends requests over the network.")
def query(name: str, params: Sequence[str], fmt: str | None, lang: str,
          data: Sequence[Path], endpoint: str | None, timeout: float, limit: int | None,
          allow_service: bool) -> None:
    """Run the canned query NAME (see `trilat-kg queries`).

    Columns that only repeat a parameter (?_actor_iri) are left out of table, markdown,
    csv and tsv output; json and sparql-tsv keep them.
    """
    from .queries import get_query, run_query
    from .resolve import Resolver

    values = _parse_params(params)
    canned = get_query(name)
    resolver = Resolver(extra=tuple(data)) if endpoint is None else None
    result = run_query(canned, values, extra=tuple(data), endpoint=endpoint, timeout=timeout,
                       limit=limit, allow_service=allow_service, resolver=resolver)
    _render(result, fmt, store=resolver.loaded_store if resolver else None, lang=lang,
            hide=[p.variable for p in canned.params])


@cli.command()
@click.argument("query_file", required=False, default="-", metavar="[QUERY_FILE|-]")
@_query_format_option
@_lang_option
@_data_option
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Return at most this many rows.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Deadline of the query, in seconds (past it, exit 1).")
def sparql(query_file: str, fmt: str | None, lang: str, data: Sequence[Path],
           limit: int | None, timeout: float) -> None:
    """Run a read-only SPARQL query from QUERY_FILE (or stdin) on the dataset.

    Updates, SERVICE, FROM / FROM NAMED and LOAD are refused. The default graph is the
    union of the named graphs; GRAPH clauses see each of them.
    """
    from .sparql import run_sparql

    if query_file == "-":
        text, source = sys.stdin.read(), "<stdin>"
    else:
        text, source = _read_query_file(Path(query_file)), query_file
    from .sparql import check_read_only
    from .store import load_store

    check_read_only(text, source)  # before the data is loaded, as run_sparql does
    store = load_store(tuple(data))
    _render(run_sparql(text, store=store, source=source, limit=limit, timeout=timeout), fmt,
            store=store, lang=lang)


@cli.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True,
              help="Show at most this many hits (0: all).")
@_lang_option
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default=None,
              help="Output format. Default: table on a terminal, csv when piped.")
@_data_option
def search(text: str, limit: int, lang: str, fmt: str | None, data: Sequence[Path]) -> None:
    """Find resources by label, alternative label, notation, code or Wikidata QID.

    Matches ignore case, accents and Unicode width in any of the graph's languages (en,
    ja, ko, zh): exact, then prefix, then word, then substring matches (codes, QIDs and
    slugs only exactly), ties by type (states and agreements first) and label. Each hit
    gives its type, CURIE, label, the field and text that matched, and its IRI.
    Exit 0 with hits, 1 when nothing matches (as grep does; said on stderr).
    """
    from .search import build_index, hits_result

    hits = build_index(tuple(data)).search(text, limit=limit or None, lang=lang)
    if not hits:
        from .results import printable

        click.echo(f"trilat-kg: no match for {printable(text)!r}", err=True)
        sys.exit(1)
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "csv"
    _render(hits_result(hits), fmt, hide=("iri",) if fmt in ("table", "markdown") else ())


def _read_query_file(path: Path) -> str:
    from .errors import DataError, LocalIOError

    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 at byte {exc.start}") from exc
    except IsADirectoryError as exc:
        raise LocalIOError(f"{path}: is a directory, not a file") from exc
    except FileNotFoundError as exc:
        raise LocalIOError(f"{path}: no such file") from exc
    except OSError as exc:
        raise LocalIOError(f"{path}: {exc.strerror or exc}") from exc


@cli.command()
@click.option("--format", "fmt", required=True, metavar="FORMAT",
              help="One of turtle, json-ld, nt, nq, trig (nq and trig keep the named graphs), "
                   "or csv (IR tables, datapackage.json and CODEBOOK.md into the folder -o DIR).")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|DIR|-",
              help="Output file, written atomically; - is stdout. With csv: a folder.")
@_data_option
@click.option("--follow-symlinks", is_flag=True,
              help="Write through a symlinked output path instead of refusing it.")
@click.option("--graph", "graphs", multiple=True, metavar="NAME",
              help="Export only this named graph: ontology, essay, external, metadata, or "
                   "user (the --data files). Repeatable: the graphs named go out together. "
                   "nq and trig keep the graph names; the other formats hold the triples.")
@click.option("--default-graph/--no-default-graph", "default_graph", default=True,
              show_default=True,
              help="nq and trig: also write the merge of the named graphs as the unnamed "
                   "default graph, so a store with stock settings answers from it.")
@click.option("--jsonld-context", type=click.Choice(["inline", "reference"]), default="inline",
              show_default=True,
              help="json-ld: put the context in the file (readable offline by any JSON-LD "
                   "1.1 processor), or name the published context by its IRI.")
@click.option("--jsonld-graphs", is_flag=True,
              help="json-ld: keep the named graphs (one @graph each) instead of their merge.")
def export(fmt: str, output: str, data: Sequence[Path], follow_symlinks: bool,
           graphs: Sequence[str], default_graph: bool, jsonld_context: str,
           jsonld_graphs: bool) -> None:
    """Export the dataset, or some of its named graphs, in an RDF format, as written.

    Every format keeps datatypes and lexical forms and is byte-stable between runs.
    """
    from .export import FORMATS, export_dataset

    if fmt == "csv" and graphs:
        raise UsageError("--graph selects named graphs of an RDF export; --format csv "
                         "always writes the tables of the whole dataset")
    if fmt == "csv":
        if output == "-":
            raise UsageError("--format csv writes several files: give a folder with -o DIR")
        from .tables import write_tables

        written = write_tables(Path(output), extra=tuple(data))
        click.echo(f"trilat-kg: wrote {len(written)} files to {output}", err=True)
        if not any(p.suffix == ".dta" for p in written):
            from .stata import INSTALL_HINT

            click.echo(f"trilat-kg: no Stata files: {INSTALL_HINT}", err=True)
        return
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = None if output == "-" else Path(output)
    export_dataset(fmt, out, extra=tuple(data), follow_symlinks=follow_symlinks,
                   graphs=tuple(graphs) or None, default_graph=default_graph,
                   jsonld_context=jsonld_context, jsonld_graphs=jsonld_graphs)


@cli.command()
@_result_format_option
@_data_option
def stats(fmt: str | None, data: Sequence[Path]) -> None:
    """Count triples per graph, entities per class and triples per property (VoID)."""
    from .stats import dataset_stats

    _render(dataset_stats(tuple(data)).to_result(), fmt)


@cli.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The store's SPARQL query endpoint (used to verify the triple counts).")
@click.option("--store", "store_url", metavar="URL",
              help="Its Graph Store Protocol URL, when it cannot be derived from --endpoint "
                   "(Oxigraph /query -> /store, Fuseki /ds/sparql -> /ds/data, GraphDB "
                   "/repositories/x -> .../rdf-graphs/service, Virtuoso /sparql -> "
                   "/sparql-graph-crud-auth).")
@click.option("--graph-prefix", metavar="IRI",
              help="Name the graphs <IRI>essay, <IRI>external ... instead of "
                   "https://w3id.org/trilat-kg/graphs/essay ...")
@_data_option
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Total deadline of each request, in seconds.")
@click.option("--default-graph", "default_graph", is_flag=True,
              help="Also PUT the merge of the pushed graphs into the store's default graph "
                   "(<store>?default), for a store whose default graph is not the union of "
                   "its named graphs. Not for a store that already unions them (each triple "
                   "would then count twice).")
@_result_format_option
def push(endpoint: str, store_url: str | None, graph_prefix: str | None,
         data: Sequence[Path], timeout: float, default_graph: bool, fmt: str | None) -> None:
    """Load the dataset into a triple store: one Graph Store PUT per named graph.

    Pushing twice leaves the same store (PUT replaces a graph). Each graph's triple count
    is verified by a query afterwards. Credentials come from the environment
    (TRILAT_KG_USER, TRILAT_KG_PASSWORD) or a netrc file, never from the command line;
    they go as HTTP Basic, or as Digest (MD5 or SHA-256) when the store asks for it, as
    Virtuoso's /sparql-graph-crud-auth does.
    """
    from .push import push as run_push
    from .results import IRI, Literal, from_rows

    counts = run_push(endpoint, graph_prefix=graph_prefix, store=store_url,
                      extra=tuple(data), timeout=timeout, default_graph=default_graph)
    integer = "http://www.w3.org/2001/XMLSchema#integer"
    _render(from_rows(["graph", "triples"], [(IRI(g), Literal(str(n), integer))
                                              for g, n in counts.items()]), fmt)
    click.echo(f"trilat-kg: pushed and verified {len(counts)} graphs", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback makes the endpoint reachable "
                   "from other machines (a warning is printed).")
@click.option("--port", type=click.IntRange(0, 65535), default=7879, show_default=True,
              help="Port to listen on (0 picks a free one).")
@_data_option
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Deadline of each query, in seconds: a query still running is stopped "
                   "and answered 503.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Cut answers to this many rows or triples (header Trilat-Kg-Truncated).")
@click.option("--max-query-bytes", type=click.IntRange(min=1), default=64 * 1024,
              show_default=True, help="Answer 413 to a longer query or request body.")
def serve(host: str, port: int, data: Sequence[Path], timeout: float, max_rows: int,
          max_query_bytes: int) -> None:
    """Serve the dataset as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    GET or POST /sparql (SPARQL 1.1 Protocol), GET /queries/NAME?param=value for a canned
    query, GET / for help. Updates, SERVICE, FROM / FROM NAMED and LOAD are refused (400).
    Each request is logged on stderr without its query. Ctrl-C stops the server (exit 130).
    """
    from .serve import serve as run_serve

    run_serve(host, port, extra=tuple(data), timeout=timeout, max_rows=max_rows,
              max_query_bytes=max_query_bytes)


@cli.group()
def links() -> None:
    """Check the dataset's links to other datasets (Wikidata)."""


@links.command("check")
@click.option("--endpoint", metavar="URL", default=None,
              help="A Wikidata-compatible SPARQL endpoint. "
                   "Default: https://query.wikidata.org/sparql")
@_data_option
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Total deadline of each request, in seconds.")
@click.option("--all", "show_all", is_flag=True, help="List the links that check out too.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default=None,
              help="Output format. Default: table on a terminal, csv when piped.")
def links_check(endpoint: str | None, data: Sequence[Path], timeout: float,
                show_all: bool, fmt: str | None) -> None:
    """Report owl:sameAs / skos:exactMatch links to Wikidata whose target is missing,
    redirected or of an unexpected kind.

    Exit 0 when every link checks out, 1 when problems are reported, 3 when the endpoint
    fails.
    """
    from .links import WIKIDATA, check_links, reports_result

    reports = check_links(endpoint or WIKIDATA, extra=tuple(data), timeout=timeout)
    problems = [r for r in reports if r.problem]
    _render(reports_result(reports if show_all else problems), fmt)
    click.echo(f"trilat-kg: {len(reports)} links checked, {len(problems)} with problems",
               err=True)
    sys.exit(1 if problems else 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``trilat-kg`` script.

    SIGTERM and SIGHUP stop a command as Ctrl-C does (clean-up runs), exit 128 + N.
    """
    from .signals import install

    install()
    try:
        code: Any = 0
        try:
            cli.main(args=list(argv) if argv is not None else None, prog_name="trilat-kg")
        except SystemExit as exc:
            code = exc.code
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = 141
    except KeyboardInterrupt as exc:
        code = _interrupted(exc)
    except OSError as exc:  # the last flush of stdout, on a full device
        _error(_os_error(exc))
        _silence_stdout()
        code = 4
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()

"""``trilat-kg push`` into a real Virtuoso 7, over HTTP Digest, and queries back from it.

One Virtuoso (the Debian package's ``virtuoso-t``, see tests/engines/virtuoso.py) is started
for the module on 127.0.0.1 with a fresh database and stopped at the end. Its row cap
(``ResultSetMaxRows``) is set to 1000 so that a cut answer can be shown to be refused.
Without ``virtuoso-t`` the module is skipped, unless ``TRILAT_REQUIRE_ENGINES=1`` (CI),
where that is a failure.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from engines.virtuoso import VirtuosoServer, require_virtuoso, start_virtuoso

from trilat_kg.cli import cli
from trilat_kg.errors import RemoteError
from trilat_kg.queries import run_query
from trilat_kg.remote import sparql_select
from trilat_kg.resources import GRAPHS
from trilat_kg.store import load_store

#: No request leaves 127.0.0.1 (an audit hook in conftest.py fails the test).
pytestmark = [pytest.mark.usefixtures("loopback_only"), pytest.mark.slow]
ROW_CAP = 1000
STATES = ("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE "
          "{ ?s a <https://w3id.org/trilat-kg/ontology#State> }")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    require_virtuoso()
    folder = tmp_path_factory.mktemp("virtuoso")
    with start_virtuoso(folder, settings={"SPARQL": {"ResultSetMaxRows": str(ROW_CAP)}}) \
            as server:
        yield server


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty HOME: no netrc file of the machine is read."""
    return tmp_path_factory.mktemp("home")


def push_env(home: Path, user: str | None, password: str | None) -> dict[str, str | None]:
    return {"HOME": str(home), "NETRC": None, "TRILAT_KG_USER": user,
            "TRILAT_KG_PASSWORD": password}


def local_counts() -> dict[str, int]:
    import pyoxigraph as ox

    store = load_store()
    return {iri: sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
            for iri in GRAPHS.values()}


@pytest.fixture(scope="module")
def pushed(virtuoso: VirtuosoServer, home: Path) -> Any:
    """``trilat-kg push`` into the server, with Digest as dba (the CLI's result)."""
    return CliRunner().invoke(
        cli, ["push", "--endpoint", virtuoso.sparql_url, "--format", "csv"],
        env=push_env(home, virtuoso.user, virtuoso.password))


def counts_of(stdout: str) -> dict[str, int]:
    rows = [line.split(",") for line in stdout.strip().splitlines()]
    assert rows[0] == ["graph", "triples"]
    return {graph: int(n) for graph, n in rows[1:]}


def test_push_with_digest_is_verified(virtuoso: VirtuosoServer, pushed: Any) -> None:
    assert pushed.exit_code == 0, pushed.stderr
    assert counts_of(pushed.stdout) == local_counts()
    # Virtuoso's default graph (no FROM) is every graph: no default-graph warning
    assert pushed.stderr == "trilat-kg: pushed and verified 4 graphs\n"
    assert virtuoso.password not in pushed.output


def test_virtuoso_answers_the_seven_states(virtuoso: VirtuosoServer, pushed: Any) -> None:
    assert pushed.exit_code == 0, pushed.stderr
    result = sparql_select(virtuoso.sparql_url, STATES, timeout=30)
    assert str(result.rows[0][0]) == "7"
    crosswalk = run_query("state-identifier-crosswalk", endpoint=virtuoso.sparql_url,
                          timeout=30)
    assert len(crosswalk.rows) == 7


def test_push_twice_leaves_the_same_store(virtuoso: VirtuosoServer, pushed: Any,
                                          home: Path) -> None:
    total = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), " \
            "'https://w3id.org/trilat-kg/graphs/')) }"
    before = str(sparql_select(virtuoso.sparql_url, total, timeout=30).rows[0][0])
    again = CliRunner().invoke(cli, ["push", "--endpoint", virtuoso.sparql_url, "--format",
                                     "csv"], env=push_env(home, virtuoso.user,
                                                          virtuoso.password))
    assert again.exit_code == 0, again.stderr
    assert counts_of(again.stdout) == counts_of(pushed.stdout)
    assert str(sparql_select(virtuoso.sparql_url, total, timeout=30).rows[0][0]) == before
    assert int(before) == sum(local_counts().values())


def test_wrong_password_is_authentication_failed(virtuoso: VirtuosoServer, home: Path) -> None:
    wrong = "not-the-dba-Pa55word"
    result = CliRunner().invoke(cli, ["push", "--endpoint", virtuoso.sparql_url],
                                env=push_env(home, virtuoso.user, wrong))
    assert result.exit_code == 3
    assert result.stderr == (f"trilat-kg: error: {virtuoso.crud_url}: authentication failed "
                             "(HTTP 401 Unauthorized)\n")
    token = base64.b64encode(f"{virtuoso.user}:{wrong}".encode()).decode()
    assert wrong not in result.output and token not in result.output


def test_no_credentials_says_how_to_give_them(virtuoso: VirtuosoServer, home: Path) -> None:
    result = CliRunner().invoke(cli, ["push", "--endpoint", virtuoso.sparql_url],
                                env=push_env(home, None, None))
    assert result.exit_code == 3
    assert "authentication failed (HTTP 401 Unauthorized); no credentials were given" \
        in result.stderr


def test_an_answer_cut_at_the_row_cap_is_refused(virtuoso: VirtuosoServer,
                                                 pushed: Any) -> None:
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    with pytest.raises(RemoteError) as caught:
        sparql_select(virtuoso.sparql_url, everything, timeout=30)
    assert str(caught.value) == (
        f"{virtuoso.sparql_url}: HTTP 200: the server cut the answer to {ROW_CAP} rows "
        f"(header X-SPARQL-MaxRows: {ROW_CAP}); the partial answer is not shown: narrow the "
        "query or raise the server's row cap")
    # below the cap the answer is whole, and not gzipped although the server could
    below = sparql_select(virtuoso.sparql_url, everything + f" LIMIT {ROW_CAP - 1}",
                          timeout=30)
    assert len(below.rows) == ROW_CAP - 1

"""`trilat-kg serve` for a browser: the page at `/`, the canned-query forms, resource pages.

The fast tests start one server in-process (127.0.0.1, port 0) with a --data file whose
labels carry markup, and check the HTML routes, the escaping and the content negotiation of
resource IRIs. The slow test drives Debian's chromium through Selenium against a real
`trilat-kg serve`: the editor, a canned query through its form, a resource page, and no
request anywhere but 127.0.0.1; it saves the screenshot the README shows
(TRILAT_UPDATE_SCREENSHOT=1 copies it to docs/serve-page.png).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from trilat_kg.serve import SparqlServer
from trilat_kg.web import STATIC, iri_of_path, local_path

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/trilat-kg/"
JAPAN = BASE + "id/states/japan"
STATE = BASE + "ontology#State"
XSS = "<script>alert('x')</script> & \"Land\""
XSS_IRI = BASE + "id/groups/markup-land"
GROUP = BASE + "ontology#Group"
POINTER = BASE + "id/organizations/markup-pointer"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SCREENSHOT = ROOT / "docs" / "serve-page.png"


def _missing(reason: str) -> NoReturn:
    if os.environ.get("TRILAT_REQUIRE_ENGINES") == "1":
        pytest.fail(f"{reason} (TRILAT_REQUIRE_ENGINES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def markup_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A group whose labels hold markup, and a resource pointing at it (an incoming link)."""
    path = tmp_path_factory.mktemp("web") / "markup.ttl"
    graph = Graph()
    graph.add((URIRef(XSS_IRI), RDF.type, URIRef(GROUP)))
    graph.add((URIRef(XSS_IRI), RDFS.label, Literal(XSS, lang="en")))
    graph.add((URIRef(XSS_IRI), RDFS.comment, Literal("</td></tr><img src=x onerror=alert(1)>")))
    graph.add((URIRef(POINTER), RDFS.label, Literal("Pointer <b>bold</b>", lang="en")))
    graph.add((URIRef(POINTER), URIRef(BASE + "ontology#member"), URIRef(XSS_IRI)))
    graph.add((URIRef(POINTER), URIRef("http://purl.org/dc/terms/source"),
               URIRef("javascript:alert(2)")))
    graph.serialize(path, format="turtle")
    return path


class Client:
    def __init__(self, server: SparqlServer) -> None:
        self.server = server
        parts = urlsplit(server.url)
        self.host, self.port = parts.hostname or "", parts.port or 0

    def get(self, path: str, accept: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            sent = dict(headers or {})
            if accept is not None:
                sent["Accept"] = accept
            conn.request("GET", path, headers=sent)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def web(markup_data: Path) -> Iterator[Client]:
    log: list[str] = []
    server = SparqlServer("127.0.0.1", 0, extra=[markup_data], timeout=10, max_rows=200,
                          workers=1, slow_lane=1, log=log.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Client(server)
    finally:
        server.shutdown()
        server.close()
        thread.join(10)


def _text(body: bytes) -> str:
    return body.decode("utf-8")


# ---------------------------------------------------------------- paths and IRIs


@pytest.mark.parametrize(("iri", "path"), [
    (JAPAN, "/id/states/japan"),
    (BASE + "ontology#State", "/ontology/State"),
    (BASE + "ontology", "/ontology"),
    (BASE + "graphs/essay", "/graphs/essay"),
])
def test_iris_and_paths_map_both_ways(iri: str, path: str) -> None:
    assert local_path(iri) == path
    assert iri_of_path(path) == iri


def test_only_the_datasets_iris_have_pages() -> None:
    assert local_path("http://www.wikidata.org/entity/Q17") is None
    assert local_path(BASE + "shapes#StateShape") is None
    assert local_path(BASE + "id/passages/p1#quote") == "/id/passages/p1#quote"
    assert iri_of_path("/id/") is None
    assert iri_of_path("/id/states/%3Cx%3E") is None  # not an IRI
    assert iri_of_path("/ontology/a/b") is None


# ---------------------------------------------------------------- the page at /


def test_home_page_for_a_browser(web: Client) -> None:
    status, headers, body = web.get("/", BROWSER)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    page = _text(body)
    assert '<div id="yasgui">' in page
    assert '<script src="/static/yasgui/yasgui.min.js"></script>' in page
    assert 'href="/static/yasgui/yasgui.min.css"' in page
    assert "<script>" not in page  # no inline script (the policy forbids them)
    # every canned query that stays offline is a form and an example of the editor
    assert 'action="/forms/agreements-of-actor"' in page
    assert 'name="actor"' in page
    assert "wikidata-state-population" not in page  # federated: not served
    examples = re.search(r'<script type="application/json" id="example-queries">(.*?)</script>',
                         page, re.S)
    assert examples
    loaded = json.loads(examples.group(1))
    by_slug = {e["slug"]: e for e in loaded}
    assert "state-identifier-crosswalk" in by_slug
    # defaults are filled in, so each example runs as it is
    assert "VALUES" in by_slug["agreements-of-actor"]["text"]
    # no address outside this server is loaded by the page
    assert not re.search(r'(src|href)="(https?:)?//', page.split("<main>")[0])


def test_home_page_for_a_program_is_the_plain_help(web: Client) -> None:
    for accept in (None, "*/*", "text/plain"):
        status, headers, body = web.get("/", accept)
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain")
        assert b"/id/<kind>/<name>" in body


def test_static_files_are_the_vendored_ones(web: Client) -> None:
    for path, (name, content_type) in STATIC.items():
        status, headers, body = web.get(path)
        assert status == 200, path
        assert headers["Content-Type"] == content_type
        assert body == (ROOT / "src" / "trilat_kg" / "web" / name).read_bytes()
    assert web.get("/static/yasgui/yasgui.min.js.map")[0] == 404
    assert web.get("/static/../serve.py")[0] == 404


def test_vendored_yasgui_has_its_licence_and_version() -> None:
    folder = ROOT / "src" / "trilat_kg" / "web" / "vendor" / "yasgui"
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert (folder / "VERSION").read_text(encoding="utf-8").strip() == "@zazuko/yasgui 4.6.2"
    assert "sha512-" in (folder / "README.md").read_text(encoding="utf-8")
    assert not list(folder.glob("*.map"))


def test_site_script_keeps_the_editor_local() -> None:
    script = (ROOT / "src" / "trilat_kg" / "web" / "static" / "site.js").read_text("utf-8")
    assert 'window.location.origin + "/sparql"' in script
    assert "persistenceId: null" in script
    assert "prefixCcApi = null" in script
    assert 'autocompleters = local.slice()' in script


# ---------------------------------------------------------------- resource pages


def test_resource_is_turtle_by_default(web: Client) -> None:
    for accept in (None, "*/*", "text/turtle"):
        status, headers, body = web.get("/id/states/japan", accept)
        assert status == 200, body
        assert headers["Content-Type"] == "text/turtle; charset=utf-8"
        assert headers["Vary"] == "Accept"
        graph = Graph().parse(data=body.decode(), format="turtle")
        assert (URIRef(JAPAN), RDF.type, URIRef(STATE)) in graph
        assert (URIRef(JAPAN), RDFS.label, Literal("Japan", lang="en")) in graph
        assert any(True for _ in graph.subject_predicates(URIRef(JAPAN)))  # incoming too


@pytest.mark.parametrize(("accept", "fmt", "media", "rdflib_format"), [
    ("application/ld+json", None, "application/ld+json", "json-ld"),
    ("application/json", None, "application/ld+json", "json-ld"),
    (None, "jsonld", "application/ld+json", "json-ld"),
    ("application/n-triples", None, "application/n-triples", "nt"),
    (None, "rdfxml", "application/rdf+xml", "xml"),
    ("text/html", "ttl", "text/turtle", "turtle"),  # the parameter wins
])
def test_resource_in_each_format(web: Client, accept: str | None, fmt: str | None, media: str,
                                 rdflib_format: str) -> None:
    path = "/id/states/japan" + (f"?format={fmt}" if fmt else "")
    status, headers, body = web.get(path, accept)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    graph = Graph().parse(data=body.decode(), format=rdflib_format)
    assert (URIRef(JAPAN), RDFS.label, Literal("Japan", lang="en")) in graph


def test_resource_page_for_a_browser(web: Client) -> None:
    status, headers, body = web.get("/id/states/japan", BROWSER)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Security-Policy" in headers
    page = _text(body)
    assert "<h1>Japan</h1>" in page
    for section in ("types", "labels", "outgoing", "incoming"):
        assert f'<section id="{section}">' in page, section
    assert '<a href="/ontology/State"' in page  # its type, a link to the term's page
    assert "日本" in page  # labels in every language
    assert 'href="/id/agreements/' in page  # an incoming link from an agreement
    assert 'class="external"' in page  # Wikidata and other vocabularies link out


def test_agreement_page_has_its_life_cycle_passages_and_sources(web: Client) -> None:
    status, _, body = web.get("/id/agreements/japan-rok-gsomia", BROWSER)
    assert status == 200
    page = _text(body)
    timeline = page.split('<section id="lifecycle">')[1].split("</section>")[0]
    dates = re.findall(r'<span class="date">(\d{4}-\d{2}-\d{2})</span>', timeline)
    assert "2016-11-23" in dates  # signed
    passages = page.split('<section id="passages">')[1].split("</section>")[0]
    assert '<q class="quote">' in passages
    assert re.search(r'<td class="num">\d+</td><td class="num">\d+</td>', passages)
    sources = page.split('<section id="sources">')[1].split("</section>")[0]
    assert 'rel="external noopener noreferrer"' in sources


def test_passage_page_shows_its_quote_and_offsets(web: Client) -> None:
    status, _, body = web.get("/id/passages/act-japan-rok", BROWSER)
    assert status == 200
    page = _text(body)
    assert "Japan and the Republic of Korea (ROK) stand out" in page
    assert '<section id="passages">' in page


def test_ontology_pages(web: Client) -> None:
    status, _, body = web.get("/ontology", BROWSER)
    assert status == 200
    page = _text(body)
    assert '<tr id="State"><td><a href="/ontology/State">State</a>' in page  # /ontology#State
    status, _, body = web.get("/ontology/State", BROWSER)
    assert status == 200
    assert '<section id="incoming">' in _text(body)
    status, headers, body = web.get("/ontology", "text/turtle")
    assert status == 200
    assert headers["Trilat-Kg-Truncated"] == "200"  # the ontology is larger than the cap
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert len(graph) == 200
    assert all(str(s).startswith(BASE + "ontology") for s in graph.subjects(unique=True)
               if isinstance(s, URIRef))


def test_every_value_from_the_data_is_escaped(web: Client) -> None:
    status, _, body = web.get("/id/groups/markup-land", BROWSER)
    assert status == 200
    page = _text(body)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Land&quot;" in page
    assert "Pointer &lt;b&gt;bold&lt;/b&gt;" in page  # the incoming link's label
    # an IRI of the data with a script scheme is shown, never linked
    status, _, body = web.get("/id/organizations/markup-pointer", BROWSER)
    assert status == 200
    page = _text(body)
    assert "javascript:alert(2)" in page
    assert 'href="javascript:' not in page.lower()
    # the --data file is merged: its resource is served as data too
    status, _, body = web.get("/id/groups/markup-land", "text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert (URIRef(XSS_IRI), RDFS.label, Literal(XSS, lang="en")) in graph
    # and in the answer of a canned query through its form
    status, _, body = web.get("/forms/find-by-label?label=" + quote(XSS), BROWSER)
    assert status == 200, body
    page = _text(body)
    assert 'href="/id/groups/markup-land"' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_unknown_resource_is_404_with_the_closest(web: Client) -> None:
    status, headers, body = web.get("/id/states/japn", BROWSER)
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = _text(body)
    assert "id/states/japn is not in the graph" in page
    assert '<a href="/id/states/japan">Japan</a>' in page
    status, headers, body = web.get("/id/states/japn")
    assert status == 404
    assert headers["Content-Type"].startswith("text/plain")
    assert b"closest: state:japan" in body
    status, _, body = web.get("/id/states/%3Cscript%3E", BROWSER)
    assert status == 404
    assert b"<script>" not in body


def test_unacceptable_resource_format_is_406(web: Client) -> None:
    status, _, body = web.get("/id/states/japan?format=csv")
    assert status == 406
    assert b"format=html, ttl, jsonld" in body
    assert web.get("/id/states/japan", "image/png")[0] == 406


def test_pages_go_through_the_workers_and_are_kept(web: Client) -> None:
    pool = web.server.pool
    before = pool.jobs
    assert web.get("/id/states/china", BROWSER)[0] == 200
    assert pool.jobs == before + 1
    assert web.get("/id/states/china", BROWSER)[0] == 200  # served again from the cache
    assert pool.jobs == before + 1
    assert web.get("/id/states/china", "text/turtle")[0] == 200  # another format, another job
    assert pool.jobs == before + 2


def test_host_check_covers_the_pages(web: Client) -> None:
    for path in ("/", "/id/states/japan", "/static/site.js", "/forms/find-by-label"):
        status, _, _ = web.get(path, BROWSER, headers={"Host": "evil.example:80"})
        assert status == 403, path
    status, _, _ = web.get("/id/states/japan", BROWSER, headers={"Host": "localhost"})
    assert status == 200


# ---------------------------------------------------------------- canned queries as forms


def test_form_runs_the_query_with_a_label(web: Client) -> None:
    status, headers, body = web.get("/forms/agreements-of-actor?actor=Japan", BROWSER)
    assert status == 200
    assert "Content-Security-Policy" in headers
    page = _text(body)
    assert '<table class="results">' in page
    rows = re.findall(r"<tr><td>", page.split('<table class="results">')[1])
    assert rows
    assert 'href="/id/agreements/' in page
    assert 'value="Japan"' in page  # the form keeps what was typed


def test_form_without_values_shows_the_defaults_answer(web: Client) -> None:
    status, _, body = web.get("/forms/state-identifier-crosswalk", BROWSER)
    assert status == 200
    page = _text(body)
    count = re.search(r'<span id="row-count">(\d+)</span>', page)
    assert count and count.group(1) == "7"


def test_form_with_a_bad_value_is_400_naming_candidates(web: Client) -> None:
    status, _, body = web.get("/forms/agreements-of-actor?actor=Japn", BROWSER)
    assert status == 400
    page = _text(body)
    assert "no resource is called" in page and "state:japan" in page
    assert web.get("/forms/no-such-query", BROWSER)[0] == 404
    assert web.get("/forms/wikidata-state-population", BROWSER)[0] == 400


def test_canned_query_endpoint_is_unchanged_for_browsers(web: Client) -> None:
    """`/queries/<name>` stays a SPARQL answer whatever the browser asks for."""
    status, headers, _ = web.get(f"/queries/agreements-of-actor?actor={quote(JAPAN)}", BROWSER)
    assert status == 200
    assert headers["Content-Type"] == "application/sparql-results+xml"


# ---------------------------------------------------------------- the wheel


@pytest.mark.slow
def test_wheel_holds_the_web_files(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                           "--outdir", str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("__init__.py", "pages.py", "static/site.css", "static/site.js",
                 "vendor/yasgui/yasgui.min.js", "vendor/yasgui/yasgui.min.css",
                 "vendor/yasgui/LICENSE", "vendor/yasgui/VERSION", "vendor/yasgui/README.md"):
        assert f"trilat_kg/web/{name}" in names, name


# ---------------------------------------------------------------- a real browser


@pytest.fixture(scope="module")
def real_server(markup_data: Path) -> Iterator[str]:
    """`trilat-kg serve --port 0 --data markup.ttl` in a subprocess; stopped with Ctrl-C."""
    proc = subprocess.Popen([sys.executable, "-m", "trilat_kg.cli", "serve", "--port", "0",
                             "--data", str(markup_data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        try:
            first = lines.get(timeout=120)
        except queue.Empty:
            pytest.fail("trilat-kg serve did not start within 120 s")
        assert first.startswith("trilat-kg: serving http://127.0.0.1:"), first
        yield first.split()[2][: -len("/sparql")]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium through its chromedriver; no download, no network."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install selenium)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if chromium is None or driver_path is None:
        _missing("chromium and chromedriver are not installed (Debian: chromium "
                 "chromium-driver)")
    profile = tempfile.mkdtemp(prefix="trilat-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--disable-default-apps", "--disable-extensions", "--window-size=1280,1000",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _requested(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _wait(driver: Any, condition: Any, what: str, timeout: float = 30) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout).until(condition)
    except TimeoutException:
        logs = driver.get_log("browser")
        pytest.fail(f"timed out waiting for {what}; console: {logs}")


@pytest.mark.slow
def test_a_browser_runs_a_canned_query_and_opens_a_resource(real_server: str, browser: Any,
                                                            tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    def found(css: str) -> Any:
        return lambda d: d.find_elements(By.CSS_SELECTOR, css) or False

    driver = browser
    urls: list[str] = []
    driver.get(real_server + "/")
    _wait(driver, found(".yasqe .CodeMirror"), "the SPARQL editor")
    # the editor holds the first example; run it from the editor's own button
    _wait(driver, found(".yasqe .yasqe_queryButton"), "the query button")[0].click()
    _wait(driver, found(".yasr tbody tr td"), "the editor's result rows")
    time.sleep(0.5)  # let the table settle before the picture
    shot = tmp_path / "serve-page.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("TRILAT_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    timing = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    urls += timing + _requested(driver)

    # an IRI of the dataset in the editor's results opens its page on this server
    link = _wait(driver, found(".yasr tbody a[href^='https://w3id.org/trilat-kg/id/states/']"),
                 "a link in the editor's results")[0]
    state = link.get_attribute("href")
    driver.execute_script("arguments[0].scrollIntoView(); arguments[0].click();", link)
    _wait(driver, found("section#incoming"), "the state's page")
    assert driver.current_url == real_server + "/" + state[len(BASE):]
    assert len(driver.window_handles) == 1
    urls += _requested(driver)
    driver.get(real_server + "/")
    _wait(driver, found("li#q-agreements-of-actor form"), "the canned queries' forms")

    # a canned query through its form: a label is enough for an IRI parameter
    form = driver.find_element(By.CSS_SELECTOR, "li#q-agreements-of-actor form")
    field = form.find_element(By.NAME, "actor")
    field.clear()
    field.send_keys("Japan")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    rows = _wait(driver, found("table.results tbody tr"), "the form's result rows")
    assert len(rows) >= 3
    links = driver.find_elements(By.CSS_SELECTOR, "table.results a[href^='/id/agreements/']")
    assert links
    name = links[0].text
    links[0].click()
    _wait(driver, found("section#incoming"), "the resource page")
    assert driver.find_element(By.TAG_NAME, "h1").text == name
    assert driver.find_elements(By.CSS_SELECTOR, "section#types li a")
    assert driver.find_elements(By.CSS_SELECTOR, "section#labels td")
    assert driver.find_elements(By.CSS_SELECTOR, "section#incoming table.links tbody tr")
    # a type is a link to the ontology's page of the term
    driver.find_element(By.CSS_SELECTOR, "section#types li a").click()
    _wait(driver, found("section#incoming"), "the term's page")
    assert "/ontology/" in driver.current_url

    # the page of a resource whose label is markup shows it as text
    driver.get(real_server + "/id/groups/markup-land")
    _wait(driver, found("h1"), "the markup resource's page")
    assert driver.find_element(By.TAG_NAME, "h1").text == XSS
    urls += driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)") + _requested(driver)

    # every request that went over the network went to this server (chrome:// and data:
    # are the browser's own, never sent anywhere)
    network = [u for u in urls if u.split(":", 1)[0].lower() in ("http", "https", "ws", "wss")]
    outside = [u for u in network if not u.startswith(real_server + "/")]
    assert not outside, outside
    assert any(u.endswith("/static/yasgui/yasgui.min.js") for u in network)
    assert any(u.startswith(real_server + "/sparql") for u in network)  # the editor's query

    # a machine gets data from the same IRI
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        parts = urlsplit(real_server)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", "/id/states/japan", headers={"Accept": accept})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        assert response.status == 200
        assert response.getheader("Content-Type").split(";")[0] == accept
        graph = Graph().parse(data=body.decode(), format=fmt)
        assert (URIRef(JAPAN), RDFS.label, Literal("Japan", lang="en")) in graph


def test_readme_shows_the_screenshot() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/serve-page.png)" in readme
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

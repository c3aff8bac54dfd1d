"""Apache Jena 4.5 (ARQ over TDB2) from Debian's ``libapache-jena-java``, on 127.0.0.1.

Debian has no Fuseki and no ``arq``/``tdb2.*`` launchers, only the jars in /usr/share/java,
so everything here runs ``java -cp JARS CLASS``:

- :func:`load` is ``java -cp … tdb2.tdbloader --loc DIR FILE…`` (N-Quads keep their named
  graphs; quads without a graph go to the TDB2 default graph);
- :func:`tdbquery` is ``java -cp … tdb2.tdbquery --loc DIR [--set
  tdb:unionDefaultGraph=true] --results=json --query FILE``, one JVM per query;
- :func:`start` runs a small SPARQL 1.1 Protocol server (:data:`SERVER_SOURCE`, the JDK's
  ``com.sun.net.httpserver``, launched from source so a JRE is enough) over the same TDB2
  database and the same ARQ engine, so a whole catalogue costs one JVM: ``/stock`` answers
  from the stored default graph, ``/union`` with the context setting
  ``tdb:unionDefaultGraph`` on (the default graph is then the RDF merge of the named graphs,
  as ``tdbquery --set tdb:unionDefaultGraph=true`` does).

Debian's jena-core 4.5.0-2 keeps the xerces message bundles under
``org/apache/jena/ext/xerces/…`` while its (relocated) classes look for them under
``xerces/…``; any datatype check then dies with ExceptionInInitializerError. :func:`classpath`
copies the bundles to the package the classes expect, in a folder put first on the class
path.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["JARS", "Server", "classpath", "java", "load", "missing", "start", "tdbquery"]

JAVA_DIR = Path("/usr/share/java")
#: Jena's jars and the libraries they need, as Debian names them (unversioned links).
JARS = (
    "jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-dboe-base", "jena-dboe-index",
    "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction", "jena-iri",
    "jena-rdfconnection", "jena-tdb", "jena-tdb2",
    "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io",
    "commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpcore",
    "jackson-annotations", "jackson-core", "jackson-databind", "jakarta.json-api",
    "jsonld-java", "protobuf", "slf4j-api", "slf4j-nop", "thrift", "titanium-json-ld",
)
_XERCES_FROM = "org/apache/jena/ext/xerces/"
#: Requests to 127.0.0.1 go straight there, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def java() -> str | None:
    return shutil.which("java")


def missing() -> str | None:
    """Why Jena cannot run here (no java, a missing jar), or None when it can."""
    if java() is None:
        return "no java (Debian default-jre-headless)"
    absent = [name for name in JARS if not (JAVA_DIR / f"{name}.jar").is_file()]
    if absent:
        return f"Jena jars missing from {JAVA_DIR} (Debian libapache-jena-java): {absent}"
    return None


def classpath(workdir: Path) -> str:
    """The class path: the xerces bundle fix first, then the Debian jars."""
    fix = workdir / "xerces-fix"
    if not fix.is_dir():
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith(_XERCES_FROM) and not name.endswith((".class", "/")):
                    target = fix / "xerces" / name[len(_XERCES_FROM):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    return ":".join([str(fix), *(str(JAVA_DIR / f"{name}.jar") for name in JARS)])


def load(location: Path, files: Sequence[Path], workdir: Path) -> None:
    """``tdb2.tdbloader --loc location files…`` (a new TDB2 database)."""
    command = [java() or "java", "-cp", classpath(workdir), "tdb2.tdbloader",
               "--loc", str(location), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode:
        raise RuntimeError(f"tdb2.tdbloader failed: {done.stderr.strip()[-2000:]}")


def tdbquery(location: Path, query: str, workdir: Path, *, union: bool) -> dict:  # type: ignore[type-arg]
    """Run one query with ``tdb2.tdbquery`` (one JVM) and return its SPARQL JSON."""
    path = workdir / "query.rq"
    path.write_text(query, encoding="utf-8")
    command = [java() or "java", "-cp", classpath(workdir), "tdb2.tdbquery",
               "--loc", str(location), "--results=json", "--query", str(path)]
    if union:
        command[6:6] = ["--set", "tdb:unionDefaultGraph=true"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode:
        raise RuntimeError(f"tdb2.tdbquery failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


SERVER_SOURCE = r"""
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import static java.nio.charset.StandardCharsets.UTF_8;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;

/** SPARQL 1.1 Protocol (SELECT and ASK, JSON results) over one TDB2 database. */
public class TrilatJenaServer {
    static Dataset dataset;

    public static void main(String[] args) throws Exception {
        dataset = TDB2Factory.connectDataset(args[0]);
        int port = Integer.parseInt(args[1]);
        HttpServer server = HttpServer.create(
            new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 16);
        server.createContext("/stock", exchange -> handle(exchange, false));
        server.createContext("/union", exchange -> handle(exchange, true));
        server.start();
        System.out.println("ready " + port);
        System.out.flush();
    }

    static String field(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq > 0 ? URLDecoder.decode(pair.substring(0, eq), UTF_8) : "";
            if (key.equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), UTF_8);
            }
        }
        return null;
    }

    static void handle(HttpExchange exchange, boolean union) {
        int status = 200;
        byte[] body;
        String type = "application/sparql-results+json";
        try {
            String text = null;
            String raw = exchange.getRequestURI().getRawQuery();
            if (raw != null) text = field(raw, "query");
            if ("POST".equals(exchange.getRequestMethod())) {
                String posted = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                if (contentType != null && contentType.startsWith("application/sparql-query")) {
                    text = posted;
                } else {
                    text = field(posted, "query");
                }
            }
            if (text == null) throw new IllegalArgumentException("no query");
            Query query = QueryFactory.create(text);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Txn.executeRead(dataset, () -> {
                try (QueryExecution execution = QueryExecution.dataset(dataset).query(query)
                        .set(TDB2.symUnionDefaultGraph, union).build()) {
                    if (query.isSelectType()) {
                        ResultSetFormatter.outputAsJSON(out, execution.execSelect());
                    } else if (query.isAskType()) {
                        ResultSetFormatter.outputAsJSON(out, execution.execAsk());
                    } else {
                        throw new IllegalArgumentException("only SELECT and ASK");
                    }
                }
            });
            body = out.toByteArray();
        } catch (Exception error) {
            status = 400;
            type = "text/plain; charset=utf-8";
            body = String.valueOf(error).getBytes(UTF_8);
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream stream = exchange.getResponseBody()) { stream.write(body); }
        } catch (Exception ignored) {
            exchange.close();
        }
    }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The protocol server; ``stock_url`` and ``union_url`` are its two endpoints."""

    def __init__(self, process: subprocess.Popen[bytes], base: str) -> None:
        self.process = process
        self.base = base
        self.stock_url = base + "/stock"
        self.union_url = base + "/union"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.process.kill()
                self.process.wait()


def start(location: Path, workdir: Path, wait: float = 90.0) -> Server:
    """Serve the TDB2 database at ``location`` on 127.0.0.1 (a free port) until ``stop()``."""
    source = workdir / "TrilatJenaServer.java"
    source.write_text(SERVER_SOURCE, encoding="utf-8")
    port = free_port()
    # Source-file mode (JEP 330) compiles in memory with the runtime's own compiler module.
    log = workdir / "jena-server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [java() or "java", "-cp", classpath(workdir), str(source), str(location), str(port)],
            stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = log.read_text(encoding="utf-8", errors="replace").strip()
            raise RuntimeError(f"the Jena protocol server exited: {error[-2000:]}")
        try:
            with _OPENER.open(server.stock_url + "?query=ASK%7B%7D", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the Jena protocol server did not answer within {wait:g} s")

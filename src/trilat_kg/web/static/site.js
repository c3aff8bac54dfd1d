/* The page at / of `trilat-kg serve`: YASGUI on this server's own /sparql, with the canned
   queries as examples. Nothing is loaded from or sent to any other address: the remote
   autocompleters are off, nothing is kept in the browser's storage, and links to the
   dataset's IRIs (https://w3id.org/trilat-kg/...) open this server's page of the resource. */
(function () {
  "use strict";
  var BASE = "https://w3id.org/trilat-kg/";

  function localPath(iri) {
    if (iri.indexOf(BASE) !== 0) return null;
    var rest = iri.slice(BASE.length);
    if (rest === "ontology") return "/ontology";
    if (rest.indexOf("ontology#") === 0) return "/ontology/" + rest.slice("ontology#".length);
    if (rest.indexOf("id/") === 0 || rest.indexOf("graphs/") === 0) return "/" + rest;
    return null;
  }

  function examples() {
    var data = document.getElementById("example-queries");
    return data ? JSON.parse(data.textContent) : [];
  }

  function start() {
    var root = document.getElementById("yasgui");
    if (!root || typeof window.Yasgui === "undefined") return;
    var Yasgui = window.Yasgui;
    var endpoint = window.location.origin + "/sparql";
    var local = ["variables", "prefixes"];  // prefixes: the list bundled with the editor
    if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
      // property and class completions ask a remote service (Linked Open Vocabularies)
      Yasgui.Yasqe.defaults.autocompleters = local.slice();
      Yasgui.Yasqe.defaults.prefixCcApi = null;
    }
    var all = examples();
    var opening = all.filter(function (e) { return e.slug === "state-identifier-crosswalk"; })[0]
      || all[0];
    var first = opening ? opening.text : "SELECT * WHERE { ?s ?p ?o } LIMIT 10";
    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      autofocus: false,
      corsProxy: undefined,
      yasqe: { value: first, prefixCcApi: null, editorHeight: "260px" }
    });
    var tab = yasgui.getTab();
    if (tab) {
      tab.setEndpoint(endpoint);
      var yasqe = tab.getYasqe();
      if (yasqe) {
        ["property", "class"].forEach(function (name) {
          if (yasqe.config.autocompleters.indexOf(name) >= 0) yasqe.disableCompleter(name);
        });
      }
    }
    window.trilatYasgui = yasgui;

    var select = document.getElementById("examples");
    function load(slug) {
      var found = all.filter(function (e) { return e.slug === slug; })[0];
      var current = yasgui.getTab();
      if (found && current) {
        current.setQuery(found.text);
        current.setName(found.slug);
        document.getElementById("editor").scrollIntoView();
      }
    }
    if (select) select.addEventListener("change", function () { load(select.value); });
    Array.prototype.forEach.call(document.querySelectorAll("button.to-editor"), function (b) {
      b.addEventListener("click", function () {
        if (select) select.value = b.getAttribute("data-slug");
        load(b.getAttribute("data-slug"));
      });
    });
    // result links to the dataset's IRIs open the resource's page here
    root.addEventListener("click", function (event) {
      var a = event.target.closest ? event.target.closest("a[href]") : null;
      if (!a) return;
      var path = localPath(a.getAttribute("href"));
      if (path) {
        event.preventDefault();
        window.location.assign(path);
      }
    }, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

"""trilat-kg: a linked-data knowledge graph of U.S.-Japan-ROK trilateral security cooperation.

The public API, for a notebook::

    import trilat_kg as tk
    ds = tk.load_dataset()                      # rdflib Dataset, one named graph per part
    store = tk.load_store(["mine.ttl"])         # DatasetStore (pyoxigraph), fast queries
    tk.validate().conforms                      # SHACL
    [q.slug for q in tk.catalogue()]            # the canned queries
    tk.run_query("agreements-of-actor", {"actor": "https://w3id.org/trilat-kg/id/states/japan"})
    tk.run_sparql("SELECT ...").to_dataframe()  # pandas, when installed
    tk.export.export_dataset("turtle", None)    # the export module
    tk.write_tables("tables/")                  # actors, agreements, dyad-years, stances (CSV)
    tk.search("GSOMIA", limit=5, lang="ja")     # resources by label, code or QID, ranked
    tk.resolve("state:japan")                   # IRI, CURIE, label or slug -> the IRI

Everything is imported on first use (module ``__getattr__``), so ``import trilat_kg`` and the
CLI's ``--help`` import no RDF library.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "QueryResult",
    "__version__",
    "catalogue",
    "export",
    "load_dataset",
    "load_store",
    "resolve",
    "run_query",
    "run_sparql",
    "search",
    "validate",
    "write_tables",
]

#: name -> (module, attribute); attribute None means the module itself. ``export`` is the
#: module :mod:`trilat_kg.export` (``export.export_dataset``, ``export.FORMATS``): a function
#: of that name would be replaced by the submodule as soon as anything imported it.
_LAZY: dict[str, tuple[str, str | None]] = {
    "QueryResult": ("results", "QueryResult"),
    "catalogue": ("queries", "catalogue"),
    "export": ("export", None),
    "load_dataset": ("graph", "load_dataset"),
    "load_store": ("store", "load_store"),
    # modules that can be called as their main function: trilat_kg.search("GSOMIA") runs
    # search.search, and stays right once the submodule is imported
    "resolve": ("resolve", None),
    "run_query": ("queries", "run_query"),
    "run_sparql": ("sparql", "run_sparql"),
    "search": ("search", None),
    "validate": ("validation", "validate"),
    "write_tables": ("tables", "write_tables"),
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("trilat-kg")
        except PackageNotFoundError:  # a source tree without installation
            value = "0.0.0+unknown"
        globals()["__version__"] = value
        return value
    if name in _LAZY:
        module_name, attribute = _LAZY[name]
        module = importlib.import_module(f"{__name__}.{module_name}")
        value = module if attribute is None else getattr(module, attribute)
        if attribute is not None:
            globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

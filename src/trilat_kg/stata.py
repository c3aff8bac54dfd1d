"""Stata files of the IR tables: each CSV table as a ``.dta`` file of format 118.

Format 118 (Stata 14 and later) stores text as UTF-8, so Japanese and Korean labels
survive. Every file carries, from the codebook:

* a **variable label** per column (the column's ``label``, at most 80 characters) and the
  table's title as the data label;
* **value labels**: an integer column with coded values (0/1 flags such as ``in_force``)
  gets the meanings the codebook gives its codes; a column whose allowed values are a SKOS
  vocabulary or a fixed list (``kind``, ``stage``, ``polarity``, ``modality`` ...) is stored
  as codes 1, 2, ... in the order of its allowed values in the codebook, each labelled with
  the value itself, so ``decode`` (Stata) or the categories (pandas) give back the CSV text;
* **types as the codebook says**: ``string`` columns stay strings (M49 ``"036"`` keeps its
  zero; ``str#``, or ``strL`` past 2,045 bytes), ``integer`` columns are ``byte``, ``int`` or
  ``long`` (the column's storage type, widened when a value needs it), ``date`` columns are
  Stata dates (``%td``, stored as doubles). An empty CSV cell is Stata's missing value
  (``.`` or ``""``).

The files are written with pandas (``DataFrame.to_stata``), imported only here and only when
the tables are written; the time stamp is the dataset's ``dcterms:modified`` date, so two
runs give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .tables import Column, Table

__all__ = ["INSTALL_HINT", "STORAGE_RANGES", "available", "dta_bytes", "encoded_labels",
           "stata_type"]

INSTALL_HINT = "writing the Stata files needs pandas: pip install 'trilat-kg[pandas]'"

#: Stata's integer storage types and the values each holds (the rest are missing codes).
STORAGE_RANGES: dict[str, tuple[int, int]] = {
    "byte": (-127, 100), "int": (-32767, 32740), "long": (-2147483647, 2147483620),
}
_PANDAS_INT = {"byte": "Int8", "int": "Int16", "long": "Int32"}
#: Longest ``str#`` (bytes); longer text is stored as ``strL``.
STR_MAX = 2045


def available() -> bool:
    """True when pandas (the .dta writer) can be imported."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def encoded_labels(column: Column, enum: Sequence[Any] | None) -> dict[str, int] | None:
    """Code of each allowed value of a vocabulary/enumerated string column, else None.

    Codes run 1, 2, ... in the order of ``enum`` (the codebook's allowed values); a
    ``;``-joined (multi-valued) column stays a string.
    """
    if column.type != "string" or column.multi or not enum:
        return None
    return {str(value): i for i, value in enumerate(enum, start=1)}


def stata_type(column: Column, enum: Sequence[Any] | None) -> str:
    """How the codebook says a column is stored in the .dta file."""
    if column.type == "integer":
        return column.storage or "int"
    if column.type == "date":
        return "double, Stata date (%td)"
    if encoded_labels(column, enum) is not None:
        return (f"byte, value label `{column.name}`: codes 1, 2, ... in the order of the "
                "allowed values, each labelled with its value")
    return "string (str#; strL past 2,045 bytes)"


def _widen(storage: str, values: list[int]) -> str:
    """The column's storage type, or the next wider one that holds every value."""
    order = list(STORAGE_RANGES)
    for name in order[order.index(storage):]:
        low, high = STORAGE_RANGES[name]
        if all(low <= v <= high for v in values):
            return name
    raise ValueError(f"integer values outside Stata's long range: {min(values)}..{max(values)}")


def dta_bytes(table: Table, rows: Sequence[Sequence[str]], *,
              enums: dict[str, Sequence[Any] | None], modified: date | None) -> bytes:
    """The .dta (format 118) bytes of one table: variable labels, value labels, types.

    ``enums`` maps a column name to its allowed values as the codebook lists them;
    ``modified`` is the time stamp written into the file (midnight of that day).
    """
    import pandas as pd

    data: dict[str, Any] = {}
    variable_labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    convert_dates: dict[str, str] = {}
    convert_strl: list[str] = []
    for i, column in enumerate(table.columns):
        cells = [row[i] for row in rows]
        name = column.name
        variable_labels[name] = column.label
        codes = encoded_labels(column, enums.get(name))
        if column.type == "integer":
            values = [int(c) for c in cells if c != ""]
            storage = _widen(column.storage or "int", values) if values else (
                column.storage or "int")
            data[name] = pd.array([int(c) if c != "" else None for c in cells],
                                  dtype=_PANDAS_INT[storage])
            if column.value_labels:
                value_labels[name] = {float(k): v for k, v in column.value_labels.items()}
        elif column.type == "date":
            data[name] = pd.to_datetime(pd.Series([c or None for c in cells], dtype="object"),
                                        format="%Y-%m-%d", errors="coerce")
            convert_dates[name] = "td"
        elif codes is not None:
            for extra in sorted({c for c in cells if c != "" and c not in codes}):
                codes[extra] = len(codes) + 1  # a value outside the vocabulary keeps a code
            storage = _widen("byte", list(codes.values()))
            data[name] = pd.array([codes[c] if c != "" else None for c in cells],
                                  dtype=_PANDAS_INT[storage])
            value_labels[name] = {float(code): value for value, code in codes.items()}
        else:
            data[name] = pd.Series(cells, dtype="object")
            if max((len(c.encode("utf-8")) for c in cells), default=0) > STR_MAX:
                convert_strl.append(name)
    frame = pd.DataFrame(data, columns=table.header)
    stamp = datetime.combine(modified or date(1970, 1, 1), datetime.min.time())
    buffer = io.BytesIO()
    frame.to_stata(buffer, write_index=False, version=118, time_stamp=stamp,
                   data_label=table.title[:80], variable_labels=variable_labels,
                   value_labels=value_labels or None, convert_dates=convert_dates or None,
                   convert_strl=convert_strl or None)
    return buffer.getvalue()

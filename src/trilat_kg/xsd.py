"""Is a lexical form in the lexical space of its XSD datatype? (ill-typed literal check)

RDF 1.1 Concepts §3.3 calls a literal whose lexical form is not in the lexical space of its
datatype *ill-typed*. Such a value is a fault of the data (``"30/06/2016"^^xsd:date``), and
the engines treat it differently: rdflib logs a traceback and keeps it, pyoxigraph keeps it
as an opaque literal, Jena warns. trilat-kg's loader refuses it, the same way for every
command (:mod:`trilat_kg.loader`).

The rules are the lexical spaces of XML Schema 1.1 Part 2 (W3C Recommendation, 5 April 2012),
§3.3 (primitive types) and §3.4 (derived types): the regular expressions below are the
lexical representations given there (``dateTimeLexicalRep``, ``gYearLexicalRep`` ...), with
the value constraints a pattern cannot say (day within its month, the bounds of ``int`` or
``positiveInteger``) checked in code. Datatypes outside :data:`CHECKED` are not checked.
"""

from __future__ import annotations

import re

__all__ = ["CHECKED", "XSD", "lexical_error"]

XSD = "http://www.w3.org/2001/XMLSchema#"

_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?([1-9][0-9]{3,}|0[0-9]{3})"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
_TIME = r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"

_PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}{_TZ}"),
    "dateTime": re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}"),
    "dateTimeStamp": re.compile(
        rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
    ),
    "time": re.compile(rf"{_TIME}{_TZ}"),
    "gYear": re.compile(rf"{_YEAR}{_TZ}"),
    "gYearMonth": re.compile(rf"{_YEAR}-{_MONTH}{_TZ}"),
    "gMonth": re.compile(rf"--{_MONTH}{_TZ}"),
    "gMonthDay": re.compile(rf"--{_MONTH}-{_DAY}{_TZ}"),
    "gDay": re.compile(rf"---{_DAY}{_TZ}"),
    "boolean": re.compile(r"true|false|1|0"),
    "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    "double": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    "integer": re.compile(r"[+-]?[0-9]+"),
    "duration": re.compile(
        r"-?P(?=[0-9T])([0-9]+Y)?([0-9]+M)?([0-9]+D)?"
        r"(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?"
    ),
}
_PATTERNS["float"] = _PATTERNS["double"]

#: Integer datatypes derived from xsd:integer, with their bounds (None: unbounded).
_INTEGER_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}

#: The datatype IRIs whose lexical forms are checked.
CHECKED: frozenset[str] = frozenset(XSD + name for name in (*_PATTERNS, *_INTEGER_BOUNDS))

_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def lexical_error(lexical: str, datatype: str) -> str | None:
    """Why ``lexical`` is not a valid ``datatype`` literal, or None when it is (or unchecked).

    ``datatype`` is a full IRI. Whitespace is not collapsed: RDF compares lexical forms as
    written, and ``"2016\\n"^^xsd:gYear`` is ill-typed (XSD's whitespace facet applies to
    schema-validated XML, not to RDF literals, RDF 1.1 Concepts §5.1).
    """
    if not datatype.startswith(XSD):
        return None
    name = datatype[len(XSD):]
    if name in _INTEGER_BOUNDS:
        if not _PATTERNS["integer"].fullmatch(lexical):
            return f"not an xsd:{name} (digits with an optional sign)"
        low, high = _INTEGER_BOUNDS[name]
        value = int(lexical)
        if (low is not None and value < low) or (high is not None and value > high):
            return f"out of the range of xsd:{name}"
        return None
    pattern = _PATTERNS.get(name)
    if pattern is None:
        return None
    if not pattern.fullmatch(lexical):
        return f"not an xsd:{name}"
    if name in ("date", "dateTime", "dateTimeStamp"):
        sign = -1 if lexical.startswith("-") else 1
        year_text, month_text, day_text = lexical.lstrip("-").split("-")[:3]
        year, month, day = sign * int(year_text), int(month_text), int(day_text[:2])
        limit = 29 if month == 2 and _leap(year) else (28 if month == 2 else _DAYS[month - 1])
        if day > limit:
            return f"not an xsd:{name} (day {day} of month {month})"
    if name == "gMonthDay":
        month, day = int(lexical[2:4]), int(lexical[5:7])
        if day > _DAYS[month - 1]:
            return f"not an xsd:{name} (day {day} of month {month})"
    return None

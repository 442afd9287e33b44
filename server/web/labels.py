"""Readable text for terms and literals (pure functions, plus one bundled file).

- ``vocabulary_labels()``: labels of the external vocabulary terms a page may show
  (schema.org, RDF, RDFS, XSD, OWL, SKOS, ORG, PROV-O, SHACL, FOAF, Dublin Core, VoID,
  DCAT...), from ``server/vocabulary_labels.ttl``: engine-level, read once, never part
  of the published dataset. The loaded ontology's own labels win over them
  (``known_labels``).
- ``literal_text``: a typed literal as a reader writes it: ``P1Y6M`` -> "1 year 6
  months", ``2024-04-06`` -> "6 April 2024", ``true`` -> "yes".
- ``DateSpec`` / ``date_text``: a date node (a resource holding a value, bounds,
  precision and basis, as the site file's ``[dates]`` names them) as its date:
  "6 April 2024 (day, stated)", "August 2018 (month, inferred)".
- ``humanize``: the last IRI segment of an unlabelled resource of the dataset as words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "vocabulary_labels.ttl"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_DURATION = re.compile(r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_DURATION_UNITS = ("year", "month", "week", "day", "hour", "minute", "second")
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4,})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_INTEGERS = {str(XSD[n]) for n in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                   "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
#: Datatypes whose values read as they are written (no datatype shown beside them).
PLAIN = {str(XSD.string), str(XSD.decimal), str(XSD.double), str(XSD.float), str(XSD.anyURI),
         str(XSD.gYear), *_INTEGERS}


@lru_cache(maxsize=1)
def vocabulary_labels() -> dict[URIRef, str]:
    """IRI -> label of the bundled external vocabulary terms (read once per process)."""
    graph = Graph().parse(VOCABULARY_FILE, format="turtle")
    return {s: str(o) for s, o in graph.subject_objects(RDFS.label) if isinstance(s, URIRef)}


def known_labels(ontology: Graph, label_properties) -> dict[URIRef, str]:
    """The bundled vocabulary labels, overridden by the labels ``ontology`` gives its
    terms (and any other term it labels): the first of ``label_properties`` that has an
    English (or untagged) value, else any value."""
    labels = dict(vocabulary_labels())
    best: dict[URIRef, tuple[int, str]] = {}
    for rank, prop in enumerate(label_properties):
        for s, o in ontology.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, Literal):
                score = rank * 2 + (0 if o.language in (None, "en") else 1)
                if s not in best or score < best[s][0]:
                    best[s] = (score, str(o))
    labels.update({s: text for s, (_score, text) in best.items()})
    return labels


def humanize(slug: str) -> str:
    """``fourteen-former-cnrp-members`` -> "Fourteen former cnrp members"."""
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:] if words else slug


def duration_text(lexical: str) -> str | None:
    """An xsd:duration in words ("P1Y6M" -> "1 year 6 months"); None if it is not one."""
    match = _DURATION.match(lexical.strip())
    if not match or not any(match.groups()[1:]):
        return None
    parts = []
    for unit, amount in zip(_DURATION_UNITS, match.groups()[1:]):
        if amount is None:
            continue
        number = float(amount) if "." in amount else int(amount)
        if number == 0 and parts:
            continue
        parts.append(f"{amount} {unit}{'' if number == 1 else 's'}")
    return ("minus " if match.group(1) else "") + " ".join(parts)


def date_words(lexical: str, datatype: str | None) -> str | None:
    """An xsd:date, xsd:gYearMonth or xsd:gYear in words ("6 April 2024", "August 2018",
    "2018"); None if ``lexical`` is not one of them (or is out of range)."""
    if datatype in (None, str(XSD.date)):
        m = _DATE.match(lexical)
        if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            return f"{int(m.group(3))} {MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if datatype in (None, str(XSD.gYearMonth)):
        m = _YEAR_MONTH.match(lexical)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if datatype == str(XSD.gYear) and re.match(r"^-?\d{4,}$", lexical):
        return lexical
    return None


def literal_text(term: Literal) -> tuple[str, bool]:
    """(text a reader reads, whether it was rewritten from the lexical form)."""
    lexical = str(term)
    datatype = str(term.datatype) if term.datatype else None
    if datatype == str(XSD.duration):
        words = duration_text(lexical)
        return (words, True) if words else (lexical, False)
    if datatype in (str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)):
        words = date_words(lexical, datatype)
        return (words, words != lexical) if words else (lexical, False)
    if datatype == str(XSD.boolean):
        return ("yes" if lexical.strip() in ("true", "1") else "no"), True
    if datatype == str(XSD.dateTime):
        day, _, time = lexical.partition("T")
        words = date_words(day, str(XSD.date))
        return (f"{words}, {time}" if words else lexical), bool(words)
    return lexical, False


@dataclass(frozen=True)
class DateSpec:
    """The properties of a date node (full IRIs; any may be None): its ``value``,
    ``earliest`` and ``latest`` bounds, ``precision`` and ``basis`` (resources whose
    labels qualify the date). A resource with a value or a bound is a date node."""
    value: str | None = None
    earliest: str | None = None
    latest: str | None = None
    precision: str | None = None
    basis: str | None = None
    reading: str | None = None       # the date under each reading of an ambiguous passage

    def roles(self) -> dict[URIRef, str]:
        return {URIRef(iri): role for role, iri in vars(self).items() if iri}

    def __bool__(self) -> bool:
        return bool(self.value or self.earliest or self.latest)


def date_text(facts: dict[str, object], label) -> str | None:
    """The date of a date node, from ``facts`` (role -> term, roles of ``DateSpec``;
    ``readings``: the texts of the values of its reading dates) and ``label`` (term -> text,
    for the precision and basis): "6 April 2024 (day, stated)", "6 April 2023 or 6 April
    2024 (day, inferred)", "1 September 2017 – 30 November 2017 (month, inferred)"; None
    without value, reading or bound."""
    def words(term):
        if term is None:
            return None
        text, _ = literal_text(term) if isinstance(term, Literal) else (str(term), False)
        return text
    value, earliest, latest = (words(facts.get(k)) for k in ("value", "earliest", "latest"))
    readings = [t for t in (facts.get("readings") or ()) if t]           # in the caller's order
    if value:
        text = value
    elif readings:                     # no single value: one per reading ("… or …")
        text = " or ".join(readings)
    elif earliest and latest:
        text = earliest if earliest == latest else f"{earliest} – {latest}"
    elif earliest:
        text = f"on or after {earliest}"
    elif latest:
        text = f"on or before {latest}"
    else:
        return None
    qualifiers = [label(facts[k]) for k in ("precision", "basis") if facts.get(k) is not None]
    return f"{text} ({', '.join(qualifiers)})" if qualifiers else text

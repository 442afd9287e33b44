"""The one table of formats: every syntax the service reads or writes, once.

Each ``Format`` row carries everything any part of the service needs to know about
it: the media type it is sent as (and other media types that name exactly it), its
label, its file suffixes, the ``?format=`` spellings clients use (ours, SPARQLWrapper's
and Fuseki's), whether it keeps named graphs, the names pyoxigraph and rdflib give
it, and its W3C format IRI. Every other table (the loader's suffixes, the serializers,
the Service Description's result formats, the compressed types, the error formats,
the alternates of a page) is derived from these rows.

Negotiation (``negotiate``) follows RFC 9110 over the real offers only:

- ``?format=`` (or a path suffix) naming one of the offers wins; any other value is
  ignored and the Accept header decides (SPARQLWrapper sends ``format=rdf+xml`` and a
  good Accept header: that must not be refused);
- for each offer the most specific Accept range that matches it gives its quality
  (``type/subtype`` with a JSON-LD profile > ``type/subtype`` > ``type/*`` > ``*/*``);
  the best quality wins, ties go to the offer listed first (the server's preference);
  ``q=0`` refuses;
- media-type parameters we need not honour are ignored: any ``profile`` we do not
  serve (RFC 6906 makes profiles ignorable), ``charset=utf-8`` (every text format
  here is UTF-8; another charset does not match);
- wildcards match canonical media types only: ``application/*`` never selects Turtle
  through an old alias such as ``application/x-turtle``;
- JSON-LD: compacted with the dataset's context by default; ``profile=".../json-ld#expanded"``
  or ``#flattened`` selects those forms (pyld asks for them).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from .errors import NotAcceptable

JSONLD_PROFILE = "http://www.w3.org/ns/json-ld#"
W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str                       # canonical short name (our ?format= value, cache keys)
    label: str                      # for people: "Turtle"
    media_type: str                 # sent in Content-Type (with ``profile`` if any)
    suffix: str                     # file suffix of the documents we serve, without dot
    kind: str                       # "rdf" | "results" (SPARQL SELECT/ASK) | "page" | "json"
    graphs: bool = False            # keeps named graphs (TriG, N-Quads)
    media_aliases: tuple[str, ...] = ()   # other media types naming exactly this format (never wildcards)
    names: tuple[str, ...] = ()     # other ?format= spellings
    suffixes: tuple[str, ...] = ()  # other file suffixes the loader reads
    oxigraph: str | None = None     # attribute of pyoxigraph.RdfFormat / QueryResultsFormat
    rdflib: str | None = None       # rdflib parser/serializer name
    w3c: str | None = None          # W3C format IRI (https://www.w3.org/ns/formats/)
    profile: str | None = None      # JSON-LD form this row serves (None: the default form)

    @property
    def content_type(self) -> str:
        """The Content-Type header of an answer in this format."""
        if self.profile:
            return f'{self.media_type}; profile="{self.profile}"'
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every value of ``?format=`` that names this format."""
        return (self.name, self.suffix, *self.suffixes, self.media_type, *self.media_aliases, *self.names)

    def ox_format(self):
        """The pyoxigraph format object (RdfFormat or QueryResultsFormat)."""
        import pyoxigraph as ox
        table = ox.QueryResultsFormat if self.kind == "results" else ox.RdfFormat
        return getattr(table, self.oxigraph)


# -- the table ---------------------------------------------------------------------------

TURTLE = Format("turtle", "Turtle", "text/turtle", "ttl", "rdf",
                media_aliases=("application/x-turtle", "application/turtle", "text/n3",
                               "text/rdf+n3", "application/n3"),
                names=("ttl", "n3", "text/n3"), oxigraph="TURTLE", rdflib="turtle", w3c=W3C + "Turtle")
# JSON-LD is JSON: ``Accept: application/json`` on an RDF document gets JSON-LD.
JSONLD = Format("jsonld", "JSON-LD", "application/ld+json", "jsonld", "rdf",
                media_aliases=("application/json", "application/x-json+ld"),
                names=("json-ld", "json"), oxigraph="JSON_LD", rdflib="json-ld", w3c=W3C + "JSON-LD")
JSONLD_EXPANDED = Format("jsonld-expanded", "JSON-LD (expanded)", "application/ld+json", "jsonld", "rdf",
                         names=("expanded",), oxigraph="JSON_LD", rdflib="json-ld",
                         w3c=W3C + "JSON-LD", profile=JSONLD_PROFILE + "expanded")
JSONLD_FLATTENED = Format("jsonld-flattened", "JSON-LD (flattened)", "application/ld+json", "jsonld", "rdf",
                          names=("flattened",), oxigraph="JSON_LD", rdflib="json-ld",
                          w3c=W3C + "JSON-LD", profile=JSONLD_PROFILE + "flattened")
# text/plain was the N-Triples media type before RDF 1.1 (rdflib still asks for it).
NTRIPLES = Format("ntriples", "N-Triples", "application/n-triples", "nt", "rdf",
                  media_aliases=("text/plain",), names=("nt", "n-triples"),
                  oxigraph="N_TRIPLES", rdflib="nt", w3c=W3C + "N-Triples")
RDFXML = Format("rdfxml", "RDF/XML", "application/rdf+xml", "rdf", "rdf",
                media_aliases=("application/xml", "text/xml"),
                names=("xml", "rdf+xml", "rdf/xml"), suffixes=("owl",),
                oxigraph="RDF_XML", rdflib="xml", w3c=W3C + "RDF_XML")
TRIG = Format("trig", "TriG", "application/trig", "trig", "rdf", graphs=True,
              media_aliases=("application/x-trig",), oxigraph="TRIG", rdflib="trig", w3c=W3C + "TriG")
NQUADS = Format("nquads", "N-Quads", "application/n-quads", "nq", "rdf", graphs=True,
                media_aliases=("text/x-nquads",), names=("n-quads",),
                oxigraph="N_QUADS", rdflib="nquads", w3c=W3C + "N-Quads")
HTML = Format("html", "HTML", "text/html", "html", "page", media_aliases=("application/xhtml+xml",))

SPARQL_JSON = Format("json", "SPARQL JSON", "application/sparql-results+json", "srj", "results",
                     media_aliases=("application/json", "text/javascript", "application/javascript"),
                     names=("srj", "sparql-results+json"), oxigraph="JSON", w3c=W3C + "SPARQL_Results_JSON")
SPARQL_XML = Format("xml", "SPARQL XML", "application/sparql-results+xml", "srx", "results",
                    media_aliases=("application/xml", "text/xml"), names=("srx", "sparql-results+xml"),
                    oxigraph="XML", w3c=W3C + "SPARQL_Results_XML")
CSV = Format("csv", "CSV", "text/csv", "csv", "results", oxigraph="CSV", w3c=W3C + "SPARQL_Results_CSV")
TSV = Format("tsv", "TSV", "text/tab-separated-values", "tsv", "results",
             names=("tab-separated-values",), oxigraph="TSV", w3c=W3C + "SPARQL_Results_TSV")
JSON = Format("json", "JSON", "application/json", "json", "json")

ALL: tuple[Format, ...] = (TURTLE, JSONLD, JSONLD_EXPANDED, JSONLD_FLATTENED, NTRIPLES, RDFXML, TRIG,
                           NQUADS, HTML, SPARQL_JSON, SPARQL_XML, CSV, TSV, JSON)

# -- offers (order = the server's preference when the client does not mind) ----------------

#: Every RDF syntax, in the order a client that accepts anything gets them.
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS,
                                   JSONLD_EXPANDED, JSONLD_FLATTENED)
#: One resource (or document, or graph) as data or as a page: RDF first, so ``*/*`` gets Turtle.
RESOURCE_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)
#: Whole-dataset dumps (named graphs matter).
DUMP_FORMATS: tuple[Format, ...] = (TRIG, NQUADS, TURTLE, JSONLD)
#: SELECT / ASK result formats.
RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: CONSTRUCT / DESCRIBE result formats (what pyoxigraph writes; JSON-LD in its own form).
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS)


def readable() -> dict[str, Format]:
    """File suffix (with dot) -> the RDF format the loader parses it as."""
    return {"." + s: f for f in RDF_FORMATS if f.profile is None for s in (f.suffix, *f.suffixes)}


def compressible() -> list[str]:
    """Every media type we send that is worth compressing (all are text)."""
    return sorted({f.media_type for f in ALL} | {"text/css", "text/plain", "image/svg+xml"})


def alternates_of(offers: Iterable[Format], pages: bool = True) -> tuple[Format, ...]:
    """The formats worth a link of their own: no second form of a syntax (and no page
    unless ``pages``: a page lists the other formats, not itself)."""
    return tuple(f for f in offers if f.profile is None and (pages or f.kind != "page"))


def by_name(name: str, offers: Sequence[Format]) -> Format | None:
    """The offered format a ``?format=`` value or file suffix names (any spelling), else None."""
    key = name.strip().lower()
    for fmt in offers:
        if key in fmt.spellings:
            return fmt
    return None


# -- Accept ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Range:
    """One media range of an Accept header."""
    type: str                       # "text", "*"
    subtype: str                    # "turtle", "*"
    q: float
    profiles: tuple[str, ...] = ()  # the ``profile`` parameter's IRIs
    charset: str | None = None


#: An Accept header is read up to this many characters and this many ranges (browsers
#: send about 100 characters and 6 ranges): a client cannot make negotiation costly.
MAX_ACCEPT_CHARS = 2048
MAX_ACCEPT_RANGES = 32


def parse_accept(header: str) -> tuple[Range, ...]:
    """The media ranges of an Accept header, in order (at most ``MAX_ACCEPT_RANGES``, read
    from its first ``MAX_ACCEPT_CHARS`` characters). Unreadable members are skipped."""
    if len(header) > MAX_ACCEPT_CHARS:     # drop the member the cut falls in: a cut
        header = header[:MAX_ACCEPT_CHARS].rpartition(",")[0]   # "q=0" must not become q=1
    return _parse_accept(header)


@lru_cache(maxsize=512)                # bounded: 512 keys of at most 2 KB, values of <= 32 ranges
def _parse_accept(header: str) -> tuple[Range, ...]:
    out = []
    for member in _split(header, ",")[:MAX_ACCEPT_RANGES]:
        parts = _split(member, ";")
        if not parts or "/" not in parts[0]:
            continue
        mtype, _, subtype = parts[0].strip().lower().partition("/")
        if not mtype or not subtype or (mtype == "*" and subtype != "*"):
            continue
        q, profiles, charset, ok = 1.0, (), None, True
        for param in parts[1:]:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    ok = False
                if not 0 <= q <= 1:
                    ok = False
            elif key == "profile":
                profiles = tuple(value.split())
            elif key == "charset":
                charset = value.lower()
        if ok:
            out.append(Range(mtype, subtype, q, profiles, charset))
    return tuple(out)


def _split(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes (a profile may hold commas or semicolons)."""
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in (p.strip() for p in parts) if p]


def _specificity(rng: Range, fmt: Format, forms: frozenset = frozenset()) -> int:
    """How specifically ``rng`` names ``fmt`` (0: it does not); ``forms`` are the JSON-LD
    profiles offered beside the default form (a profile not offered is ignored)."""
    if rng.charset not in (None, "utf-8", "utf8", "us-ascii"):
        return 0                                   # everything we send is UTF-8
    full = f"{rng.type}/{rng.subtype}"
    if full == fmt.media_type:
        if fmt.media_type == JSONLD.media_type:
            wanted = _jsonld_form(rng.profiles)
            if (wanted if wanted in forms else None) != fmt.profile:
                return 0                           # one JSON-LD form per range
        return 3
    if fmt.profile:
        return 0                                   # a JSON-LD form is served only when asked for
    if full in fmt.media_aliases:
        return 3
    if rng.subtype == "*" and not fmt.profile:
        if rng.type == "*":
            return 1
        if fmt.media_type.startswith(rng.type + "/"):
            return 2
    return 0


def _jsonld_form(profiles: Sequence[str]) -> str | None:
    """The JSON-LD form a range's profiles ask for: flattened, expanded, or None (compacted,
    ours; also when they name compacted, or only profiles we do not serve)."""
    if JSONLD_PROFILE + "compacted" in profiles:
        return None
    for form in ("flattened", "expanded"):
        if JSONLD_PROFILE + form in profiles:
            return JSONLD_PROFILE + form
    return None


def quality(ranges: Sequence[Range], fmt: Format, forms: frozenset = frozenset()) -> float:
    """The quality the client gives ``fmt``: that of the most specific range naming it."""
    best_spec, best_q = 0, 0.0
    for rng in ranges:
        spec = _specificity(rng, fmt, forms)
        if spec > best_spec or (spec == best_spec and spec and rng.q > best_q):
            best_spec, best_q = spec, rng.q
    return best_q


def best(header: str | None, offers: Sequence[Format]) -> Format | None:
    """The offer the Accept ``header`` prefers (ties: the first offered), None if none
    is acceptable. No header (or one with nothing readable in it): the first offer."""
    ranges = parse_accept(header or "")
    if not ranges:
        return offers[0] if offers else None
    forms = frozenset(f.profile for f in offers if f.profile)
    chosen, chosen_q = None, 0.0
    for fmt in offers:
        q = quality(ranges, fmt, forms)
        if q > chosen_q:
            chosen, chosen_q = fmt, q
    return chosen


def negotiate(accept: str | None, offers: Sequence[Format], override: str | None = None) -> Format:
    """Choose a format: ``override`` (``?format=``/suffix) if it names an offer, else the
    Accept header. Raises NotAcceptable listing the offered media types when nothing fits."""
    if override:
        fmt = by_name(override, offers)
        if fmt is not None:
            return fmt
    fmt = best(accept, offers)
    if fmt is None:
        offered = list(dict.fromkeys(f.media_type for f in offers))
        said = f" (and ?format={override!r} names none of them)" if override else ""
        raise NotAcceptable("None of the media types in the Accept header can be served" + said + ".",
                            hint="Ask for one of: " + ", ".join(offered), offered=offered)
    return fmt

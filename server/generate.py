"""Synthetic data in our ontology, for benchmarks and scale tests.

``generate_dataset(out_dir, triples, seed)`` writes one N-Quads file
(``<out_dir>/synthetic.nq``) holding a number of synthetic news articles, each in its
own named graph ``graph:<slug>`` with its ``source:<slug>`` description, exactly as
the modeling contract lays out a real article file. Every article tells one or more
"cases": a person (name and alternate spelling) who is a member of a party, then is
arrested, charged, convicted, sentenced, pardoned (signed by a head of state) and
released on that basis, with statements about it, unnamed groups freed with them and
a bail decision. Every event carries ``cpo:status`` and a ``cpo:ReportedDate`` with
precision, value, bounds and basis.

The output is deterministic for a seed, and its size is the requested number of
quads within a few (generation stops at the end of the block that reaches it; each
block only refers to resources written before it, so a cut anywhere leaves a
dataset that conforms to the shapes).

N-Quads is written directly as text (no rdflib graph in memory): one million quads
take a few seconds.
"""
from __future__ import annotations

import calendar
import datetime as dt
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .namespaces import DEFAULT_BASE, STANDARD_PREFIXES

#: File written in ``out_dir``.
OUTPUT_NAME = "synthetic.nq"

RDF_TYPE = STANDARD_PREFIXES["rdf"] + "type"
XSD = STANDARD_PREFIXES["xsd"]

_FIRST = ["Sok", "Chan", "Vann", "Sam", "Kem", "Meas", "Heng", "Nuon", "Phal", "Seng",
          "Ouk", "Long", "Prak", "Chea", "Sar", "Touch", "Yim", "Keo", "Lim", "Sun"]
_SECOND = ["Dara", "Sophal", "Rith", "Vanna", "Sokha", "Pisey", "Bopha", "Chenda",
           "Sothea", "Rithy", "Kosal", "Mony", "Nary", "Sambath", "Vuthy", "Leakena"]
_PLACES = ["phnom-penh", "kandal", "kampong-thom", "tboung-khmum", "siem-reap",
           "battambang", "kampot", "takeo", "prey-veng", "svay-rieng"]
_CHARGES = ["Incitement", "Treason", "Insurrection", "Defamation", "PlottingToOverthrowGovernment",
            "Terrorism"]
_STANCES = ["Assertion", "Denial", "Allegation", "Confirmation", "Request", "Criticism",
            "Promise", "Warning", "Intention", "Praise", "Refusal"]
_PLANNED_STATUSES = ["Planned", "Considered", "Announced", "Expected", "Requested"]
_QUALIFIERS = ["Exactly", "AtLeast", "MoreThan", "About"]


@dataclass(frozen=True)
class Terms:
    """IRIs of the dataset under one base, as N-Quads ``<...>`` tokens."""
    base: str

    def iri(self, path: str) -> str:
        return f"<{self.base}{path}>"

    def cpo(self, local: str) -> str:
        return f"<{self.base}ontology#{local}>"


def _std(prefix: str, local: str) -> str:
    return f"<{STANDARD_PREFIXES[prefix]}{local}>"


def _text(value: str) -> str:
    """An English text literal (our generated strings never need escaping)."""
    return f'"{value}"@en'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


class _Writer:
    """Collects quads of the current graph as N-Quads lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.graph = ""
        self._seen: set[str] = set()     # quads of the current graph (no duplicates)

    def start_graph(self, graph: str) -> None:
        self.graph, self._seen = graph, set()

    def add(self, s: str, p: str, o: str) -> None:
        line = f"{s} {p} {o} {self.graph} .\n"
        if line not in self._seen:
            self._seen.add(line)
            self.lines.append(line)


class _Generator:
    def __init__(self, base: str, seed: int) -> None:
        self.t = Terms(base)
        self.rng = random.Random(seed)
        self.w = _Writer()
        self.article = 0
        self.counts = {"articles": 0, "cases": 0, "events": 0, "statements": 0,
                       "groups": 0, "memberships": 0}

    # -- vocabulary shortcuts ------------------------------------------------
    def a(self, s: str, cls: str) -> None:
        self.w.add(s, f"<{RDF_TYPE}>", cls)

    def person_name(self, k: int) -> tuple[str, str, str]:
        """Deterministic (slug, preferred name, alternate spelling) of person ``k``."""
        first = _FIRST[k % len(_FIRST)]
        second = _SECOND[(k // len(_FIRST)) % len(_SECOND)]
        number = k // (len(_FIRST) * len(_SECOND))
        name = f"{first} {second}" + (f" {number}" if number else "")
        alternate = f"{first.upper()} {second}" + (f" {number}" if number else "")
        return _slug(name), name, alternate

    # -- blocks: each writes the quads of one resource (and its hash nodes) ---
    def date(self, node: str, day: dt.date) -> None:
        """A cpo:ReportedDate at a random precision, with bounds and basis."""
        cpo = self.t.cpo
        self.a(node, cpo("ReportedDate"))
        precision = self.rng.choice(["Day", "Day", "Month", "Year"])
        if precision == "Day":
            value, earliest, latest = _typed(day.isoformat(), "date"), day, day
            printed = day.strftime("%B %-d")
        elif precision == "Month":
            value = _typed(day.strftime("%Y-%m"), "gYearMonth")
            earliest = day.replace(day=1)
            latest = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            printed = "last month" if self.rng.random() < 0.5 else day.strftime("%B %Y")
        else:
            value = _typed(str(day.year), "gYear")
            earliest, latest = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
            printed = str(day.year)
        self.w.add(node, cpo("asReported"), _text(printed))
        self.w.add(node, cpo("precision"), cpo(f"{precision}Precision"))
        self.w.add(node, cpo("dateValue"), value)
        self.w.add(node, cpo("earliest"), _typed(earliest.isoformat(), "date"))
        self.w.add(node, cpo("latest"), _typed(latest.isoformat(), "date"))
        if printed == "last month":
            self.w.add(node, cpo("dateBasis"), cpo("ResolvedRelative"))
            self.w.add(node, cpo("dateNote"),
                       _text("Resolved from the publication date of the article"))
        else:
            self.w.add(node, cpo("dateBasis"), cpo("Stated"))

    def person(self, k: int) -> str:
        slug, name, alternate = self.person_name(k)
        node = self.t.iri(f"person/{slug}")
        self.a(node, _std("schema", "Person"))
        self.w.add(node, _std("schema", "name"), _text(name))
        self.w.add(node, _std("schema", "alternateName"), _text(alternate))
        return node

    def organization(self, k: int, kind: str) -> str:
        name = f"{_SECOND[k % len(_SECOND)]} {kind} {k}"
        node = self.t.iri(f"organization/{_slug(name)}")
        self.a(node, _std("schema", "Organization"))
        self.a(node, self.t.cpo({"Party": "PoliticalParty", "Court": "Court",
                                 "Media": "MediaOutlet", "Ministry": "GovernmentBody"}[kind]))
        self.w.add(node, _std("schema", "name"), _text(name))
        if kind == "Party":
            acronym = "".join(word[0] for word in name.split()[:2]).upper() + f"P{k}"
            self.w.add(node, _std("schema", "alternateName"), _text(acronym))
        return node

    def place(self, slug: str) -> str:
        node = self.t.iri(f"place/{slug}")
        self.a(node, _std("schema", "Place"))
        self.w.add(node, _std("schema", "name"), _text(slug.replace("-", " ").title()))
        return node

    def event(self, slug: str, kind: str, day: dt.date, *, status: str = "Occurred",
              props: tuple[tuple[str, str], ...] = ()) -> str:
        cpo = self.t.cpo
        node = self.t.iri(f"event/{day.isoformat()}-{slug}")
        self.a(node, cpo(kind))
        self.w.add(node, cpo("status"), cpo(status))
        self.w.add(node, _std("rdfs", "label"), _text(f"{kind} ({slug})"))
        self.w.add(node, cpo("evidence"), _text(f"The article reports the {kind.lower()} of {day:%B %Y}"))
        self.w.add(node, cpo("date"), node[:-1] + "#date>")
        for p, o in props:
            self.w.add(node, p, o)
        self.date(node[:-1] + "#date>", day)
        self.counts["events"] += 1
        return node

    # -- one article -----------------------------------------------------------
    def article_blocks(self) -> Iterator[Callable[[], None]]:
        """The blocks of the next article, in an order where each refers backwards."""
        t, cpo, rng = self.t, self.t.cpo, self.rng
        self.article += 1
        n = self.article
        slug = f"synthetic-article-{n:06d}"
        graph, source = t.iri(f"graph/{slug}"), t.iri(f"source/{slug}")
        published = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
        publisher_k = rng.randrange(20)

        def header() -> None:
            self.w.start_graph(graph)
            self.counts["articles"] += 1
            publisher = self.organization(publisher_k, "Media")
            self.a(graph, cpo("SourceGraph"))
            self.w.add(graph, _std("prov", "wasDerivedFrom"), source)
            self.w.add(graph, _std("rdfs", "label"), _text(f"Facts stated by synthetic article {n}"))
            self.a(source, _std("schema", "NewsArticle"))
            self.w.add(source, _std("schema", "headline"), _text(f"Synthetic report number {n}"))
            self.w.add(source, _std("schema", "publisher"), publisher)
            self.w.add(source, _std("schema", "inLanguage"), '"en"')
            self.w.add(source, cpo("publicationDate"), source[:-1] + "#date>")
            self.w.add(source, cpo("sourceFile"), f'"{slug}.txt"')
            self.date(source[:-1] + "#date>", published)

        yield header
        for case in range(rng.randint(1, 3)):
            yield from self.case_blocks(n, case, published)

    def case_blocks(self, n: int, case: int, published: dt.date) -> Iterator[Callable[[], None]]:
        t, cpo, rng = self.t, self.t.cpo, self.rng
        person_k = rng.randrange(max(50, self.article * 2))
        party_k, court_k = rng.randrange(30), rng.randrange(10)
        king_k = 10_000 + rng.randrange(3)
        tag = f"{n:06d}-{case}"
        pslug = self.person_name(person_k)[0]
        start = published - dt.timedelta(days=rng.randrange(400, 2000))
        days = sorted(start + dt.timedelta(days=rng.randrange(1, 380)) for _ in range(6))
        refs: dict[str, str] = {}

        def who() -> None:
            self.counts["cases"] += 1
            refs["person"] = self.person(person_k)
            refs["party"] = self.organization(party_k, "Party")
            refs["party_name"] = f"{_SECOND[party_k % len(_SECOND)]} Party {party_k}"

        def membership() -> None:
            node = t.iri(f"membership/{pslug}-party-{party_k}-member-{tag}")
            self.a(node, _std("org", "Membership"))
            self.w.add(node, _std("org", "member"), refs["person"])
            self.w.add(node, _std("org", "organization"), refs["party"])
            self.w.add(node, _std("org", "role"), cpo("Member"))
            self.w.add(node, cpo("evidence"), _text(f"{pslug} is a member of {refs['party_name']}"))
            self.w.add(node, cpo("startDate"), node[:-1] + "#start>")
            self.date(node[:-1] + "#start>", start - dt.timedelta(days=rng.randrange(30, 3000)))
            self.counts["memberships"] += 1

        def arrest() -> None:
            refs["place"] = self.place(rng.choice(_PLACES))
            refs["police"] = self.organization(court_k, "Ministry")
            refs["arrest"] = self.event(f"arrest-{pslug}-{tag}", "Arrest", start, props=(
                (cpo("concerns"), refs["person"]), (cpo("actor"), refs["police"]),
                (_std("schema", "location"), refs["place"])))

        def charge() -> None:
            refs["charge"] = self.event(f"charge-{pslug}-{tag}", "Charge", days[0], props=(
                (cpo("concerns"), refs["person"]), (cpo("charge"), cpo(rng.choice(_CHARGES))),
                (cpo("follows"), refs["arrest"])))

        def verdict() -> None:
            refs["court"] = self.organization(court_k, "Court")
            refs["verdict"] = self.event(f"verdict-{pslug}-{tag}", "Verdict", days[1], props=(
                (cpo("concerns"), refs["person"]), (cpo("court"), refs["court"]),
                (cpo("inAbsentia"), _typed(rng.choice(["true", "false"]), "boolean")),
                (cpo("follows"), refs["charge"])))

        def sentence() -> None:
            years = rng.randint(1, 20)
            refs["sentence"] = self.event(f"sentence-{pslug}-{tag}", "Sentence", days[1], props=(
                (cpo("concerns"), refs["person"]), (cpo("court"), refs["court"]),
                (cpo("sentenceLength"), _typed(f"P{years}Y", "duration")),
                (cpo("sentenceOf"), refs["verdict"])))

        def bail() -> None:
            granted = rng.random() < 0.3
            self.event(f"bail-{pslug}-{tag}", "BailDecision", days[2], props=(
                (cpo("concerns"), refs["person"]), (cpo("court"), refs["court"]),
                (cpo("bailGranted"), _typed("true" if granted else "false", "boolean")),
                (cpo("attemptNumber"), _typed(str(rng.randint(1, 6)), "positiveInteger"))))

        def pardon() -> None:
            refs["king"] = self.person(king_k)
            status = "Occurred" if rng.random() < 0.8 else rng.choice(_PLANNED_STATUSES)
            node = self.event(f"pardon-{pslug}-{tag}", "Pardon", days[3], status=status, props=(
                (cpo("concerns"), refs["person"]), (cpo("signedBy"), refs["king"]),
                (cpo("signedInCapacity"), cpo("King")), (cpo("requestedBy"), refs["party"])))
            role = node[:-1] + "#role-1>"
            self.w.add(node, cpo("qualifiedRole"), role)
            self.a(role, cpo("Participation"))
            self.w.add(role, cpo("participant"), refs["king"])
            self.w.add(role, cpo("role"), cpo("King"))
            refs["pardon"] = node
            refs["pardon_status"] = status

        def release() -> None:
            status = refs.get("pardon_status", "Occurred")
            self.event(f"release-{pslug}-{tag}", "Release", days[4], status=status, props=(
                (cpo("concerns"), refs["person"]), (cpo("releaseBasis"), cpo("BasisPardon")),
                (cpo("resultsFrom"), refs["pardon"]),
                (cpo("evidence"), _text(f"{pslug} was freed with a pardon"))))

        def statement() -> None:
            node = t.iri(f"statement/{pslug}-{tag}")
            speaker = refs["person"]
            self.a(node, cpo("Statement"))
            self.w.add(node, cpo("statedBy"), speaker)
            self.w.add(node, cpo("stance"), cpo(rng.choice(_STANCES)))
            self.w.add(node, cpo("about"), refs["pardon"])
            self.w.add(node, cpo("quotation"), _text(f"Statement {tag} on the pardon"))
            self.w.add(node, cpo("evidence"), _text(f"The article quotes statement {tag}"))
            self.w.add(node, _std("schema", "description"),
                       _text(f"A paraphrase of statement {tag}"))
            self.w.add(node, cpo("date"), node[:-1] + "#date>")
            self.date(node[:-1] + "#date>", days[5])
            self.counts["statements"] += 1

        def group() -> None:
            node = t.iri(f"group/freed-{party_k}-members-{tag}")
            count = rng.randint(2, 40)
            self.a(node, cpo("UnnamedGroup"))
            self.w.add(node, cpo("memberCount"), _typed(str(count), "nonNegativeInteger"))
            self.w.add(node, cpo("countQualifier"), cpo(rng.choice(_QUALIFIERS)))
            self.w.add(node, cpo("groupAffiliation"), refs["party"])
            self.w.add(node, _std("schema", "description"),
                       _text(f"{count} members of party {party_k} freed with {pslug}"))
            self.w.add(node, cpo("evidence"), _text(f"{count} members of the {refs['party_name']} were freed"))
            self.counts["groups"] += 1
            self.event(f"release-group-{party_k}-{tag}", "Release", days[4], props=(
                (cpo("concerns"), node), (cpo("releaseBasis"), cpo("BasisPardon")),
                (cpo("resultsFrom"), refs["pardon"]),
                (cpo("evidence"), _text(f"{count} members were freed with pardons"))))

        yield from (who, membership, arrest, charge, verdict, sentence, bail, pardon,
                    release, statement, group)


def generate_quads(triples: int, seed: int = 0, base: str = DEFAULT_BASE) -> tuple[list[str], dict]:
    """The N-Quads lines of a dataset of about ``triples`` quads (pure: no I/O)."""
    if triples < 1:
        raise ValueError(f"triples must be a positive number, got {triples}")
    gen = _Generator(base, seed)
    while True:
        for block in gen.article_blocks():
            block()
            if len(gen.w.lines) >= triples:
                return gen.w.lines, {"triples": len(gen.w.lines), **gen.counts}


def generate_dataset(out_dir: str | Path, triples: int, seed: int = 0,
                     base: str = DEFAULT_BASE) -> dict:
    """Write ``<out_dir>/synthetic.nq`` with about ``triples`` quads; return its statistics.

    Statistics: ``triples`` (quads written), ``articles`` (named graphs), ``cases``,
    ``events``, ``statements``, ``groups``, ``memberships``, ``path`` and ``seconds``."""
    started = time.perf_counter()
    lines, stats = generate_quads(triples, seed, base)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / OUTPUT_NAME
    with path.open("w", encoding="utf-8") as f:
        f.writelines(lines)
    return {**stats, "path": str(path), "seconds": round(time.perf_counter() - started, 3)}

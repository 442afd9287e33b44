"""The requests of the benchmark: a cheap lookup, a resource description and a
moderate query mix, built from IRIs sampled from the generated data."""
from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import quote

PREFIXES = """PREFIX cpo: <{base}ontology#>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

#: One subject's triples: a point lookup in the indexes.
CHEAP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"

#: What a peer without resource pages offers instead of dereferencing an IRI.
DESCRIBE = "DESCRIBE <{iri}>"

#: The moderate mix: a join, a timeline, a filtered name search, an aggregate, a
#: per-graph provenance count. Each is parametrized by a sampled IRI or a year.
MODERATE = [
    # person timeline: events concerning a person with their earliest date, in order
    """SELECT ?event ?kind ?day WHERE {{ ?event cpo:concerns <{person}> ; a ?kind ;
         cpo:date/cpo:earliest ?day }} ORDER BY ?day""",
    # pardons with the signer and the release that results from them
    """SELECT ?pardon ?who ?signer ?release WHERE {{ ?pardon a cpo:Pardon ;
         cpo:concerns <{person}> ; cpo:signedBy ?signer .
         ?release cpo:resultsFrom ?pardon . BIND(<{person}> AS ?who) }}""",
    # name search by prefix, first page
    """SELECT ?person ?name WHERE {{ ?person a schema:Person ; schema:name ?name
         FILTER(STRSTARTS(?name, "{prefix}")) }} ORDER BY ?name LIMIT 20""",
    # which sources state something about this person, how many facts each
    """SELECT ?g (COUNT(*) AS ?facts) WHERE {{ GRAPH ?g {{ <{person}> ?p ?o }} }}
         GROUP BY ?g ORDER BY DESC(?facts)""",
    # releases in one month, with the basis
    """SELECT ?release ?basis ?day WHERE {{ ?release a cpo:Release ; cpo:releaseBasis ?basis ;
         cpo:date ?d . ?d cpo:earliest ?day
         FILTER(?day >= "{year}-{month:02d}-01"^^xsd:date && ?day < "{year}-{month:02d}-28"^^xsd:date) }}
         LIMIT 100""",
]


def sample_iris(nquads: Path, base: str, count: int = 200, seed: int = 0) -> dict[str, list[str]]:
    """Subjects of the data by kind (person, event), sampled deterministically."""
    person_type = "<https://schema.org/Person>"
    persons, events = set(), set()
    with nquads.open(encoding="utf-8") as f:
        for line in f:
            s = line.split(" ", 1)[0][1:-1]
            if s.startswith(base + "event/") and "#" not in s:
                events.add(s)
            elif person_type in line and " <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " in line:
                persons.add(s)
    rng = random.Random(seed)
    return {"person": rng.sample(sorted(persons), min(count, len(persons))),
            "event": rng.sample(sorted(events), min(count, len(events)))}


def _get(endpoint_path: str, query: str) -> str:
    return f"{endpoint_path}?query={quote(query)}"


def cheap_paths(endpoint_path: str, iris: dict[str, list[str]]) -> list[str]:
    subjects = [x for pair in zip(iris["person"], iris["event"]) for x in pair]
    return [_get(endpoint_path, CHEAP.format(iri=iri)) for iri in subjects]


def describe_paths(endpoint_path: str, iris: dict[str, list[str]]) -> list[str]:
    return [_get(endpoint_path, DESCRIBE.format(iri=iri)) for iri in iris["person"]]


def dereference_paths(base: str, iris: dict[str, list[str]]) -> list[str]:
    """Our resource pages: the IRI's path on our server."""
    return ["/" + iri[len(base):] for iri in iris["person"]]


def moderate_paths(endpoint_path: str, iris: dict[str, list[str]], base: str,
                   count: int = 100, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    prefix = PREFIXES.format(base=base)
    paths = []
    for i in range(count):
        template = MODERATE[i % len(MODERATE)]
        person = rng.choice(iris["person"])
        name = person.rsplit("/", 1)[1].split("-")[0].title()
        query = prefix + template.format(person=person, prefix=name, year=rng.randint(2012, 2024),
                                         month=rng.randint(1, 12))
        paths.append(_get(endpoint_path, query))
    return paths


# -- cold mode: more distinct requests than our answer caches hold --------------------

def sample_subjects(nquads: Path, base: str, count: int, seed: int = 0) -> list[str]:
    """Up to ``count`` distinct subjects of the data that have a resource page (any kind
    but the source graphs' own IRIs), sampled deterministically: the cold mode's list."""
    subjects = set()
    with nquads.open(encoding="utf-8") as f:
        for line in f:
            s = line.split(" ", 1)[0][1:-1]
            if s.startswith(base) and "#" not in s and not s.startswith(base + "graph/"):
                subjects.add(s)
    rng = random.Random(seed)
    return rng.sample(sorted(subjects), min(count, len(subjects)))


def cold_iris(subjects: list[str]) -> dict[str, list[str]]:
    """The cold list in the shape of ``sample_iris``: every family cycles through all of
    it (the cheap family, pairing persons and events, would otherwise halve it)."""
    return {"person": subjects, "event": subjects}


def cold_cheap_paths(endpoint_path: str, subjects: list[str]) -> list[str]:
    return [_get(endpoint_path, CHEAP.format(iri=iri)) for iri in subjects]


def cold_moderate_paths(endpoint_path: str, iris: dict[str, list[str]], base: str,
                        count: int, seed: int = 0) -> list[str]:
    """``count`` moderate queries whose texts all differ: the templates of the hot mode
    with a LIMIT that does not bind (or, where the template has one, a larger one), so
    that no answer cache keyed by the query can serve one from another's answer."""
    import re
    paths = []
    for i, path in enumerate(moderate_paths(endpoint_path, iris, base, count, seed)):
        from urllib.parse import unquote
        query = unquote(path.split("?query=", 1)[1])
        if re.search(r"LIMIT \d+\s*$", query):
            query = re.sub(r"LIMIT (\d+)\s*$", lambda m: f"LIMIT {int(m.group(1)) + i}", query)
        else:
            query += f" LIMIT {1_000_000 + i}"
        paths.append(_get(endpoint_path, query))
    return paths


def search_paths(iris: dict[str, list[str]], count: int = 100) -> list[str]:
    """``GET /search?q=`` (issue 12) as JSON: whole names, name prefixes and a few words
    of the synthetic data's vocabulary."""
    words = ["release", "pardon", "arrest", "court", "charge"]
    names = [iri.rsplit("/", 1)[1].replace("-", " ") for iri in iris["person"]]
    out = []
    for i in range(count):
        name = names[i % len(names)] if names else "sam"
        q = (name, name.split(" ")[0][:4], words[i % len(words)])[i % 3]
        out.append(f"/search?format=json&q={quote(q)}")
    return out

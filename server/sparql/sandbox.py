"""The sandbox every public SPARQL query passes before it reaches the store.

Pure functions, run on every request. The query is read once, by the strict lexer of
``server.sparql.lexer`` (it spells every terminal as Oxigraph's parser does); the
checks run on its tokens, and the store receives the canonical text written back from
those same tokens (``CheckedQuery.runnable``), never the client's text: what runs is
exactly what was checked. The store parses it in a time-limited worker process that
cannot open network connections (``server.store.confine``), so even a mistake here
cannot reach the network.

    check_query(text, ...) -> CheckedQuery     raises:
        PayloadTooLarge   (413) the text is longer than the cap
        QuerySyntaxError  (400) a character no SPARQL token starts with
        BadRequest        (400) brackets nested deeper than MAX_NESTING; \\u escapes left
        UpdateRefused     (403) INSERT / DELETE / LOAD / CLEAR / DROP / CREATE / ADD / MOVE / COPY / WITH
        OutboundRefused   (403) SERVICE (also glued to other words: Oxigraph reads
                                ``SERVICEex:x`` and ``trueSERVICE`` as SERVICE), or FROM /
                                FROM NAMED / default-graph-uri /
                                named-graph-uri naming a graph outside the dataset

FROM clauses leave the text and become dataset lists: the store never sees an IRI it
might be tempted to fetch. Predeclared prefixes are prepended on one extra first line;
``CheckedQuery.user_error`` moves a store parser's error position back onto the
user's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping
from urllib.parse import urljoin

import pyoxigraph

from ..errors import BadRequest, OutboundRefused, PayloadTooLarge, QuerySyntaxError, UpdateRefused
from .lexer import Emitted, Token, emit, tokenize

__all__ = ["CheckedQuery", "Token", "check_query", "check_graph_iris", "tokenize"]

#: Keywords that only occur in SPARQL Update requests.
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE",
                             "ADD", "MOVE", "COPY", "WITH"})
#: Keywords a parser may read inside a longer word (Oxigraph matches keywords without
#: word boundaries): a keyword, or the prefix of a name, containing one is refused.
GLUED_KEYWORDS = ("SERVICE", "FROM")
#: Deepest bracket nesting accepted (Oxigraph's parser overflows its stack near 3000).
MAX_NESTING = 100
#: Query forms, and the kind of answer each gives.
QUERY_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
#: Operators that open or close a nesting level in the engine's parser.
_OPENERS = frozenset({"{", "(", "[", "<<", "<<(", "{|"})
_CLOSERS = frozenset({"}", ")", "]", ">>", ")>>", "|}"})


def keywords(tokens: Iterable[Token]) -> list[Token]:
    """The bare words (keywords, functions, ``a``, ``true``) among ``tokens``."""
    return [t for t in tokens if t.kind == "keyword"]


@dataclass
class CheckedQuery:
    """A query that passed the sandbox, ready for the store."""
    text: str                          # the user's text, as sent
    form: str | None                   # SELECT | ASK | CONSTRUCT | DESCRIBE (None: will not parse)
    kind: str                          # select | ask | graph
    runnable: str                      # what the store runs: the checked tokens, written back
    from_default: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    added_prefix_lines: int = 0        # lines prepended before the user's text
    bounded: bool = False              # one triple pattern: cost bounded by the row cap
    emitted: Emitted | None = field(default=None, repr=False, compare=False)

    def user_error(self, exc: QuerySyntaxError) -> QuerySyntaxError:
        """The store's syntax error, its position moved onto the user's text."""
        m = _POSITION.search(exc.message)
        line, column = ((int(m.group(1)), int(m.group(2))) if m else
                        (exc.details.get("line"), exc.details.get("column")))
        message = exc.message[m.end():] if m else re.sub(r"^.*?line \d+, column \d+:?\s*", "",
                                                           exc.message)
        if not line or self.emitted is None:
            return syntax_error(message)
        line, column = self.emitted.source_position(int(line), int(column or 1))
        return syntax_error(message, line, column)


def check_length(text: str, max_length: int) -> None:
    if len(text) > max_length:
        raise PayloadTooLarge(
            f"The query is {len(text)} characters long; this endpoint accepts at most {max_length}.",
            hint="Shorten the query (predeclared prefixes need not be written out).",
            limit=max_length)


def refuse_updates(tokens: Iterable[Token]) -> None:
    for tok in keywords(tokens):
        if tok.text.upper() in UPDATE_KEYWORDS:
            raise UpdateRefused(
                f"This endpoint is read-only: {tok.text.upper()} (SPARQL Update) is not accepted.",
                hint="Send a SELECT, ASK, CONSTRUCT or DESCRIBE query; the data can be downloaded as dumps.",
                keyword=tok.text.upper(), position=tok.start)


def refuse_service(tokens: Iterable[Token]) -> None:
    """SERVICE, and every keyword or prefix of a prefixed name that merely CONTAINS
    SERVICE or FROM (other than the FROM keyword itself): Oxigraph matches keywords
    without word boundaries, so ``SERVICEex:x``, ``SERVICE:x``, ``trueSERVICE <...>``
    and ``ASKFROM <...>`` are SERVICE and FROM to it."""
    for tok in tokens:
        if tok.kind == "keyword":
            word = tok.text.upper()
        elif tok.kind == "pname":
            word = tok.text.partition(":")[0].upper()
        else:
            continue
        if word == "SERVICE":
            raise OutboundRefused(
                "SERVICE (federated query) is not available: this endpoint never contacts other services.",
                hint="Run the remote part against the other endpoint and combine the results yourself.",
                position=tok.start)
        glued = next((k for k in GLUED_KEYWORDS if k in word and word != k), None)
        if glued:
            raise OutboundRefused(
                f"{tok.text!r} contains the keyword {glued}, which some SPARQL parsers read as "
                f"{glued} wherever it stands in a word; it is refused.",
                hint=f"Put spaces around {glued}, or rename the prefix so that it does not "
                     f"contain {glued.lower()}.", position=tok.start)


def query_form(tokens: Iterable[Token]) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword of the text."""
    for tok in keywords(tokens):
        if tok.text.upper() in QUERY_FORMS:
            return tok.text.upper()
    return None


def prologue(tokens: list[Token], base: str | None = None) -> tuple[str | None, dict[str, str]]:
    """BASE and PREFIX declarations of the text: (base IRI, prefix -> namespace)."""
    prefixes = {}
    for i, tok in enumerate(tokens):
        word = tok.text.upper() if tok.kind == "keyword" else None
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = urljoin(base or "", tokens[i + 1].value)
        elif (word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname"
              and tokens[i + 1].text.endswith(":") and tokens[i + 2].kind == "iri"):
            prefixes[tokens[i + 1].text[:-1]] = urljoin(base or "", tokens[i + 2].value)
    return base, prefixes


def _expand(tok: Token, base: str | None, prefixes: Mapping[str, str]) -> str | None:
    if tok.kind == "iri":
        return urljoin(base, tok.value) if base else tok.value
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def dataset_clauses(tokens: list[Token], base: str | None,
                    prefixes: Mapping[str, str]) -> list[tuple[bool, str, int, int]]:
    """Every FROM / FROM NAMED clause: (named?, graph IRI, first token, last token + 1)."""
    clauses = []
    for i, tok in enumerate(tokens):
        if tok.kind != "keyword" or tok.text.upper() != "FROM":
            continue
        j, named = i + 1, False
        if j < len(tokens) and tokens[j].kind == "keyword" and tokens[j].text.upper() == "NAMED":
            j, named = j + 1, True
        iri = _expand(tokens[j], base, prefixes) if j < len(tokens) else None
        if iri is None:
            raise BadRequest("FROM must be followed by the IRI of a graph of this dataset.",
                             hint="Write FROM <graph IRI> or FROM with a declared prefix.",
                             position=tok.start)
        clauses.append((named, iri, i, j + 1))
    return clauses


_POSITION = re.compile(r"error at (\d+):(\d+):\s*")


def syntax_error(message: str, line: int | None = None, column: int | None = None) -> QuerySyntaxError:
    """A QuerySyntaxError at a position of the user's text."""
    if len(message) > 300:                 # Oxigraph lists every expected character class
        message = message[:300] + "..."
    where = f" (line {line}, column {column})" if line else ""
    return QuerySyntaxError(f"The query does not parse{where}: {message}",
                            hint="Fix the query at the position shown; predeclared prefixes need no PREFIX line.",
                            line=line, column=column)


def check_graph_iris(iris: Iterable[str], parameter: str,
                     dataset_graphs: Iterable[str] | None = None) -> None:
    """``default-graph-uri`` / ``named-graph-uri`` values: absolute IRIs (as the store
    parses them), and graphs of this dataset when ``dataset_graphs`` is given."""
    graphs = None if dataset_graphs is None else set(dataset_graphs)
    for iri in iris:
        try:
            ok = bool(re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri)) and pyoxigraph.NamedNode(iri).value == iri
        except ValueError:
            ok = False
        if not ok:
            raise BadRequest(f"{parameter}={iri!r} is not an absolute IRI.",
                             hint="Name a graph of this dataset, e.g. one listed in the service "
                                  "description (GET /sparql).", parameter=parameter)
        if graphs is not None and iri not in graphs:
            raise OutboundRefused(
                f"{parameter}=<{iri}> is not a graph of this dataset; queries cannot read other "
                "documents, files or URLs.",
                hint="Use one of the dataset's named graphs (listed in the service description at "
                     "GET /sparql), or leave the parameter out: the default graph is the union of all graphs.",
                parameter=parameter, graph=iri)


def check_nesting(tokens: Iterable[Token], max_depth: int) -> None:
    """Refuse brackets nested deeper than ``max_depth`` (deep nesting overflows parser
    stacks). Parentheses inside IRI tokens count too: where ``<`` can be less-than,
    a parser may read ``<?a||(...)>`` as an expression."""
    depth = 0
    for tok in tokens:
        if tok.kind == "iri":
            steps = tok.value                  # its brackets, in order
        elif tok.kind == "op" and tok.text in _OPENERS:
            steps = "("
        elif tok.kind == "op" and tok.text in _CLOSERS:
            steps = ")"
        else:
            continue
        for ch in steps:
            if ch in "{([":
                depth += 1
                if depth > max_depth:
                    raise BadRequest(f"The query nests brackets more than {max_depth} levels deep.",
                                     hint="Flatten the query; no real query needs that depth.",
                                     position=tok.start)
            elif ch in "})]":
                depth = max(0, depth - 1)


def prefix_block(predeclared: Mapping[str, str], declared: Mapping[str, str],
                 base_iri: str | None = None) -> str:
    """One line: the service BASE (a BASE in the query comes later and wins), then the
    predeclared prefixes the query does not declare itself."""
    missing = {p: ns for p, ns in predeclared.items() if p not in declared}
    parts = [f"BASE <{base_iri}>"] if base_iri else []
    return " ".join(parts + [f"PREFIX {p}: <{ns}>" for p, ns in missing.items()])


_TERM_KINDS = frozenset({"var", "iri", "pname"})
_LITERAL_KINDS = frozenset({"string", "number"})


def _after_prologue(tokens: list[Token]) -> int:
    i = 0
    while i < len(tokens) and tokens[i].kind == "keyword" and tokens[i].text.upper() in ("PREFIX", "BASE"):
        i += 3 if tokens[i].text.upper() == "PREFIX" else 2
    return i


def _pattern_term(tokens: list[Token], i: int, position: str) -> int | None:
    """Index after one term of a triple pattern at ``i``, or None if it is not a plain
    term (variable, IRI, prefixed name; ``a`` as predicate; literals as object)."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind in _TERM_KINDS:
        return i + 1
    if position == "p" and tok.kind == "keyword" and tok.text == "a":
        return i + 1
    if position == "o" and tok.kind == "keyword" and tok.text in ("true", "false"):
        return i + 1
    if position == "o" and tok.kind in _LITERAL_KINDS:
        i += 1
        if tok.kind == "string" and i < len(tokens) and tokens[i].kind == "lang":
            return i + 1
        if (tok.kind == "string" and i + 1 < len(tokens) and tokens[i].text == "^^"
                and tokens[i + 1].kind in ("iri", "pname")):
            return i + 2
        return i
    return None


def is_bounded(tokens: list[Token], max_offset: int = 10_000) -> bool:
    """Is this a query whose cost the row cap bounds: SELECT (variables or ``*``) or ASK
    over ONE triple pattern of plain terms, no variable twice, with at most LIMIT and a
    small OFFSET? Its answer is one index scan read lazily, so it can run without a
    worker process. No
    DISTINCT, ORDER BY, GROUP BY, FILTER, paths, GRAPH, FROM, subqueries: anything else
    is not bounded (and runs in the time-limited workers). The verdict is about the
    canonical text, which holds exactly these tokens."""
    i = _after_prologue(tokens)
    if i >= len(tokens) or tokens[i].kind != "keyword":
        return False
    form = tokens[i].text.upper()
    i += 1
    if form == "SELECT":
        if i < len(tokens) and tokens[i].text == "*":
            i += 1
        else:
            start = i
            while i < len(tokens) and tokens[i].kind == "var":
                i += 1
            if i == start:
                return False
    elif form != "ASK":
        return False
    if i < len(tokens) and tokens[i].kind == "keyword" and tokens[i].text.upper() == "WHERE":
        i += 1
    if i >= len(tokens) or tokens[i].text != "{":
        return False
    i += 1
    first = i
    for position in ("s", "p", "o"):
        i = _pattern_term(tokens, i, position)
        if i is None:
            return False
    names = [t.text[1:] for t in tokens[first:i] if t.kind == "var"]
    if len(names) != len(set(names)):       # ?x ?x ?o filters the scan: no row bound
        return False
    if i < len(tokens) and tokens[i].text == ".":
        i += 1
    if i >= len(tokens) or tokens[i].text != "}":
        return False
    i += 1
    seen = set()
    while i < len(tokens):
        word = tokens[i].text.upper() if tokens[i].kind == "keyword" else None
        if form != "SELECT" or word not in ("LIMIT", "OFFSET") or word in seen:
            return False
        if i + 1 >= len(tokens) or tokens[i + 1].kind != "number" or not tokens[i + 1].text.isdigit():
            return False
        if word == "OFFSET" and int(tokens[i + 1].text) > max_offset:
            return False
        seen.add(word)
        i += 2
    return True


_UNICODE_ESCAPE = re.compile(r"\\[uU]")


def check_query(text: str, *, predeclared: Mapping[str, str], dataset_graphs: Iterable[str],
                max_length: int, base_iri: str | None = None) -> CheckedQuery:
    """Every check, in order of cost; returns what the store needs to run the query.

    ``base_iri`` resolves relative IRIs (the dataset base: ``<person/x>`` works)."""
    check_length(text, max_length)
    tokens = tokenize(text)
    refuse_updates(tokens)
    refuse_service(tokens)
    check_nesting(tokens, MAX_NESTING)
    base, declared = prologue(tokens, base_iri)
    known = {**predeclared, **declared}
    graphs = set(dataset_graphs)
    clauses = dataset_clauses(tokens, base, known)
    for named, iri, _, _ in clauses:
        if iri not in graphs:
            raise OutboundRefused(
                f"FROM{' NAMED' if named else ''} <{iri}> is not a graph of this dataset; "
                "queries cannot read other documents, files or URLs.",
                hint="Use one of the dataset's named graphs (listed in the service description at "
                     "GET /sparql), or leave FROM out: the default graph is the union of all graphs.",
                graph=iri)
    dropped = {k for _, _, first, last in clauses for k in range(first, last)}
    kept = [t for k, t in enumerate(tokens) if k not in dropped]
    form = query_form(kept)                # None: not a query; the store's parser says why
    block = prefix_block(predeclared, declared, base_iri)
    emitted = emit(text, kept, block)
    if _UNICODE_ESCAPE.search(emitted.text):
        raise BadRequest("A string holds a backslash followed by 'u' or 'U', which some SPARQL "
                         "parsers read as a character escape; it is refused.",
                         hint="Write the character itself instead of a \\u escape.")
    return CheckedQuery(
        text=text, form=form, kind=QUERY_FORMS.get(form, "select"),
        runnable=emitted.text,
        from_default=[iri for named, iri, _, _ in clauses if not named],
        from_named=[iri for named, iri, _, _ in clauses if named],
        added_prefix_lines=emitted.lines_before,
        bounded=not clauses and is_bounded(kept),
        emitted=emitted)

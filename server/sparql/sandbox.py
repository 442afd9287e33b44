"""The sandbox every public SPARQL query passes before it reaches the store.

Pure functions, run on every request: a regular-expression lexer, linear in the
text (the query is parsed only by the store, in a time-limited worker process:
some texts take Oxigraph's parser seconds, and deep nesting overflows its stack).

    check_query(text, ...) -> CheckedQuery     raises:
        PayloadTooLarge   (413) the text is longer than the cap
        BadRequest        (400) brackets nested deeper than MAX_NESTING
        UpdateRefused     (403) INSERT / DELETE / LOAD / CLEAR / DROP / CREATE / ADD / MOVE / COPY / WITH
        OutboundRefused   (403) SERVICE, or FROM / FROM NAMED naming a graph outside the dataset

and ``shift_error`` turns the store parser's QuerySyntaxError (message, line, column)
into one about the user's lines.

The lexer skips strings, IRIs and comments, so a literal "SERVICE" or a comment
"# delete me" never trips it. FROM clauses are blanked out of the text (same length,
newlines kept, so error positions stay right) and returned as dataset lists: the
store never sees an IRI it might be tempted to fetch. Predeclared prefixes are
prepended on one extra first line; ``shift_error`` moves a store parser's error
position back onto the user's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping
from urllib.parse import urljoin

from ..errors import BadRequest, OutboundRefused, PayloadTooLarge, QuerySyntaxError, UpdateRefused

#: Keywords that only occur in SPARQL Update requests.
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE",
                             "ADD", "MOVE", "COPY", "WITH"})
#: Deepest bracket nesting accepted (Oxigraph's parser overflows its stack near 3000).
MAX_NESTING = 100
#: Query forms, and the kind of answer each gives.
QUERY_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

_NAME_CHAR = r"[\w\-.\u00B7\u00C0-\uFFFF]"
_LOCAL = r"(?:[\w\-.:%\u00B7\u00C0-\uFFFF]|\\.)*"
# Every alternative consumes greedily and never needs to back off more than a character,
# so tokenizing is linear in the text (no quadratic rescans of long names).
_TOKEN = re.compile(rf"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
  | (?P<bnode>_:{_NAME_CHAR}+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<name>[A-Za-z_\u00C0-\uFFFF]{_NAME_CHAR}*(?::{_LOCAL})?|:{_LOCAL})
  | (?P<number>\d[\d.]*(?:[eE][+-]?\d+)?)
  | (?P<space>\s+)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Token:
    kind: str      # comment | string | iri | var | bnode | lang | pname | number | word | punct
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (whitespace and comments dropped).

    An unterminated string or IRI falls through to single characters: the parser
    reports it properly later."""
    tokens = []
    for m in _TOKEN.finditer(text):
        kind, value, start = m.lastgroup, m.group(), m.start()
        if kind in ("space", "comment"):
            continue
        if kind == "name" and ":" in value:
            tokens.append(Token("pname", value, start, m.end()))
        elif kind == "name":                  # "a-b.c" is not SPARQL: its words still count
            tokens.extend(Token("word", w.group(), start + w.start(), start + w.end())
                          for w in _WORD.finditer(value))
        else:
            tokens.append(Token(kind, value, start, m.end()))
    return tokens


def keywords(tokens: Iterable[Token]) -> list[Token]:
    """The bare words (keywords, functions, ``a``, ``true``) among ``tokens``."""
    return [t for t in tokens if t.kind == "word"]


@dataclass
class CheckedQuery:
    """A query that passed the sandbox, ready for the store."""
    text: str                          # the user's text, as sent
    form: str | None                   # SELECT | ASK | CONSTRUCT | DESCRIBE (None: will not parse)
    kind: str                          # select | ask | graph
    runnable: str                      # predeclared prefixes + the text without FROM clauses
    from_default: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    added_prefix_lines: int = 0        # lines prepended before the user's text
    bounded: bool = False              # one triple pattern: cost bounded by the row cap


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
    for tok in keywords(tokens):
        if tok.text.upper() == "SERVICE":
            raise OutboundRefused(
                "SERVICE (federated query) is not available: this endpoint never contacts other services.",
                hint="Run the remote part against the other endpoint and combine the results yourself.",
                position=tok.start)


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
        word = tok.text.upper() if tok.kind == "word" else None
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = urljoin(base or "", tokens[i + 1].text[1:-1])
        elif (word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname"
              and tokens[i + 1].text.endswith(":") and tokens[i + 2].kind == "iri"):
            prefixes[tokens[i + 1].text[:-1]] = urljoin(base or "", tokens[i + 2].text[1:-1])
    return base, prefixes


def _expand(tok: Token, base: str | None, prefixes: Mapping[str, str]) -> str | None:
    if tok.kind == "iri":
        return urljoin(base, tok.text[1:-1]) if base else tok.text[1:-1]
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def dataset_clauses(tokens: list[Token], base: str | None,
                    prefixes: Mapping[str, str]) -> list[tuple[bool, str, int, int]]:
    """Every FROM / FROM NAMED clause: (named?, graph IRI, start, end offsets in the text)."""
    clauses = []
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or tok.text.upper() != "FROM":
            continue
        j, named = i + 1, False
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "NAMED":
            j, named = j + 1, True
        if j < len(tokens):
            iri = _expand(tokens[j], base, prefixes)
            if iri is not None:
                clauses.append((named, iri, tok.start, tokens[j].end))
    return clauses


def blank_out(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each span replaced by spaces (newlines kept: positions do not move)."""
    chars = list(text)
    for start, end in spans:
        for k in range(start, end):
            if chars[k] != "\n":
                chars[k] = " "
    return "".join(chars)


_POSITION = re.compile(r"error at (\d+):(\d+):\s*")


def syntax_error(message: str, line_shift: int = 0) -> QuerySyntaxError:
    """A QuerySyntaxError from a parser message ("error at L:C: ..."), position moved up by ``line_shift``."""
    line = column = None
    m = _POSITION.search(message)
    if m:
        line, column = max(1, int(m.group(1)) - line_shift), int(m.group(2))
        message = message[m.end():]
    if len(message) > 300:                 # Oxigraph lists every expected character class
        message = message[:300] + "..."
    where = f" (line {line}, column {column})" if line else ""
    return QuerySyntaxError(f"The query does not parse{where}: {message}",
                            hint="Fix the query at the position shown; predeclared prefixes need no PREFIX line.",
                            line=line, column=column)


def shift_error(exc: QuerySyntaxError, line_shift: int) -> QuerySyntaxError:
    """Move the position of a store's syntax error from the runnable text to the user's text."""
    if _POSITION.search(exc.message):          # Oxigraph: "error at L:C: ..."
        return syntax_error(exc.message, line_shift)
    line = exc.details.get("line")
    if not line_shift or not line:
        return exc
    fixed = max(1, int(line) - line_shift)
    exc.details["line"] = fixed
    exc.message = re.sub(rf"\bline {line}\b", f"line {fixed}", exc.message)
    exc.args = (exc.message,)
    return exc


_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\]*')


def check_graph_iris(iris: Iterable[str], parameter: str) -> None:
    """``default-graph-uri`` / ``named-graph-uri`` values must be absolute IRIs."""
    for iri in iris:
        if not _ABSOLUTE_IRI.fullmatch(iri):
            raise BadRequest(f"{parameter}={iri!r} is not an absolute IRI.",
                             hint="Name a graph of this dataset, e.g. one listed in the service "
                                  "description (GET /sparql).", parameter=parameter)


def check_nesting(tokens: Iterable[Token], max_depth: int) -> None:
    """Refuse brackets nested deeper than ``max_depth`` (deep nesting overflows parser stacks)."""
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text in "{([":
            depth += 1
            if depth > max_depth:
                raise BadRequest(f"The query nests brackets more than {max_depth} levels deep.",
                                 hint="Flatten the query; no real query needs that depth.",
                                 position=tok.start)
        elif tok.kind == "punct" and tok.text in "})]":
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
    while i < len(tokens) and tokens[i].kind == "word" and tokens[i].text.upper() in ("PREFIX", "BASE"):
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
    if position == "p" and tok.kind == "word" and tok.text == "a":
        return i + 1
    if position == "o" and tok.kind == "word" and tok.text in ("true", "false"):
        return i + 1
    if position == "o" and tok.kind in _LITERAL_KINDS:
        i += 1
        if i < len(tokens) and tokens[i].kind == "lang":
            return i + 1
        if (i + 2 < len(tokens) and tokens[i].text == "^" and tokens[i + 1].text == "^"
                and tokens[i + 2].kind in ("iri", "pname")):
            return i + 3
        return i
    return None


def is_bounded(tokens: list[Token], max_offset: int = 10_000) -> bool:
    """Is this a query whose cost the row cap bounds: SELECT (variables or ``*``) or ASK
    over ONE triple pattern of plain terms, with at most LIMIT and a small OFFSET? Its
    answer is one index scan read lazily, so it can run without a worker process. No
    DISTINCT, ORDER BY, GROUP BY, FILTER, paths, GRAPH, FROM, subqueries: anything else
    is not bounded (and runs in the time-limited workers)."""
    i = _after_prologue(tokens)
    if i >= len(tokens) or tokens[i].kind != "word":
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
    if i < len(tokens) and tokens[i].kind == "word" and tokens[i].text.upper() == "WHERE":
        i += 1
    if i >= len(tokens) or tokens[i].text != "{":
        return False
    i += 1
    for position in ("s", "p", "o"):
        i = _pattern_term(tokens, i, position)
        if i is None:
            return False
    if i < len(tokens) and tokens[i].text == ".":
        i += 1
    if i >= len(tokens) or tokens[i].text != "}":
        return False
    i += 1
    seen = set()
    while i < len(tokens):
        word = tokens[i].text.upper() if tokens[i].kind == "word" else None
        if form != "SELECT" or word not in ("LIMIT", "OFFSET") or word in seen:
            return False
        if i + 1 >= len(tokens) or tokens[i + 1].kind != "number" or not tokens[i + 1].text.isdigit():
            return False
        if word == "OFFSET" and int(tokens[i + 1].text) > max_offset:
            return False
        seen.add(word)
        i += 2
    return True


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
    form = query_form(tokens)              # None: not a query; the store's parser says why
    block = prefix_block(predeclared, declared, base_iri)
    body = blank_out(text, [(s, e) for _, _, s, e in clauses])
    return CheckedQuery(
        text=text, form=form, kind=QUERY_FORMS.get(form, "select"),
        runnable=(block + "\n" + body) if block else body,
        from_default=[iri for named, iri, _, _ in clauses if not named],
        from_named=[iri for named, iri, _, _ in clauses if named],
        added_prefix_lines=1 if block else 0,
        bounded=not clauses and is_bounded(tokens))

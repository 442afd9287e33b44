"""A strict SPARQL lexer that spells every terminal as Oxigraph's parser does, and the
canonical text the store receives: exactly the tokens the sandbox checked.

Why a lexer of our own, and why it must agree with the engine: the sandbox decides on
tokens (updates, SERVICE, FROM, nesting, one-pattern lookups). Any difference between
what it reads and what the engine parses is a way to hide code from the checks (a
comment ended by ``\\r``, a keyword glued to a name: Oxigraph reads ``SERVICEex:x`` as
``SERVICE ex:x``). So:

* terminals follow the SPARQL grammar and Oxigraph's spelling of it (whitespace is
  only space, tab, CR, LF; a comment ends at CR or LF; names use the grammar's
  character classes); any other character is a syntax error here, not a guess;
* the store never sees the client's text: ``emit`` writes the token stream back,
  comments dropped, every gap one space (adjacent tokens stay adjacent), each token on
  its original line,
  strings re-escaped from their decoded value and IRIs written decoded. What runs is
  what was checked, and error positions map back onto the user's text.

Every pattern is possessive or atomic, and a name run already known to hold no
prefixed name is never rescanned: tokenizing is linear in the text.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..errors import QuerySyntaxError

# -- terminals (SPARQL 1.1 grammar, 19.8; as Oxigraph 0.5 spells them) -------------------

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE}][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+"
_LOCAL = (rf"(?:[{_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*+"
          rf"(?:\.++(?:[{_CHARS}:]|{_PLX})++)*+")
_UCHAR = r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}"
_ECHAR = r"""\\[tbnrf\\"']"""

SKIP = re.compile(r"(?:[ \t\r\n]++|#[^\r\n]*+)++")
IRIREF = re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]++|{_UCHAR})*+>")
PNAME = re.compile(rf"(?:{_PREFIX})?:(?:{_LOCAL})?")
NAME_RUN = re.compile(rf"[{_CHARS}.]*+")
KEYWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9]*+(?:_[a-zA-Z0-9]++)*+")
VAR = re.compile(rf"[?$][{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*+")
BNODE = re.compile(rf"_:[{_U}0-9][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+")
LANGDIR = re.compile(r"@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+(?:--[a-zA-Z]++)?")
NUMBER = re.compile(r"[+-]?(?:[0-9]++\.[0-9]*+[eE][+-]?[0-9]++|\.[0-9]++[eE][+-]?[0-9]++"
                    r"|[0-9]++[eE][+-]?[0-9]++|[0-9]*+\.[0-9]++|[0-9]++)")
STRINGS = (  # longest delimiters first
    ("'''", re.compile(rf"'''(?:'{{0,2}}+(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''")),
    ('"""', re.compile(rf'"""(?:"{{0,2}}+(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+"""')),
    ("'", re.compile(rf"'(?:[^'\\\r\n]++|{_ECHAR}|{_UCHAR})*+'")),
    ('"', re.compile(rf'"(?:[^"\\\r\n]++|{_ECHAR}|{_UCHAR})*+"')),
)
OPERATORS = ("<<(", ")>>", "||", "&&", "^^", "<=", ">=", "!=", "<<", ">>", "{|", "|}",
             *"{}[]();,.+-*/<>=!^|~?")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE_SEQ = re.compile(rf"{_UCHAR}|{_ECHAR}")
#: Characters an IRI reference may hold (decoded), SPARQL 1.1 grammar [139].
_IRI_OK = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')


@dataclass(frozen=True)
class Token:
    kind: str      # iri | pname | keyword | var | bnode | lang | number | string | op
    text: str      # as written in the query
    start: int     # offset in the query text
    value: str     # decoded: IRI without <> and escapes, string value, or the text itself

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _error(text: str, offset: int, what: str) -> QuerySyntaxError:
    line, column = _position(text, offset)
    return QuerySyntaxError(f"The query does not parse (line {line}, column {column}): {what}",
                            hint="Fix the query at the position shown; SPARQL separates tokens "
                                 "with spaces, tabs and line breaks only.",
                            line=line, column=column)


def _unescape(body: str, text: str, offset: int) -> str:
    def one(m):
        seq = m.group()
        if seq[1] in "uU":
            code = int(seq[2:], 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _error(text, offset, f"{seq} is not a character")
            return chr(code)
        return _ESCAPES[seq[1]]
    return _ESCAPE_SEQ.sub(one, body)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (whitespace and comments dropped). Raises QuerySyntaxError
    at the first character no SPARQL terminal can start with (an unterminated string,
    a stray ``\\`` or a Unicode space, say): the engine would refuse it too."""
    tokens: list[Token] = []
    pos, n = 0, len(text)
    no_pname_before = -1          # end of a name run known to hold no prefixed name
    while pos < n:
        m = SKIP.match(text, pos)
        if m:
            pos = m.end()
            if pos >= n:
                break
        c = text[pos]
        token = None
        if c == "<":
            m = IRIREF.match(text, pos)
            if m:
                iri = _unescape(m.group()[1:-1], text, pos)
                if not _IRI_OK.fullmatch(iri):
                    raise _error(text, pos, "an escape in this IRI stands for a character IRIs cannot hold")
                token = Token("iri", m.group(), pos, iri)
        elif c in "'\"":
            for opener, pattern in STRINGS:
                if text.startswith(opener, pos):
                    m = pattern.match(text, pos)
                    if not m:
                        raise _error(text, pos, "this string is not closed (or holds an invalid escape)")
                    body = m.group()[len(opener):-len(opener)]
                    token = Token("string", m.group(), pos, _unescape(body, text, pos))
                    break
        elif c in "?$":
            m = VAR.match(text, pos)
            if m:
                token = Token("var", m.group(), pos, m.group())
        elif c == "@":
            m = LANGDIR.match(text, pos)
            if not m:
                raise _error(text, pos, "'@' must start a language tag")
            token = Token("lang", m.group(), pos, m.group())
        elif c == "_" and text.startswith("_:", pos):
            m = BNODE.match(text, pos)
            if m:
                token = Token("bnode", m.group(), pos, m.group())
        if token is None and (c.isdigit() or c in ".+-"):
            m = NUMBER.match(text, pos)
            if m:
                token = Token("number", m.group(), pos, m.group())
        if token is None and pos >= no_pname_before:
            m = PNAME.match(text, pos)
            if m:
                token = Token("pname", m.group(), pos, m.group())
            else:
                no_pname_before = NAME_RUN.match(text, pos).end()
        if token is None:
            m = KEYWORD.match(text, pos)
            if m:
                token = Token("keyword", m.group(), pos, m.group())
        if token is None:
            op = next((o for o in OPERATORS if text.startswith(o, pos)), None)
            if op is None:
                raise _error(text, pos, f"unexpected character {c!r} (U+{ord(c):04X})")
            token = Token("op", op, pos, op)
        tokens.append(token)
        pos = token.end
    return tokens


# -- the canonical text ------------------------------------------------------------------

def _string(value: str) -> str:
    return '"' + (value.replace("\\", "\\\\").replace('"', '\\"')
                  .replace("\n", "\\n").replace("\r", "\\r")) + '"'


def canonical(token: Token) -> str:
    """The token as the store receives it: IRIs and strings written from their decoded
    value (no \\u escapes left), everything else as written."""
    if token.kind == "iri":
        return f"<{token.value}>"
    if token.kind == "string":
        return _string(token.value)
    return token.text


@dataclass(frozen=True)
class Emitted:
    """Text for the store, and how to map its positions back onto the user's text."""
    text: str
    lines_before: int                       # lines prepended before the user's first line
    emitted_starts: tuple[int, ...]         # offset of each token in ``text``
    source_starts: tuple[int, ...]          # offset of the same token in the user's text
    source: str

    def source_position(self, line: int, column: int) -> tuple[int, int]:
        """(line, column) in the user's text of a (line, column) the store reported."""
        starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        if line - 1 >= len(starts):
            return _position(self.source, len(self.source))
        offset = starts[line - 1] + column - 1
        i = bisect.bisect_right(self.emitted_starts, offset) - 1
        if i < 0:
            return (1, 1)
        into = offset - self.emitted_starts[i]
        if i + 1 < len(self.source_starts):
            into = min(into, self.source_starts[i + 1] - self.source_starts[i])
        return _position(self.source, min(self.source_starts[i] + into, len(self.source)))


def emit(source: str, tokens: list[Token], header: str = "") -> Emitted:
    """``header`` (one line, or empty) then the tokens, each on the line it had in
    ``source`` (line numbers stay, columns map back): tokens adjacent in ``source`` stay
    adjacent (Oxigraph reads ``STR(`` but not ``STR (``), any other gap (spaces,
    comments) becomes one space."""
    parts: list[str] = [header + "\n"] if header else []
    length = len(parts[0]) if header else 0
    emitted_starts: list[int] = []
    line = written = 1                      # the user's line at the token / at the cursor
    previous, previous_end = 0, 0
    for tok in tokens:
        line += source.count("\n", previous, tok.start)
        previous = tok.start
        if line > written:
            gap, written = "\n" * (line - written), line
        elif emitted_starts and tok.start > previous_end:
            gap = " "
        else:                               # adjacent in the source: adjacent here
            gap = ""
        previous_end = tok.end
        word = canonical(tok)
        emitted_starts.append(length + len(gap))
        parts += (gap, word)
        length += len(gap) + len(word)
    text = "".join(parts)
    return Emitted(text, 1 if header else 0, tuple(emitted_starts),
                   tuple(t.start for t in tokens), source)

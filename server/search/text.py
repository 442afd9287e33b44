"""Text handling of the search index, all pure functions: folding (case and Latin
diacritics), tokens, user text -> FTS5 query, bounded edit distance, trigrams.

The folding here and SQLite's ``unicode61 remove_diacritics 2`` tokenizer agree on what
a token is (a run of letters, digits and combining marks) and on case and Latin
diacritics, so a token this module computes is a token the index holds. Marks on other
scripts (Khmer vowel signs...) are part of the letter and are kept.
"""
from __future__ import annotations

import unicodedata

#: Below this code point a combining mark is a diacritic of a Latin, Greek or Cyrillic
#: letter (dropped, as remove_diacritics does); above it, part of the script's spelling.
_DIACRITIC_BASE_LIMIT = 0x0530
_TOKEN_CATEGORIES = ("L", "N", "M")


def fold(text: str) -> str:
    """Case- and (Latin) diacritic-insensitive form of ``text``: ``"Sámchéat"`` ->
    ``"samcheat"``. Other characters are kept (separators included)."""
    out, base = [], 0
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.category(ch).startswith("M"):
            if base < _DIACRITIC_BASE_LIMIT:
                continue
        else:
            base = ord(ch)
        out.append(ch)
    return "".join(out).casefold()


def tokens(text: str, limit: int | None = None) -> list[str]:
    """The folded tokens of ``text`` (runs of letters, digits, marks; the private-use
    characters SQLite also counts as token characters are treated as separators here
    and never reach a query). At most ``limit`` of them."""
    out, current = [], []
    for ch in fold(text):
        if unicodedata.category(ch)[0] in _TOKEN_CATEGORIES:
            current.append(ch)
            continue
        if current:
            out.append("".join(current))
            current = []
            if limit is not None and len(out) >= limit:
                return out
    if current:
        out.append("".join(current))
    return out[:limit] if limit is not None else out


def normalized(text: str) -> str:
    """The tokens of ``text`` joined by single spaces: the key of an exact-name match."""
    return " ".join(tokens(text))


def phrase(token: str) -> str:
    """One token as an FTS5 string (double quotes doubled): user text never reaches
    the FTS5 query grammar as syntax (``NEAR``, ``*``, ``:``, ``^``, parentheses...)."""
    return '"' + token.replace('"', '""') + '"'


def match_expression(query_tokens: list[str], variants: dict[str, list[str]] | None = None,
                     name_columns: str = "{name alias}", any_token: bool = False) -> str:
    """The FTS5 MATCH text for ``query_tokens``: every token must match (AND; OR with
    ``any_token``), each as a prefix anywhere, or as one of its spelling ``variants`` in
    the name columns. Empty list -> ``""`` (the caller does not query)."""
    parts = []
    for tok in query_tokens:
        alternatives = [phrase(tok) + " *"]
        alts = (variants or {}).get(tok) or []
        if alts:
            alternatives.append(f"{name_columns} : (" + " OR ".join(phrase(v) for v in alts) + ")")
        parts.append("(" + " OR ".join(alternatives) + ")" if len(alternatives) > 1 else alternatives[0])
    return (" OR " if any_token else " AND ").join(parts)


def trigrams(term: str) -> set[str]:
    """The trigrams of ``term`` padded with one space at each end (``"kem"`` ->
    ``{" ke", "kem", "em "}``): short terms still have some."""
    padded = f" {term} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def distance(a: str, b: str, bound: int) -> int:
    """Optimal-string-alignment edit distance (insert, delete, substitute, swap two
    neighbours) of ``a`` and ``b``, or ``bound + 1`` as soon as it must exceed ``bound``.
    Time O(len(a) * len(b)), both bounded by the callers (tokens are short)."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > bound:
            return bound + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= bound else bound + 1


def allowed_distance(token: str) -> int:
    """How many edits a spelling variant of ``token`` may be away: none under 4
    characters (too many short names are one edit apart), one up to 6, two beyond."""
    n = len(token)
    return 0 if n < 4 else 1 if n <= 6 else 2


def similarity(query: str, name: str) -> float:
    """0..1: how alike two names are, order of words ignored (each query token is
    paired with its closest name token by edit distance; prefixes count as close)."""
    q, n = tokens(query), tokens(name)
    if not q or not n:
        return 0.0
    if q == n:
        return 1.0
    total = 0.0
    for tok in q:
        best = 0.0
        for cand in n:
            if tok == cand:
                best = 1.0
                break
            if cand.startswith(tok) and len(tok) >= 2:
                best = max(best, 0.75 + 0.2 * len(tok) / len(cand))
                continue
            bound = max(1, len(tok) // 3)
            d = distance(tok, cand, bound)
            if d <= bound:
                best = max(best, 1.0 - d / max(len(tok), len(cand)))
        total += best
    coverage = total / max(len(q), len(n))     # extra words on either side lower the score
    order = 1.0 if [t for t in q if t in n] == [t for t in n if t in q] else 0.97
    return round(coverage * order, 4)

"""All configuration in one place.

Every setting has a default here (the embedded Cambodia dataset); a deployment
overrides them with environment variables prefixed ``KG_`` (``KG_BASE_IRI``,
``KG_DATA_DIR``, ``KG_STORE_BACKEND``...) or with a mapping passed to
``create_app(config)`` (tests). Nothing else in the package reads the environment.
"""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

#: The repository root: the embedded dataset lives beside the package.
ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, object] = {
    # Canonical base IRI of the dataset; request paths map to BASE_IRI + path.
    "BASE_IRI": "https://w3id.org/cambodia-prosecutions/",
    # Folders of the dataset: ontology (Turtle), data (one named graph per file), shapes.
    "ONTOLOGY_DIR": str(ROOT / "ontology"),
    "DATA_DIR": str(ROOT / "data"),
    "SHAPES_DIR": str(ROOT / "shapes"),
    # Folder of the source texts (the articles the data files cite by cpo:sourceFile), for
    # the checks that need them (checksums, evidence quotes, stated dates). None: the
    # "sources" folder beside DATA_DIR if there is one, else those checks are skipped (said so).
    "SOURCES_DIR": None,
    # Competency questions / example queries (*.rq with title and description headers).
    "QUERIES_DIR": str(ROOT / "queries"),
    # Store backend: "oxigraph" (embedded, default), "rdflib" (embedded) or "remote".
    "STORE_BACKEND": "oxigraph",
    # Directory of a persistent Oxigraph store; None keeps the store in memory.
    "STORE_PATH": None,
    # SPARQL endpoint URL of the remote backend (query only; we never write to it).
    "REMOTE_ENDPOINT": None,
    # Validate the data with SHACL before serving; refuse to start when it does not conform.
    "VALIDATE_ON_START": True,
    # Serve data that does not conform anyway (explicit opt-in, prints the report).
    "ALLOW_INVALID": False,
    # Start with a data folder that holds no RDF file (only the ontology and shapes are
    # served). Off: an empty data folder stops the start. A configured folder that does
    # not exist (a misspelled path) always stops it.
    "ALLOW_EMPTY_DATA": False,
    # Largest dataset file, in bytes; a larger one stops the start (names the file).
    "MAX_FILE_BYTES": 512 * 1024 * 1024,
    # Largest literal (or IRI) in the data, in UTF-8 bytes; a larger one stops the start
    # (names the file and the subject) before the store's parser or loader chokes on it.
    "MAX_LITERAL_BYTES": 1024 * 1024,
    # Wall-clock limit of one SPARQL query, in seconds.
    "SPARQL_TIMEOUT": 5.0,
    # Most result rows one SPARQL answer carries; more are cut and the cut is announced.
    "SPARQL_MAX_ROWS": 10_000,
    # Longest accepted query text, in characters.
    "SPARQL_MAX_QUERY_LENGTH": 20_000,
    # Largest accepted request body, in bytes (Flask answers 413 above it).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # -- HTTP front (server.serving): what a slow, silent or oversized client may hold ----
    # Seconds a client has to send a whole request head (request line and headers), counted
    # from the moment it connects or its previous answer was sent; then it is disconnected.
    # Also how long an idle kept-alive connection stays open. 0.001 to 60.
    "HEADER_READ_TIMEOUT": 5.0,
    # Seconds a client has to send the request body once the head has arrived; past it the
    # answer is 408 and the connection is closed. Bodies are read without a request thread.
    "BODY_READ_TIMEOUT": 10.0,
    # Largest request head in bytes (request line and headers; more: 431). It must hold a GET
    # of SPARQL_MAX_QUERY_LENGTH characters percent-encoded (3 bytes each); the HTTP parser
    # caps the URI alone at 65,534 bytes (more: 414, send the query by POST).
    "HTTP_MAX_HEAD_BYTES": 128 * 1024,
    # Keep connections open for further requests (idle ones close after HEADER_READ_TIMEOUT).
    "HTTP_KEEP_ALIVE": True,
    # Open connections per worker process (each costs a socket, no thread); more wait in the
    # kernel's listen queue. Keep workers x this below the open-files limit (LimitNOFILE).
    "HTTP_MAX_CONNECTIONS": 512,
    # Seconds a worker may take to finish its requests when the server stops; then it is killed.
    "SHUTDOWN_TIMEOUT": 10,
    # Number of query worker processes per server process.
    "QUERY_WORKERS": 2,
    # Confinement of query workers: "seccomp" (no network, no exec; queries are refused if
    # it cannot be installed) or "none" (only where seccomp is unavailable; not recommended).
    "QUERY_CONFINEMENT": "seccomp",
    # Memory (MB of address space) one query may add to its worker; more stops it (503).
    "QUERY_MEMORY_LIMIT_MB": 1024,
    # Queries that may wait for a busy worker (per server process); more get 503 at once.
    "QUERY_QUEUE": 4,
    # Seconds a query waits for a worker, at most, before 503 with Retry-After.
    "QUERY_QUEUE_WAIT": 2.0,
    # Queries one client (IP address; an IPv6 /64) may have in the pool at once; more get
    # 429. Below QUERY_WORKERS, so one client never holds every worker.
    "CLIENT_MAX_QUERIES": 1,
    # Largest serialized answer of one query, in bytes; larger: 503 (add LIMIT).
    "SPARQL_MAX_ANSWER_BYTES": 32 * 1024 * 1024,
    # Reverse proxies in front of this server whose X-Forwarded-For / -Proto are trusted
    # (0: none; the client is the connection's address, and those headers are ignored).
    "TRUSTED_PROXIES": 0,
    # Incoming links shown in a resource description before paging.
    "INCOMING_LINKS_LIMIT": 50,
    # Instances on one page of a browse list (/browse/<class>); 1 to 1000.
    "BROWSE_PAGE_SIZE": 50,
    # Licence statement of the dataset (VoID, home page).
    "LICENSE": "https://creativecommons.org/licenses/by/4.0/",
    # Public base URL of this deployment (e.g. "https://kg.example.org/"): absolute URLs in
    # answers (JSON-LD @context, sd:endpoint, pages) start with it. None: the request's own
    # scheme://host for a loopback Host (answers then carry Vary: Host), else BASE_IRI.
    "PUBLIC_URL": None,
    # Rendered resource descriptions kept per process (entries; 0 turns it off) and bytes.
    "RESPONSE_CACHE_ENTRIES": 4096,
    "RESPONSE_CACHE_BYTES": 64 * 1024 * 1024,
    # Replay a repeated resource answer whole, before Flask runs (server/web/front.py;
    # same bounds as the response cache, off with it).
    "FRONT_CACHE": True,
    # Rendered dataset dumps kept per process (entries; 0 turns it off) and bytes; a dump
    # larger than the byte bound is written anew for each request.
    "DUMP_CACHE_ENTRIES": 8,
    "DUMP_CACHE_BYTES": 256 * 1024 * 1024,
    # One whole-dataset document (a dump, the default graph) is built at a time per
    # process; another request waits this many seconds for it, then gets 503 Retry-After.
    "DUMP_BUILD_WAIT": 2.0,
    # Most result rows an HTML result page shows (the downloads carry the whole answer).
    "HTML_MAX_ROWS": 1000,
    # The file of dataset-specific text (site title, property groups of the pages); see
    # SITE_DEFAULTS. None: "site.toml" in ONTOLOGY_DIR if there is one, else the defaults.
    "SITE_FILE": None,
    # -- search (server.search: /search) and reconciliation (server.reconcile: /reconcile) --
    # Properties (prefixed names or IRIs, separated by spaces) whose values are indexed, by
    # column: names (weight 10), variant spellings (8), descriptions (2), evidence quotes (1).
    # A property the ontology declares rdfs:subPropertyOf one of them is indexed with it.
    "SEARCH_NAME_PROPERTIES": "skos:prefLabel rdfs:label schema:name foaf:name schema:headline dct:title",
    "SEARCH_ALIAS_PROPERTIES": "schema:alternateName skos:altLabel skos:hiddenLabel foaf:nick "
                               "schema:legalName",
    "SEARCH_TEXT_PROPERTIES": "schema:description rdfs:comment skos:definition dct:description",
    "SEARCH_EVIDENCE_PROPERTIES": "cpo:evidence cpo:quotation",
    # The "type" facet: a resource counts under the first of these classes it is an
    # instance of (through rdfs:subClassOf), else under its own class.
    "SEARCH_TYPE_CLASSES": "schema:Person schema:Organization foaf:Group schema:Event schema:Place "
                           "schema:CreativeWork",
    # The "event kind" facet: instances of these classes (or subclasses) count under their own class.
    "SEARCH_EVENT_CLASSES": "schema:Event",
    # Indexed text per resource (descriptions and quotes; names are always whole), characters.
    "SEARCH_MAX_TEXT_CHARS": 4000,
    # Longest search text (characters) and most words searched; the rest is ignored (said on the page).
    "SEARCH_MAX_QUERY_LENGTH": 200,
    "SEARCH_MAX_QUERY_TOKENS": 8,
    # Hits per page by default and at most (?limit=).
    "SEARCH_PAGE_SIZE": 20,
    "SEARCH_MAX_PAGE_SIZE": 100,
    # Best matches (by BM25) re-ranked and counted in the facets; past it, hits are not paged.
    "SEARCH_CANDIDATES": 1000,
    # Build the index when the app starts (True) or on the first search (False; thread-safe).
    "SEARCH_INDEX_ON_START": True,
    # Reconciliation: the types OpenRefine offers first, the most queries one batch may hold
    # (more: 413), and the most candidates one query returns.
    "RECONCILE_DEFAULT_TYPES": "schema:Person schema:Organization",
    "RECONCILE_BATCH_SIZE": 50,
    "RECONCILE_MAX_CANDIDATES": 25,
}

#: What the site file holds, and what a dataset without one gets: ``SITE_TITLE`` (pages,
#: VoID dct:title) and ``PAGE_GROUPS``, (group title, property local names) in page order;
#: a property in no group goes to "Other". ``SITE_DIGEST`` (of the file's bytes) goes into
#: every ETag, so that an edited site file with unchanged data is not answered 304.
SITE_DEFAULTS: dict[str, object] = {
    "SITE_DIGEST": "",
    "SITE_TITLE": "Knowledge graph",
    "SITE_DESCRIPTION": "",
    "TIMELINE_INHERIT_DATE": (),
    # [casefile] (server.web.casefile): none of these: no case summary on the pages.
    "CASEFILE": {"root": None, "kinds": (), "subject": (), "details": (), "unremarkable": ()},
    "PAGE_GROUPS": (("Identity and names", ("type", "label", "prefLabel", "name", "comment",
                                            "description", "definition")),),
}


def load_config(app, overrides: dict | None = None) -> None:
    """Fill ``app.config``: defaults, then ``KG_*`` environment variables, then overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("KG")
    if overrides:
        app.config.from_mapping(overrides)
    if not str(app.config["BASE_IRI"]).endswith("/"):
        app.config["BASE_IRI"] = str(app.config["BASE_IRI"]) + "/"
    app.config.update(load_site(app.config["SITE_FILE"], app.config["ONTOLOGY_DIR"]))


def load_site(site_file: str | None, ontology_dir: str) -> dict[str, object]:
    """``SITE_TITLE`` and ``PAGE_GROUPS`` from the site file (``site_file``, else
    ``site.toml`` in ``ontology_dir``); ``SITE_DEFAULTS`` for what it does not say, or when
    there is no such file. A configured file that is missing or malformed stops the start.

    The file::

        title = "Political prosecutions in ..."
        description = "One paragraph: what the dataset holds (schema.org and DCAT)."
        [[groups]]
        title = "Dates"
        properties = ["date", "startDate"]
    """
    from .errors import DataLoadError
    path = Path(site_file) if site_file else Path(ontology_dir) / "site.toml"
    if not path.is_file():
        if site_file:
            raise DataLoadError(str(path), "the configured SITE_FILE does not exist",
                                hint="Fix KG_SITE_FILE, or unset it to use ONTOLOGY_DIR/site.toml.")
        return dict(SITE_DEFAULTS)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DataLoadError(str(path), f"not valid TOML: {error}",
                            hint="The site file format: docs/data-model.md, \"The site file\".") from None
    site = {**SITE_DEFAULTS, "SITE_DIGEST": hashlib.sha256(raw).hexdigest()[:16]}
    if "title" in data:
        if not isinstance(data["title"], str) or not data["title"].strip():
            raise DataLoadError(str(path), "title must be a non-empty string")
        site["SITE_TITLE"] = data["title"].strip()
    if "description" in data:
        if not isinstance(data["description"], str):
            raise DataLoadError(str(path), "description must be a string")
        site["SITE_DESCRIPTION"] = " ".join(data["description"].split())
    if "groups" in data:
        groups = data["groups"]
        if not isinstance(groups, list) or not all(
                isinstance(g, dict) and isinstance(g.get("title"), str)
                and isinstance(g.get("properties"), list)
                and all(isinstance(n, str) for n in g["properties"]) for g in groups):
            raise DataLoadError(str(path), "each [[groups]] entry needs a title (string) and "
                                "properties (a list of property local names)")
        site["PAGE_GROUPS"] = tuple((g["title"], tuple(g["properties"])) for g in groups)
    inherit = data.get("timeline", {}).get("inherit_date_through", []) if isinstance(
        data.get("timeline", {}), dict) else None
    if not isinstance(inherit, list) or not all(isinstance(n, str) and ":" in n for n in inherit):
        raise DataLoadError(str(path), "[timeline] inherit_date_through must be a list of prefixed "
                            "names or IRIs of properties, e.g. [\"cpo:sentenceOf\"]")
    site["TIMELINE_INHERIT_DATE"] = tuple(inherit)
    site["CASEFILE"] = load_casefile(data.get("casefile", {}), path)
    return site


def load_casefile(section, path: Path) -> dict[str, object]:
    """The site file's ``[casefile]``: ``root`` (an event class: its subclasses are the
    kinds of a case summary), ``kinds`` (event classes in row order; listed kinds need not
    be under ``root``), ``subject`` (the properties by which an event names whom it is
    about), ``details`` (local names of the properties shown for each event) and
    ``unremarkable`` (values not worth a mention, e.g. the status "occurred")."""
    from .errors import DataLoadError
    names = ("kinds", "subject", "details", "unremarkable")
    if not isinstance(section, dict) or not all(
            isinstance(section.get(k, []), list) and all(isinstance(n, str) for n in section.get(k, []))
            for k in names) or not isinstance(section.get("root", ""), str):
        raise DataLoadError(str(path), "[casefile] needs root (a prefixed class name) and kinds, subject, "
                            "details, unremarkable (lists of strings)")
    named = [n for k in ("kinds", "subject", "unremarkable") for n in section.get(k, [])]
    named += [section["root"]] if section.get("root") else []
    if any(":" not in n for n in named):
        raise DataLoadError(str(path), "[casefile] root, kinds, subject and unremarkable take prefixed names "
                            "or IRIs (\"cpo:Arrest\"), not bare local names")
    return {"root": section.get("root") or None, **{k: tuple(section.get(k, [])) for k in names}}

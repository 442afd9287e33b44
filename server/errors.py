"""Error classes of the service. Each knows its HTTP status; one handler (in
``server.web``) renders them all in the format the client negotiated.

    KGError                      (500) base class: something we could not do
    ├── BadRequest               (400) the request is malformed
    │   └── QuerySyntaxError     (400) the SPARQL text does not parse (message + line/column)
    ├── Forbidden                (403) refused by policy
    │   ├── UpdateRefused        (403) SPARQL Update on the read-only endpoint
    │   └── OutboundRefused      (403) SERVICE / LOAD / remote FROM would reach outside
    ├── NotFound                 (404) no such resource
    ├── MethodNotAllowed         (405)
    ├── NotAcceptable            (406) no offered media type fits Accept (lists the offers)
    ├── PayloadTooLarge          (413) query or body above the configured cap
    ├── UnsupportedMediaType     (415) POST body of a type the protocol does not know
    ├── TooManyQueries           (429) this client already has its share of query workers
    ├── QueryTimeout             (503) the query ran past the wall-clock limit and was stopped
    ├── QueryTooLarge            (503) the query needed more memory than a query may use
    ├── AnswerTooLarge           (503) the answer is over the bytes one answer may take
    ├── PoolBusy                 (503) every query worker busy and the queue full (Retry-After)
    ├── DumpBusy                 (503) another dump is being built in this process (Retry-After)
    ├── StoreUnavailable         (503) the backend cannot be reached
    └── StartupError             (exit 2) the service cannot start on this configuration
        ├── DataLoadError        (exit 2) a file cannot be parsed (file:line:column)
        │   └── DataTooLarge     (exit 2) a file or one of its terms is over MAX_FILE_BYTES /
        │                                 MAX_LITERAL_BYTES (names file and subject)
        ├── DataFolderError      (exit 2) a dataset folder is missing, or the data folder
        │                                 holds no RDF file (unless ALLOW_EMPTY_DATA)
        ├── ValidationCouldNotRun (exit 2) the SHACL engine could not run: a failure to fix
        ├── DataDoesNotConform   (exit 1) the data violates the shapes: a report to show
        │                                 (``.outcome``), unless ALLOW_INVALID
        └── StoreError           (exit 2) the persistent store cannot be used
            ├── StoreInUse       (exit 2) another server serves it: it cannot be rebuilt now
            └── StoreCorrupted   (exit 2) its files differ from its manifest: rebuild it

An error with a ``retry_after`` detail is sent with a ``Retry-After`` header.

``StartupError`` and its subclasses are not HTTP errors: they stop the start-up
pipeline (``server.startup``: ``validate``, ``serve``, ``create_app``) and the CLI exits
with their ``exit_code`` (1: the data does not conform; 2: it cannot be loaded or
checked, or the store cannot be used), printing the message and the hint.
"""
from __future__ import annotations


class KGError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, message: str, *, hint: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details

    def to_dict(self) -> dict:
        body = {"status": self.status, "title": self.title, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        body.update({k: v for k, v in self.details.items() if v is not None})
        return body


class BadRequest(KGError):
    status, title = 400, "Bad request"


class QuerySyntaxError(BadRequest):
    title = "Malformed SPARQL query"


class Forbidden(KGError):
    status, title = 403, "Forbidden"


class UpdateRefused(Forbidden):
    title = "SPARQL Update is not allowed"


class OutboundRefused(Forbidden):
    title = "Query would access a resource outside this dataset"


class NotFound(KGError):
    status, title = 404, "Not found"


class MethodNotAllowed(KGError):
    status, title = 405, "Method not allowed"


class NotAcceptable(KGError):
    status, title = 406, "Not acceptable"


class PayloadTooLarge(KGError):
    status, title = 413, "Request too large"


class UnsupportedMediaType(KGError):
    status, title = 415, "Unsupported media type"


class TooManyQueries(KGError):
    status, title = 429, "Too many queries at once"


class QueryTimeout(KGError):
    status, title = 503, "Query timed out"


class QueryTooLarge(KGError):
    status, title = 503, "Query needed too much memory"


class AnswerTooLarge(KGError):
    status, title = 503, "Answer too large"


class PoolBusy(KGError):
    status, title = 503, "Query workers busy"


class DumpBusy(KGError):
    """Another whole-dataset document is being built in this process (``retry_after``)."""
    status, title = 503, "Busy building a dump"


class StoreUnavailable(KGError):
    status, title = 503, "Store unavailable"


class StartupError(KGError):
    """The service cannot start on this configuration (not an HTTP error): ``exit_code``
    is what the CLI exits with; the message says what is wrong, the hint what to do."""
    title = "Cannot start"
    exit_code = 2


class DataLoadError(StartupError):
    """A data, ontology or shapes file could not be parsed (names file, line, column)."""
    title = "A file cannot be loaded"

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None,
                 *, hint: str | None = None):
        where = path + (f":{line}" if line else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}", hint=hint)
        self.path, self.line, self.column, self.reason = path, line, column, message


class DataTooLarge(DataLoadError):
    """A file over MAX_FILE_BYTES, or a term (literal or IRI) over MAX_LITERAL_BYTES: the
    loader refuses it before anything else breaks on it (``subject`` names the resource)."""
    title = "Data over the configured size limits"

    def __init__(self, path: str, message: str, *, subject: str | None = None,
                 hint: str | None = None):
        super().__init__(path, message, hint=hint)
        self.subject = subject


class DataFolderError(StartupError):
    """A configured dataset folder does not exist, or the data folder holds no RDF file."""
    title = "Dataset folder missing or empty"


class ValidationCouldNotRun(StartupError):
    """The SHACL engine could not run (malformed shapes, engine missing): nothing was
    judged, so nothing is served, whatever ALLOW_INVALID says. A failure to fix."""
    title = "Validation could not run"


class DataDoesNotConform(StartupError):
    """The data does not conform to the shapes: ``outcome`` (a ``server.report.Outcome``)
    is the report to show. Not a failure of the tool: the curator fixes the data."""
    title = "The data does not conform"
    exit_code = 1

    def __init__(self, outcome):
        counts = outcome.counts()
        extra = [f"{n} {what}" for n, what in ((len(outcome.shape_problems), "shape problem(s)"),
                                               (len(outcome.undeclared), "undeclared term(s)")) if n]
        super().__init__(
            f"The data does not conform to the shapes: {counts['Violation']} violation(s)"
            + (f", {', '.join(extra)}" if extra else "") + ".",
            hint="Fix the problems the report lists (each names its file), or pass "
                 "--allow-invalid (KG_ALLOW_INVALID=true) to serve it anyway.")
        self.outcome = outcome


class StoreError(StartupError):
    """The persistent store (STORE_PATH) cannot be opened or built."""
    title = "Store cannot be used"


class StoreInUse(StoreError):
    """Another process serves the store (it holds the store's shared lock): rebuilding it
    now would change the data under that server."""
    title = "Store in use by another server"


class StoreCorrupted(StoreError):
    """The store's files differ from the manifest written when it was built (or it cannot
    be opened): it is never served; the hint names the command that rebuilds it."""
    title = "Store corrupted"

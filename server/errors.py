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
    ├── PoolBusy                 (503) every query worker busy and the queue full (Retry-After)
    └── StoreUnavailable         (503) the backend cannot be reached

An error with a ``retry_after`` detail is sent with a ``Retry-After`` header.

``DataLoadError`` and ``ValidationFailed`` are not HTTP errors: they stop the CLI
(``validate``/``serve``) with a report and a non-zero exit.
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


class PoolBusy(KGError):
    status, title = 503, "Query workers busy"


class StoreUnavailable(KGError):
    status, title = 503, "Store unavailable"


class DataLoadError(Exception):
    """A data, ontology or shapes file could not be parsed (names file, line, column)."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        where = path + (f":{line}" if line else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.column, self.reason = path, line, column, message


class ValidationFailed(Exception):
    """The data does not conform to the shapes (carries the report)."""

    def __init__(self, report):
        super().__init__("the data does not conform to the shapes")
        self.report = report

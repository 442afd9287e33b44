"""The command line: ``python -m server <command>``.

    validate   load + SHACL-validate the dataset, print the report (exit 0 / 1 / 2);
               --file data/x.ttl: only what that file causes, checked in context
    new-source scaffold data/<slug>.ttl for a new article text (copied into sources/)
    sources    list the article texts and their checksums; --update records them
    serve      validate, then serve with granian (or Flask's dev server with --dev)
    format     rewrite data files in canonical longturtle (--check: only report)
    queries    list the competency questions
    generate   write a synthetic dataset (benchmarks)
    diagram    regenerate the class diagram in docs/data-model.md (--check: only report)
    push       load the dataset into a remote store (SPARQL 1.1 Graph Store Protocol)

Settings come from ``server.config`` (defaults, then ``KG_*`` environment variables,
then the options given here). Each command is a thin wrapper over plain functions;
to add one, write the function and a ``@main.command()`` below.

Exit codes: 0 success; 1 the data does not conform (or is not canonical); 2 the
data cannot be loaded or checked (syntax error: ``file:line:column: message``; a
missing folder, an empty data folder, a file or literal over its size limit, a SHACL
engine that cannot run) or the store cannot be used (served by another server,
corrupted). ``validate`` and ``serve`` run the one start-up pipeline, ``server.startup``.
"""
from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import click

from .config import DEFAULTS, ROOT, load_config
from .errors import DataDoesNotConform, DataLoadError, KGError, StartupError
from .startup import ENGINES

EXIT_OK, EXIT_INVALID, EXIT_UNLOADABLE = 0, 1, 2


def settings(**overrides) -> Config:
    """The configuration ``create_app`` would see, with the given options on top
    (options left at None do not override)."""
    from flask.config import Config       # not flask itself: validate starts without it
    holder = SimpleNamespace(config=Config(str(ROOT)))
    load_config(holder, {k: v for k, v in overrides.items() if v is not None})
    return holder.config


def dataset_options(command):
    """--ontology / --data / --shapes / --base-iri, shared by the dataset commands."""
    for name, key, what in reversed([
            ("--ontology", "ONTOLOGY_DIR", "folder of ontology files"),
            ("--data", "DATA_DIR", "folder of data files (one named graph per file)"),
            ("--shapes", "SHAPES_DIR", "folder of SHACL shapes"),
            ("--sources", "SOURCES_DIR", "folder of the article texts the data cites")]):
        default = DEFAULTS[key] or "a 'sources' folder beside the data folder, if any"
        command = click.option(name, key.lower(), type=click.Path(file_okay=False),
                               help=f"{what} [default: {default}; env KG_{key}]")(command)
    command = click.option("--allow-empty", "allow_empty", is_flag=True, default=None,
                           help="accept a data folder without RDF files (only the ontology and "
                                "shapes) [env KG_ALLOW_EMPTY_DATA]")(command)
    return click.option("--base-iri", "base_iri", help="canonical base IRI [env KG_BASE_IRI]")(command)


def dataset_settings(ontology_dir=None, data_dir=None, shapes_dir=None, base_iri=None,
                     allow_empty=None, sources_dir=None, **more):
    return settings(ONTOLOGY_DIR=ontology_dir, DATA_DIR=data_dir, SHAPES_DIR=shapes_dir,
                    SOURCES_DIR=sources_dir, BASE_IRI=base_iri, ALLOW_EMPTY_DATA=allow_empty, **more)


def run_checks(config, fmt: str = "text", out=None, engine: str = "auto",
               only_files: tuple[str, ...] = ()) -> int:
    """Check the dataset (stages 1-3 of ``server.startup``), print the report on ``out``
    (stdout), return the exit code. ``only_files``: report only what they cause."""
    from . import report, startup
    out = out or sys.stdout
    try:
        outcome = startup.validate_files(config, engine, only_files=only_files)
    except StartupError as error:          # unparsable, folder, size, or the engine could not run
        out.write(json.dumps(report.error_json(error), indent=2) + "\n" if fmt == "json"
                  else report.error_text(error))
        return error.exit_code
    if fmt == "json":
        out.write(json.dumps(report.render_json(outcome), indent=2) + "\n")
    else:
        out.write(report.render_text(outcome))
    return EXIT_OK if outcome.conforms else EXIT_INVALID


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Linked-data publisher of a curated knowledge graph."""


@main.command()
@dataset_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="SHACL engine: pyshacl (reference) or turbo (same answers, faster); auto picks turbo if installed")
@click.option("--file", "only_files", multiple=True, type=click.Path(dir_okay=False),
              help="report only what this data file causes (repeatable); the whole dataset is "
                   "still checked, so the file is judged in context")
def validate(ontology_dir, data_dir, shapes_dir, sources_dir, allow_empty, base_iri, fmt, engine, only_files):
    """Validate the data against the shapes; print every problem with its file.

    Exit 0 when the data conforms (warnings do not fail), 1 on violations,
    2 when it cannot be loaded or checked (a file does not parse, a folder is missing
    or empty, a file or literal is over its size limit, the engine cannot run)."""
    config = dataset_settings(ontology_dir, data_dir, shapes_dir, base_iri, allow_empty, sources_dir)
    sys.exit(run_checks(config, fmt, engine=engine, only_files=tuple(only_files)))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="worker processes (granian)")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="request threads per worker (only complete requests reach them)")
@click.option("--dev", is_flag=True, help="Flask's development server instead of granian")
@click.option("--access-log", is_flag=True, help="log every request on stderr (costs throughput)")
@click.option("--allow-invalid", is_flag=True, default=None,
              help="serve data that does not conform (the report is still printed) [env KG_ALLOW_INVALID]")
@click.option("--backend", type=click.Choice(["oxigraph", "rdflib", "remote"]),
              help="store backend [env KG_STORE_BACKEND]")
@click.option("--store-path", type=click.Path(file_okay=False),
              help="directory of a persistent Oxigraph store [env KG_STORE_PATH]")
@click.option("--remote-endpoint", help="SPARQL endpoint of the remote backend [env KG_REMOTE_ENDPOINT]")
@click.option("--rebuild", is_flag=True,
              help="rebuild the persistent store (--store-path) from the files even if it matches them "
                   "(e.g. after it was reported corrupted); refused while another server serves it")
@dataset_options
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="SHACL engine: pyshacl (reference) or turbo (same answers, faster); auto picks turbo if installed")
def serve(host, port, workers, threads, dev, access_log, allow_invalid, backend, store_path, remote_endpoint,
          rebuild, ontology_dir, data_dir, shapes_dir, sources_dir, allow_empty, base_iri, engine):
    """Validate the data, then serve it (granian on 127.0.0.1:8080 by default).

    Refuses to start on data that does not conform unless --allow-invalid."""
    config = dataset_settings(ontology_dir, data_dir, shapes_dir, base_iri, allow_empty, sources_dir,
                              ALLOW_INVALID=allow_invalid, STORE_BACKEND=backend,
                              STORE_PATH=store_path, REMOTE_ENDPOINT=remote_endpoint)
    code, started = preflight(config, engine, rebuild)
    if code is not None:
        sys.exit(code)
    # a persistent store stays open, holding its shared lock, while this process serves
    click.get_current_context().call_on_close(started.store.close)
    store = started.store
    del started               # the parsed dataset and the report are not kept
    overrides = {key: config[key] for key in DEFAULTS}
    overrides["VALIDATE_ON_START"] = False          # done above, once, not per worker
    from . import create_app, serving
    try:
        app = create_app(overrides, store=store)    # the store the pipeline built: no second parse
        if dev:
            serving.serve_dev(overrides, host, port, app=app)
        else:
            serving.serve(overrides, host, port, workers, threads, access_log, app=app)
    except KGError as error:
        click.echo(f"cannot serve: {error.message}" + (f" ({error.hint})" if error.hint else ""), err=True)
        sys.exit(EXIT_UNLOADABLE)


def preflight(config, engine: str = "auto", rebuild: bool = False):
    """Run the start-up pipeline (``server.startup``) before serving: ``(None, Started)``
    to serve, or ``(exit code, None)`` to stop with, the report or error printed on stderr."""
    from . import startup
    say = lambda line: click.echo(line, err=True)         # noqa: E731
    try:
        started = startup.start(config, engine=engine, rebuild=rebuild, say=say)
    except StartupError as error:
        say(refusal(error))
        return error.exit_code, None
    if started.outcome is not None:
        from . import report
        say(report.render_text(started.outcome).rstrip("\n"))
        if not started.outcome.conforms:
            say("serving data that does not conform (--allow-invalid / KG_ALLOW_INVALID)")
    return None, started


def refusal(error: StartupError) -> str:
    """What ``serve`` prints when the pipeline refuses: the report or errors, then why."""
    from . import report                      # imports pySHACL: only when there is a report
    if isinstance(error, DataDoesNotConform):
        return (report.render_text(error.outcome) +
                "refusing to serve: the data does not conform to the shapes (report above). "
                "Fix the violations, or pass --allow-invalid to serve it anyway.")
    if isinstance(error, DataLoadError):
        return report.load_error_text(error) + "refusing to serve: the data cannot be loaded (errors above)."
    return f"refusing to serve: {error.message}" + (f"\n  {error.hint}" if error.hint else "")


@main.command("format")
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help=f"folder of data files [default: {DEFAULTS['DATA_DIR']}; env KG_DATA_DIR]")
@click.option("--check", is_flag=True, help="only report files not in canonical form (exit 1 if any)")
def format_command(data_dir, check):
    """Rewrite the data's Turtle files in canonical form (rdflib longturtle)."""
    from .loader import reformat
    folder = settings(DATA_DIR=data_dir)["DATA_DIR"]
    try:
        changed = reformat(folder, check=check)
    except DataLoadError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_UNLOADABLE)
    for path in changed:
        click.echo(f"{'not canonical' if check else 'reformatted'}: {path}")
    if check and changed:
        click.echo(f"{len(changed)} file(s) not in canonical form: run `python -m server format`", err=True)
        sys.exit(EXIT_INVALID)
    if not changed:
        click.echo("all data files are in canonical form")


@main.command()
@click.option("--dir", "queries_dir", type=click.Path(file_okay=False),
              help=f"folder of *.rq files [default: {DEFAULTS['QUERIES_DIR']}; env KG_QUERIES_DIR]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def queries(queries_dir, fmt):
    """List the competency questions (name, title, sources)."""
    from .queries import load_queries
    found = load_queries(settings(QUERIES_DIR=queries_dir)["QUERIES_DIR"])
    if fmt == "json":
        click.echo(json.dumps([{"name": q.name, "title": q.title, "description": q.description,
                                "sources": list(q.sources)} for q in found], indent=2))
        return
    for q in found:
        click.echo(f"{q.name}\n  {q.title}\n  sources: {', '.join(q.sources) or '-'}")
    click.echo(f"{len(found)} queries")


@main.command()
@click.option("--triples", required=True, type=click.IntRange(100, 50_000_000),
              help="about how many quads to write (10000, 100000, 1000000...)")
@click.option("--out", "out_dir", default="var/synthetic/data", show_default=True,
              type=click.Path(file_okay=False), help="folder to write synthetic.nq into")
@click.option("--seed", default=0, show_default=True, type=int, help="same seed, same data")
@click.option("--base-iri", "base_iri", help="canonical base IRI [env KG_BASE_IRI]")
def generate(triples, out_dir, seed, base_iri):
    """Write a synthetic dataset in this ontology that passes the shapes (for benchmarks).

    Serve it with: python -m server serve --data OUT (same ontology and shapes)."""
    from .generate import generate_dataset
    stats = generate_dataset(out_dir, triples, seed=seed, base=settings(BASE_IRI=base_iri)["BASE_IRI"])
    click.echo(f"wrote {stats['triples']:,} quads in {stats['articles']:,} source graphs "
               f"({stats['events']:,} events) to {stats['path']} in {stats['seconds']:.1f} s")


@main.command()
@click.option("--ontology", "ontology_dir", type=click.Path(exists=True, file_okay=False),
              help=f"folder of ontology files [default: {DEFAULTS['ONTOLOGY_DIR']}; env KG_ONTOLOGY_DIR]")
@click.option("--doc", type=click.Path(exists=True, dir_okay=False), default="docs/data-model.md",
              show_default=True, help="Markdown file with the diagram markers to rewrite")
@click.option("--check", is_flag=True, help="only say whether the diagram is current (exit 1 if not)")
def diagram(ontology_dir, doc, check):
    """Regenerate the Mermaid class diagram of the ontology in a Markdown document."""
    from pathlib import Path

    from .diagram import load_ontology, render, replace_diagram
    ontology = load_ontology(Path(settings(ONTOLOGY_DIR=ontology_dir)["ONTOLOGY_DIR"]))
    path = Path(doc)
    old = path.read_text(encoding="utf-8")
    try:
        new = replace_diagram(old, render(ontology))
    except ValueError as error:
        raise click.ClickException(f"{path}: {error}") from None
    if check:
        if new != old:
            click.echo(f"the diagram in {path} is out of date: run `python -m server diagram`", err=True)
            sys.exit(EXIT_INVALID)
        click.echo(f"the diagram in {path} is current")
        return
    if new != old:
        path.write_text(new, encoding="utf-8")
    click.echo(f"diagram {'updated' if new != old else 'already current'} in {path}")


def _sources_dir(config) -> str:
    """The sources folder for a curator's command: configured, beside the data, or refused."""
    from .curation import sources_folder
    folder = sources_folder(config)
    if folder is None:
        raise click.ClickException("no sources folder: pass --sources DIR (or KG_SOURCES_DIR), or "
                                   "create a 'sources' folder beside the data folder.")
    return folder


@main.command("new-source")
@click.argument("text_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--slug", help="the article's slug (lowercase, '-'-joined) [default: from its first line]")
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help=f"folder of data files [default: {DEFAULTS['DATA_DIR']}; env KG_DATA_DIR]")
@click.option("--sources", "sources_dir", type=click.Path(file_okay=False),
              help="folder of article texts [default: 'sources' beside the data folder; env KG_SOURCES_DIR]")
@click.option("--base-iri", "base_iri", help="canonical base IRI [env KG_BASE_IRI]")
def new_source_command(text_file, slug, data_dir, sources_dir, base_iri):
    """Start the data file of a new article: copy TEXT_FILE into the sources folder and
    write data/<slug>.ttl (graph, article, file name, SHA-256, publication-date node)."""
    from pathlib import Path

    from .scaffold import CurationError, new_source
    config = settings(DATA_DIR=data_dir, SOURCES_DIR=sources_dir, BASE_IRI=base_iri)
    folder = config.get("SOURCES_DIR") or str(Path(config["DATA_DIR"]).resolve().parent / "sources")
    try:
        made = new_source(text_file, config["DATA_DIR"], folder, config["BASE_IRI"], slug)
    except CurationError as error:
        raise click.ClickException(str(error)) from None
    from .report import relative
    click.echo(f"{'copied' if made.copied else 'already there'}: {relative(str(made.source_file))}")
    click.echo(f"wrote {relative(str(made.data_file))} (graph and source {made.slug})")
    click.echo("next: check the headline, add the publisher and credits, complete the publication "
               "date, write the facts, then\n"
               f"  python -m server format && python -m server validate --file {relative(str(made.data_file))}")


@main.command("sources")
@dataset_options
@click.option("--update", is_flag=True, help="record the SHA-256 of each article's source file in its data file")
@click.option("--check", is_flag=True, help="exit 1 if a recorded SHA-256 is missing or wrong")
@click.option("--evidence", is_flag=True,
              help="print where each evidence quote is in its article (JSON: graph, subject, file, "
                   "start, end, the quote in context)")
def sources_command(ontology_dir, data_dir, shapes_dir, sources_dir, allow_empty, base_iri, update, check,
                    evidence):
    """List the articles' source files and checksums; --update records them (idempotent)."""
    from .report import relative
    from .scaffold import record_checksums
    config = dataset_settings(ontology_dir, data_dir, shapes_dir, base_iri, allow_empty, sources_dir)
    folder = _sources_dir(config)
    if evidence:
        sys.exit(print_evidence(config, folder))
    stale = record_checksums(config["DATA_DIR"], folder, config["BASE_IRI"], check=not update)
    for c in stale:
        state = ("missing source file" if c.new is None else
                 "recorded" if update else "no checksum recorded" if c.old is None else "checksum differs")
        click.echo(f"{state}: {relative(str(c.data_file))}  {c.source_file}  {c.new or '-'}")
    missing = [c for c in stale if c.new is None]
    if not stale:
        click.echo(f"every article's SHA-256 is recorded and matches its file in {relative(folder)}")
    if missing or (stale and not update):
        if not update:
            click.echo("run `python -m server sources --update` to record the checksums", err=True)
        sys.exit(EXIT_INVALID if (check or missing) else EXIT_OK)


def print_evidence(config, folder: str) -> int:
    """``sources --evidence``: every located evidence quote as JSON; exit 1 if one is not found."""
    from pathlib import Path

    from . import startup
    from .curation import check_provenance, in_context
    try:
        loaded = startup.parse(startup.find_sources(config), config)
    except StartupError as error:
        from . import report
        click.echo(report.error_text(error), err=True, nl=False)
        return error.exit_code
    curation = check_provenance(loaded, str(config["BASE_IRI"]), folder)
    texts = {}
    rows = []
    for (graph, subject, quote), where in sorted(curation.evidence.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1].start)):
        text = texts.setdefault(where.source_file, (Path(folder) / where.source_file).read_text(encoding="utf-8"))
        before, printed, after = in_context(text, where)
        rows.append({"graph": str(graph), "subject": str(subject), "quote": str(quote),
                     "file": where.source_file, "start": where.start, "end": where.end,
                     "before": before, "printed": printed, "after": after})
    click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    missing = [f for f in curation.findings if f.check == "evidence"]
    for f in missing:
        click.echo(f"{f.where()}: {f.message}", err=True)
    return EXIT_INVALID if missing else EXIT_OK


@main.command()
@click.option("--endpoint", required=True, help="the store's SPARQL query endpoint (counts are checked there)")
@click.option("--graph-store", help="its SPARQL 1.1 Graph Store endpoint, if not the query endpoint "
                                    "(Oxigraph: <server>/store; Virtuoso: <server>/sparql-graph-crud-auth)")
@click.option("--union", type=click.Choice(["put", "store", "none"]), default="put", show_default=True,
              help="the default graph: put = write the union of the named graphs there (Oxigraph); "
                   "store = the store computes it (Fuseki unionDefaultGraph; its count is checked); "
                   "none = neither write nor check it (Virtuoso, whose default graph also holds its own graphs)")
@click.option("--user", help="user name for HTTP authentication")
@click.option("--password", envvar="KG_PUSH_PASSWORD", help="its password [env KG_PUSH_PASSWORD]")
@click.option("--auth", "auth_kind", type=click.Choice(["basic", "digest"]), default="basic", show_default=True,
              help="HTTP authentication scheme (Virtuoso's /sparql-graph-crud-auth: digest)")
@click.option("--timeout", type=click.FloatRange(0.1), default=300.0, show_default=True,
              help="seconds to wait for each request")
@click.option("--no-verify", is_flag=True, help="skip the COUNT check afterwards")
@dataset_options
def push(endpoint, graph_store, union, user, password, auth_kind, timeout, no_verify,
         ontology_dir, data_dir, shapes_dir, sources_dir, allow_empty, base_iri):
    """Load the dataset into a remote store (SPARQL 1.1 Graph Store Protocol).

    One PUT per named graph, plus the union as the default graph (--union put);
    graphs the store already holds unchanged are not sent again; then the triples of
    every graph are counted through --endpoint. Exit 0 when the store holds the
    dataset, 1 when the counts differ, 2 when the data cannot be loaded or the store
    cannot be reached or refuses."""
    import requests
    from .loader import load_dataset
    from .push import Client, CountMismatch, PushError, push as push_dataset
    config = dataset_settings(ontology_dir, data_dir, shapes_dir, base_iri, allow_empty, sources_dir)
    try:
        loaded = load_dataset(config["ONTOLOGY_DIR"], config["DATA_DIR"], config["SHAPES_DIR"], config["BASE_IRI"])
    except KGError as error:
        click.echo(f"cannot push: {error.message}" + (f" ({error.hint})" if error.hint else ""), err=True)
        sys.exit(EXIT_UNLOADABLE)
    if user and password is None:
        click.echo("cannot push: --user needs --password (or KG_PUSH_PASSWORD)", err=True)
        sys.exit(EXIT_UNLOADABLE)
    auth = None
    if user:
        auth = (requests.auth.HTTPDigestAuth(user, password) if auth_kind == "digest"
                else requests.auth.HTTPBasicAuth(user, password))
    client = Client(endpoint, graph_store, auth=auth, timeout=timeout)

    def bar(items):
        items = list(items)
        with click.progressbar(items, label="pushing", file=sys.stderr,
                               item_show_func=lambda item: item.label if item else "") as shown:
            yield from shown
    try:
        report = push_dataset(loaded.dataset, client, union=union, progress=bar, verify=not no_verify)
    except PushError as error:
        click.echo(f"push failed: {error.message}" + (f"\n  {error.hint}" if error.hint else ""), err=True)
        sys.exit(EXIT_INVALID if isinstance(error, CountMismatch) else EXIT_UNLOADABLE)
    for label in report.written:
        click.echo(f"written    {label}")
    for label in report.unchanged:
        click.echo(f"unchanged  {label}")
    if not no_verify:
        total = sum(found for _n, found in report.counts.values())
        click.echo(f"verified: {len(report.counts)} graphs hold the dataset's {total} triples (COUNT per graph)")
    click.echo(f"{len(report.written)} graphs written, {len(report.unchanged)} unchanged"
               + ("" if report.changed else ": the store already held the dataset, nothing changed"))

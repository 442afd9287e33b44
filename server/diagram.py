"""A Mermaid class diagram of the main classes and properties, generated from the ontology.

    render(ontology) -> str            the Mermaid ``classDiagram`` text (pure, deterministic)
    replace_diagram(text, diagram)     ``text`` with the block between the markers replaced (pure)
    update_doc(path, ontology=None)    rewrite that block of a Markdown file; True if it changed
    main([doc])                        ``python -m server.diagram``: update docs/data-model.md

Classes shown: the domain or range of a property, their superclasses, and the legal
event kinds (direct subclasses of cpo:LegalEvent). Datatype properties become
attributes, object properties become associations, rdfs:subClassOf becomes inheritance.
Other event kinds (subclasses of cpo:Event without properties of their own) are left
out to keep the picture readable; the doc lists them.
"""
from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

START = "<!-- diagram:start -->"
END = "<!-- diagram:end -->"
ROOT = Path(__file__).resolve().parent.parent
CPO = Namespace("https://w3id.org/cambodia-prosecutions/ontology#")


def local_name(g: Graph, iri: URIRef) -> str:
    """``cpo:Event`` -> ``Event``; other vocabularies keep their prefix (``schema_Person``)."""
    prefix, _ns, name = g.namespace_manager.compute_qname(iri)
    return name if prefix == "cpo" else f"{prefix}_{name}"


def render(g: Graph) -> str:
    """The Mermaid classDiagram for the ontology ``g``."""
    props = sorted(set(g.subjects(RDF.type, OWL.ObjectProperty)) | set(g.subjects(RDF.type, OWL.DatatypeProperty)))
    shown: set[URIRef] = set()
    attributes: dict[URIRef, list[str]] = {}
    links: list[tuple[str, str, str]] = []
    for p in props:
        domain, rng = g.value(p, RDFS.domain), g.value(p, RDFS.range)
        if not isinstance(domain, URIRef):
            continue
        if (p, RDF.type, OWL.DatatypeProperty) in g:
            shown.add(domain)
            kind = local_name(g, rng) if isinstance(rng, URIRef) else "literal"
            attributes.setdefault(domain, []).append(f"{kind} {local_name(g, p)}")
        elif isinstance(rng, URIRef):
            shown |= {domain, rng}
            links.append((local_name(g, domain), local_name(g, rng), local_name(g, p)))
    shown |= set(g.subjects(RDFS.subClassOf, CPO.LegalEvent))
    # superclasses of shown classes, within the ontology, up to the root
    for cls in sorted(shown):
        for sup in g.transitive_objects(cls, RDFS.subClassOf):
            if (sup, RDF.type, OWL.Class) in g:
                shown.add(sup)
    lines = ["classDiagram", "    direction LR"]
    for cls in sorted(shown, key=lambda c: local_name(g, c)):
        attrs = sorted(attributes.get(cls, []), key=lambda a: a.split()[-1])
        name = local_name(g, cls)
        if attrs:
            lines.append(f"    class {name} {{")
            lines += [f"        +{a}" for a in attrs]
            lines.append("    }")
        else:
            lines.append(f"    class {name}")
    for cls in sorted(shown, key=lambda c: local_name(g, c)):
        for sup in sorted(g.objects(cls, RDFS.subClassOf)):
            if sup in shown:
                lines.append(f"    {local_name(g, sup)} <|-- {local_name(g, cls)}")
    for source, target, label in sorted(set(links)):
        lines.append(f"    {source} --> {target} : {label}")
    return "\n".join(lines) + "\n"


def replace_diagram(text: str, diagram: str) -> str:
    """Replace what lies between the START and END markers with a mermaid block."""
    head, sep, rest = text.partition(START)
    _old, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"the document has no diagram markers: add a line {START!r} and a line {END!r}")
    return f"{head}{START}\n```mermaid\n{diagram}```\n{END}{tail}"


def load_ontology(folder: Path = ROOT / "ontology") -> Graph:
    """Every ``*.ttl`` file of ``folder`` in one graph."""
    ontology = Graph()
    for path in sorted(Path(folder).glob("*.ttl")):
        ontology.parse(path)
    return ontology


def update_doc(path: Path, ontology: Graph | None = None) -> bool:
    """Rewrite the diagram block of the Markdown file ``path`` (from ``ontology``, by
    default the project's ontology/ folder). Returns True if the file changed."""
    path = Path(path)
    old = path.read_text(encoding="utf-8")
    new = replace_diagram(old, render(ontology if ontology is not None else load_ontology()))
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    doc = Path(args[0]) if args else ROOT / "docs" / "data-model.md"
    changed = update_doc(doc)
    print(f"diagram {'updated' if changed else 'already current'} in {doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

// Comunica (@comunica/query-sparql) in its default settings: one engine, one source,
// each query's result printed as JSON on stdout (a list, one entry per query).
//
//   node comunica.mjs SOURCE QUERY [QUERY ...]            a URL: Comunica picks the source type
//   node comunica.mjs --sparql ENDPOINT QUERY [QUERY ...]  {type: 'sparql', value: ENDPOINT}
//
// Entries: {"bindings": [{var: term}]}, {"boolean": true|false} or {"quads": [[s, p, o, g]]};
// a term is {"termType", "value"} plus "language" and "datatype" for a literal.
import { QueryEngine } from '@comunica/query-sparql';

const args = process.argv.slice(2);
const sparql = args[0] === '--sparql';
const [source, ...queries] = sparql ? args.slice(1) : args;
if (!source || queries.length === 0) {
  console.error('usage: node comunica.mjs [--sparql] SOURCE QUERY [QUERY ...]');
  process.exit(2);
}

const term = (t) => t.termType === 'Literal'
  ? { termType: t.termType, value: t.value, language: t.language, datatype: t.datatype.value }
  : { termType: t.termType, value: t.value };

async function run(engine, query) {
  const context = { sources: [sparql ? { type: 'sparql', value: source } : source] };
  const result = await engine.query(query, context);
  const answer = await result.execute();
  if (result.resultType === 'boolean') return { boolean: answer };
  const items = await answer.toArray();
  if (result.resultType === 'quads') {
    return { quads: items.map((q) => [q.subject, q.predicate, q.object, q.graph].map(term)) };
  }
  return { bindings: items.map((b) => Object.fromEntries([...b].map(([v, t]) => [v.value, term(t)]))) };
}

const engine = new QueryEngine();
const results = [];
for (const query of queries) results.push(await run(engine, query));
process.stdout.write(JSON.stringify(results));

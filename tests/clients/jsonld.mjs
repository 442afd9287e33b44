// jsonld.js in its default settings (its node document loader fetches every URL itself):
// one operation on a URL, the answer printed as JSON on stdout.
//
//   node jsonld.mjs expand URL              jsonld.expand(URL)
//   node jsonld.mjs toRDF URL               {"nquads": jsonld.toRDF(URL, {format: 'application/n-quads'})}
//   node jsonld.mjs load URL                the default document loader's answer for URL
//   node jsonld.mjs recompact URL CONTEXT   {"compacted": jsonld.compact(URL, CONTEXT),
//                                            "nquads": toRDF of that compacted document}
import jsonld from 'jsonld';

const [op, url, context] = process.argv.slice(2);
const toNQuads = (doc) => jsonld.toRDF(doc, { format: 'application/n-quads' });

const operations = {
  expand: () => jsonld.expand(url),
  toRDF: async () => ({ nquads: await toNQuads(url) }),
  load: () => jsonld.documentLoader(url),
  recompact: async () => {
    const compacted = await jsonld.compact(url, context);
    return { compacted, nquads: await toNQuads(compacted) };
  },
};
if (!operations[op] || !url || (op === 'recompact' && !context)) {
  console.error('usage: node jsonld.mjs expand|toRDF|load URL  /  node jsonld.mjs recompact URL CONTEXT');
  process.exit(2);
}
process.stdout.write(JSON.stringify(await operations[op]()));

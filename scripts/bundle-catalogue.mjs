// Bundle the catalogue (catalogue/index.json order) and the follow-up policy into one JSON
// document for the page: node scripts/bundle-catalogue.mjs > pkg/catalogue.json
// Whitespace is dropped: the bundle is data for the WASM module, not for reading.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f) => JSON.parse(readFileSync(`${root}/${f}`, 'utf8'));
const index = read('catalogue/index.json');
const bundle = {
  format: 1,
  policy: read('policy.json'),
  files: index.files.map((f) => read(`catalogue/${f}`)),
};
process.stdout.write(JSON.stringify(bundle));

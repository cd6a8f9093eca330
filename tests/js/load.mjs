// Loads the web-target WASM package (pkg/, built by scripts/build-wasm) in Node: the very files a page loads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as paicha from '../../pkg/paicha.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
paicha.initSync({ module: readFileSync(`${root}/pkg/paicha_bg.wasm`) });
// The catalogue is data the page loads beside the module (built by scripts/build-wasm).
const loaded = paicha.loadCatalogue(readFileSync(`${root}/pkg/catalogue.json`, 'utf8'));
if (!loaded.ok) throw new Error(`catalogue did not load: ${JSON.stringify(loaded.problems)}`);
// The GB/T 2260 list, as the pages install it (www/js/divisions.js), so region codes are checked
// at county level here as natively.
paicha.installDivisions(readFileSync(`${root}/pkg/divisions.txt`, 'utf8'));

export { paicha, root };

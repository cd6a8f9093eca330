// Loads the web-target WASM package (pkg/, built by wasm-pack) in Node: the very files a page loads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as paicha from '../../pkg/paicha.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
paicha.initSync({ module: readFileSync(`${root}/pkg/paicha_bg.wasm`) });

export { paicha, root };

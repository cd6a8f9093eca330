// Loads the WASM package and the catalogue as a page does, and exposes the API to the test.
import init, * as paicha from '../../pkg/paicha.js';

try {
  await init();
  const loaded = paicha.loadCatalogue(await (await fetch('../../pkg/catalogue.json')).text());
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  window.paicha = paicha;
  window.paichaReady = true;
} catch (e) {
  window.paichaReady = String(e);
}

// Replaced when the web files are staged (scripts/stage-web.mjs) by a hash of www/ and pkg/, so that
// any change to the app, the WASM module or the catalogue installs a new service worker and cache.
export const VERSION = 'dev';

// A template as pages show it: its shared fragments (`include`, with `except`) merged in the way
// the core merges them (src/template/compile.rs merge_includes): fragment content first, in include
// order, then the template's own, then the fragments marked `at_end`; a section id is kept the
// first time it appears. Pure (no DOM, no
// WASM), so the app, the demo and the Node test that holds it to the core
// (tests/js/merge.test.mjs) share this one copy.

/** The merged template of `product` from a bundle's `files`, or null when there is none. */
export function mergeTemplate(files, product) {
  const t = files.find((f) => f.product === product);
  if (!t) return null;
  const sections = [];
  const items = [];
  const tail = [];
  const addSections = (list) => {
    for (const s of list ?? []) if (!sections.some((x) => x.id === s.id)) sections.push(s);
  };
  for (const inc of t.include ?? []) {
    const name = typeof inc === 'string' ? inc : inc.fragment;
    const except = typeof inc === 'string' ? [] : inc.except ?? [];
    const frag = files.find((f) => f.fragment === name);
    if (!frag) continue; // the core reports it when the template loads
    const part = { sections: frag.sections, items: (frag.items ?? []).filter((i) => !except.includes(i.key)) };
    if (frag.at_end) { tail.push(part); continue; }
    addSections(part.sections);
    items.push(...part.items);
  }
  addSections(t.sections);
  items.push(...(t.items ?? []));
  for (const part of tail) {
    addSections(part.sections);
    items.push(...part.items);
  }
  return { ...t, sections, items };
}

// The app's home view (mount() in app.js): the form that starts a checklist (role, enterprise,
// product, link, the other products of a visit, the register's picker), the drafts on this device
// and the outbox. `app` is the mounted app's state and views (app.js).
import { useProduct, productList, merged } from './catalogue.js';
import { getMeta, setMeta } from './db.js';
import { t, tt } from './i18n.js';
import { el } from './dom.js';
import { newDraft, saveDraft, listDrafts, deleteDraft } from './store.js';
import { guardEnterprise } from './envelope.js';
import * as inspectors from './inspectors.js';
import * as keyStart from './key-start.js';
import { startVisit } from './visit.js';

const FORM_OF = { enterprise: 'self_inspection', inspector: 'onsite_inspection' };
const ROLE_OF = { self_inspection: 'enterprise', onsite_inspection: 'inspector' };

export async function home(app, focus) {
  const { main, options, openKey } = app;
  app.closeView();
  await setMeta(openKey, null);
  const ent = (await getMeta('enterprise')) ?? { uscc: '', name: '', region: '' };
  const role = (await getMeta('role')) ?? (options.form ? ROLE_OF[options.form] : 'enterprise');
  const roleFs = el('fieldset', { className: 'choices' }, el('legend', { textContent: t('role') }),
    ...['enterprise', 'inspector'].map((r) => el('label', { className: 'choice' },
      el('input', { type: 'radio', name: 'pc-role', value: r, checked: r === role }),
      el('span', { textContent: t(r === 'enterprise' ? 'enterpriseRole' : 'inspectorRole') }))));
  const field = (id, label, value, extra = {}) => {
    const i = el('input', { id, value: value ?? '', ...extra });
    return [el('div', { className: 'field' }, el('label', { htmlFor: id, textContent: label }), i), i];
  };
  // No maxLength: a pasted code that is too long is shown as an error, not cut without a word.
  const [ul, uscc] = field('pc-uscc', t('uscc'), ent.uscc, { autocomplete: 'off', spellcheck: false });
  const [nl, name] = field('pc-name', t('entName'), ent.name, { autocomplete: 'organization' });
  const [rl, region] = field('pc-region', t('region'), ent.region, { inputMode: 'numeric' });
  const entOf = () => ({ uscc: uscc.value.trim().toUpperCase(), name: name.value.trim(), region: region.value.trim() });
  const guard = guardEnterprise({ uscc, name, region }, entOf);
  const product = el('select', { id: 'pc-product' }, ...productList().map((p) => el('option', { value: p.product, textContent: tt(p.name) || p.product })));
  product.value = options.product ?? (await getMeta('product')) ?? 'electric-bicycle';
  const link = el('select', { id: 'pc-link' }, el('option', { value: 'production', textContent: t('production') }), el('option', { value: 'sales', textContent: t('sales') }));
  link.value = options.link ?? (await getMeta('link')) ?? 'sales';
  const entFs = el('fieldset', { className: 'enterprise' }, el('legend', { textContent: t('enterprise') }), ul, nl, rl);
  // Several products in one visit (js/visit.js): the others, from the same narrowed list.
  const extraBox = el('div', { className: 'choices visit-products' });
  const extras = el('details', { className: 'visit-more' }, el('summary', { textContent: t('visitMore') }), extraBox);
  const drawExtras = () => {
    const was = new Set([...extraBox.querySelectorAll('input:checked')].map((i) => i.value));
    extraBox.replaceChildren(...[...product.options].filter((o) => o.value !== product.value).map((o) => el('label', { className: 'choice' },
      el('input', { type: 'checkbox', name: 'pc-extra', value: o.value, checked: was.has(o.value) }), el('span', { textContent: o.textContent }))));
  };
  const startForm = el('form', { className: 'card start' }, el('h2', { textContent: t('newCheck') }), roleFs,
    entFs,
    el('div', { className: 'pair' },
      el('div', { className: 'field' }, el('label', { htmlFor: 'pc-product', textContent: t('product') }), product),
      el('div', { className: 'field' }, el('label', { htmlFor: 'pc-link', textContent: t('link') }), link)),
    extras,
    el('div', { className: 'buttons' }, el('button', { type: 'submit', className: 'primary', textContent: t('start') })));
  // The register (issue 12): pick the enterprise, which fills the envelope and narrows the
  // products to what it makes or sells; one typed by hand keeps every product.
  let picked = null;
  const allProducts = [...product.options];
  const narrow = (entry) => {
    picked = entry;
    const mine = entry ? new Set(entry.products.map((p) => p.product)) : null;
    const keep = allProducts.filter((o) => !mine || mine.has(o.value));
    const was = product.value;
    product.replaceChildren(...(keep.length ? keep : allProducts));
    if ([...product.options].some((o) => o.value === was)) product.value = was;
    linkOf();
    drawExtras();
  };
  const linkOf = () => {
    const links = picked?.products.find((p) => p.product === product.value)?.links;
    if (links?.length && !links.includes(link.value)) link.value = links[0];
  };
  product.addEventListener('change', () => { linkOf(); drawExtras(); });
  drawExtras();
  uscc.addEventListener('input', () => { if (picked && uscc.value.trim().toUpperCase() !== picked.uscc) narrow(null); });
  import('./register.js').then(async (reg) => {
    entFs.insertBefore(await reg.enterprisePicker((entry) => {
      uscc.value = entry.uscc; name.value = entry.name; region.value = entry.region;
      narrow(entry);
    }), ul);
    const known = await reg.registeredEntry(ent.uscc);
    if (known) narrow(known);
  }).catch(() => { /* no register on this device: the fields are typed by hand */ });
  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = startForm.querySelector('input[name=pc-role]:checked')?.value ?? 'enterprise';
    // A record the server cannot file (mistyped USCC, unknown division) is stopped here, with the reason.
    if (!guard.ok()) return;
    const enterprise = entOf();
    await setMeta('enterprise', enterprise);
    await setMeta('role', r);
    await setMeta('product', product.value);
    await setMeta('link', link.value);
    const more = [...extraBox.querySelectorAll('input:checked')].map((i) => i.value);
    if (more.length) {
      const drafts = await startVisit([product.value, ...more], { form: options.form ?? FORM_OF[r], link: link.value, role: r, enterprise });
      await app.openDraft(drafts[0].id);
      return;
    }
    const hash = await useProduct(product.value);
    const tpl = merged(product.value);
    const d = newDraft({ product: product.value, form: options.form ?? FORM_OF[r], link: link.value, role: r, enterprise, catalogue: hash, templateVersion: tpl?.version });
    await inspectors.prefill(d, (await getMeta('auth'))?.account);
    await keyStart.apply(d, { getMeta, setMeta });
    await saveDraft(d);
    await app.openDraft(d.id);
  });

  const drafts = await listDrafts();
  const draftList = el('section', { className: 'card drafts', aria: { labelledby: 'pc-drafts' } }, el('h2', { id: 'pc-drafts', textContent: `${t('drafts')} (${drafts.length})` }));
  if (!drafts.length) draftList.append(el('p', { className: 'muted', textContent: t('noDrafts') }));
  const ul2 = el('ul', { className: 'records' });
  for (const d of drafts) {
    const o = el('button', { type: 'button', textContent: t('open') });
    o.addEventListener('click', () => app.openDraft(d.id));
    const x = el('button', { type: 'button', className: 'secondary', textContent: t('delete') });
    x.addEventListener('click', async () => {
      if (x.dataset.confirm) { await deleteDraft(d.id); home(app); } else { x.dataset.confirm = '1'; x.textContent = t('confirmDelete'); }
    });
    ul2.append(el('li', { data: { id: d.id } }, el('span', { textContent: `${app.productName(d.product)} · ${d.enterprise?.name || d.enterprise?.uscc || ''} · ${app.when(d.updatedAt)}` }), el('span', { className: 'buttons' }, o, x)));
  }
  draftList.append(ul2);
  const box = el('section', { className: 'card outbox', aria: { labelledby: 'pc-outbox' } });
  main.replaceChildren(startForm, draftList, box);
  await app.outboxView(box);
  if (focus === 'outbox') { const h = box.querySelector('h2'); h.tabIndex = -1; h.focus(); }
}

// Who inspected (issue 13, item 7): the on-site checklist's first inspector is the signed-in
// account, pre-filled when the draft is made; the second is typed once and then picked. The
// certificate numbers are the inspectors' own, not the server's (accounts carry no certificate),
// so the device remembers them per account: the first inspector's name and number as sent in the
// account's last on-site record (the account's name is a first guess only: a demo or shared
// account may carry the bureau's name), and the colleagues they inspected with, latest first. The items themselves are catalogue data
// (catalogue/common/onsite.json); this module only fills and suggests.
import { getMeta, setMeta } from './db.js';

const K = {
  name1: 'onsite.inspector1_name',
  cert1: 'onsite.inspector1_certificate',
  name2: 'onsite.inspector2_name',
  cert2: 'onsite.inspector2_certificate',
};
const MAX_COLLEAGUES = 20;
const metaKey = (username) => `inspectors:${username}`;

/** What this device remembers for `username`: its certificate and its colleagues. */
async function known(username) {
  const v = await getMeta(metaKey(username));
  return { name: v?.name ?? '', certificate: v?.certificate ?? '', colleagues: Array.isArray(v?.colleagues) ? v.colleagues : [] };
}

/** Fill the first inspector (and the last colleague) of a new on-site draft; answers already set are kept. */
export async function prefill(draft, account) {
  if (draft.form !== 'onsite_inspection' || !account?.username) return draft;
  const k = await known(account.username);
  const a = draft.answers ?? (draft.answers = {});
  const name = k.name || (account.name ?? '').trim() || account.username;
  if (!a[K.name1]) a[K.name1] = name;
  if (!a[K.cert1] && k.certificate) a[K.cert1] = k.certificate;
  return draft;
}

/** Remember the certificate and the colleague of a record the account submits. */
export async function remember(submission, account) {
  if (submission.form !== 'onsite_inspection' || !account?.username) return;
  const a = submission.answers ?? {};
  const k = await known(account.username);
  const str = (v, or) => (typeof v === 'string' && v.trim() ? v.trim() : or);
  const colleagues = k.colleagues.slice();
  if (typeof a[K.name2] === 'string' && typeof a[K.cert2] === 'string') {
    const c = { name: a[K.name2], certificate: a[K.cert2] };
    const i = colleagues.findIndex((x) => x.name === c.name && x.certificate === c.certificate);
    if (i >= 0) colleagues.splice(i, 1);
    colleagues.unshift(c);
  }
  await setMeta(metaKey(account.username), { name: str(a[K.name1], k.name), certificate: str(a[K.cert1], k.certificate), colleagues: colleagues.slice(0, MAX_COLLEAGUES) });
}

/** Suggestions per item key for the checklist's text inputs ({value, label}), for a datalist. */
export async function suggestions(account) {
  if (!account?.username) return {};
  const { colleagues } = await known(account.username);
  return {
    [K.name2]: colleagues.map((c) => ({ value: c.name, label: c.certificate })),
    [K.cert2]: colleagues.map((c) => ({ value: c.certificate, label: c.name })),
  };
}

// Evidence: photos compressed in the browser (bounded pixels and bytes), signatures drawn on a
// canvas, the GPS position with a plain fallback when it is refused. Files are referenced from the
// answer as {sha256, name, type, size}; their bytes travel to the draft's save as "new blobs" so the
// record and its files are written in one transaction.
import { t, tt, getLang } from './i18n.js';
import { el } from './dom.js';
import { sha256Hex } from './sha256.js';

const MAX_SIDE = 1600;
const MAX_BYTES = 400 * 1024;

const toBlob = (canvas, type, q) => new Promise((ok) => canvas.toBlob(ok, type, q));

/** A photo as JPEG, at most MAX_SIDE px on its longer side and about MAX_BYTES. */
export async function compress(file) {
  let bmp;
  try { bmp = await createImageBitmap(file); } catch { return null; }
  let scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  for (let q = 0.82; ; q -= 0.12) {
    const c = document.createElement('canvas');
    c.width = Math.max(1, Math.round(bmp.width * scale));
    c.height = Math.max(1, Math.round(bmp.height * scale));
    c.getContext('2d').drawImage(bmp, 0, 0, c.width, c.height);
    const b = await toBlob(c, 'image/jpeg', Math.max(0.3, q));
    if (b.size <= MAX_BYTES || (q < 0.35 && scale < 0.3)) { bmp.close?.(); return b; }
    if (q < 0.35) { q = 0.94; scale *= 0.7; }
  }
}

async function toRef(blob, name) {
  const sha256 = await sha256Hex(blob);
  return { ref: { sha256, name, type: blob.type, size: blob.size }, blob };
}

export function photoInput(item, value, set, ctx) {
  let refs = Array.isArray(value) ? [...value] : value ? [value] : [];
  const max = item.max_count ?? 1;
  const list = el('ul', { className: 'photos' });
  const file = el('input', { type: 'file', accept: 'image/*', multiple: max > 1, attrs: { capture: 'environment' }, className: 'sr-only' });
  const pick = el('label', { className: 'button secondary' }, file, el('span', { textContent: t('photo') }));
  // A file the browser cannot decode (a camera's HEIC on a browser without it, a broken file) is
  // not added: said so, rather than the pick seeming to do nothing.
  const unreadable = el('p', { className: 'note', textContent: t('photoUnreadable'), attrs: { role: 'status' } });
  unreadable.hidden = true;
  const draw = () => {
    list.replaceChildren(...refs.map((r, i) => {
      const img = el('img', { alt: r.name ?? '', width: 96, height: 96 });
      ctx.blobUrl(r.sha256).then((u) => { if (u) img.src = u; });
      const rm = el('button', { type: 'button', className: 'secondary', textContent: t('removePhoto'), aria: { label: `${t('removePhoto')} ${r.name ?? i + 1}` } });
      rm.addEventListener('click', () => { refs.splice(i, 1); set(refs.length ? [...refs] : null); draw(); });
      return el('li', {}, img, rm);
    }));
    pick.hidden = refs.length >= max;
  };
  file.addEventListener('change', async () => {
    const added = [];
    let failed = 0;
    for (const f of [...file.files].slice(0, max - refs.length)) {
      const small = await compress(f);
      if (!small) { failed += 1; continue; }
      added.push(await toRef(small, f.name.replace(/\.[^.]*$/, '') + '.jpg'));
    }
    file.value = '';
    unreadable.hidden = failed === 0;
    if (!added.length) return;
    for (const a of added) ctx.remember(a.ref.sha256, a.blob);
    refs = refs.concat(added.map((a) => a.ref)).filter((r, i, a) => a.findIndex((x) => x.sha256 === r.sha256) === i);
    set([...refs], added);
    draw();
  });
  draw();
  return el('div', { className: 'photo' }, pick, unreadable, list);
}

export function signaturePad(item, value, set, ctx) {
  const canvas = el('canvas', { width: 600, height: 200, className: 'signature', aria: { label: `${tt(item.label)}: ${t('signHere')}` }, attrs: { role: 'img' } });
  const g = canvas.getContext('2d');
  const img = el('img', { alt: tt(item.label), className: 'signature-image' });
  let ref = value && value.sha256 ? value : null;
  let drawing = false;
  let dirty = false;
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true; dirty = true; canvas.setPointerCapture(e.pointerId);
    g.lineWidth = 3; g.lineCap = 'round'; g.strokeStyle = '#111';
    g.beginPath(); g.moveTo(...pos(e));
  });
  canvas.addEventListener('pointermove', (e) => { if (drawing) { g.lineTo(...pos(e)); g.stroke(); } });
  const end = () => { drawing = false; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  const save = el('button', { type: 'button', textContent: t('sign') });
  const clear = el('button', { type: 'button', className: 'secondary', textContent: t('clear') });
  // Without a pointer (keyboard, switch access): the name typed is written into the box instead.
  const typedId = `sig-${item.key}-${Math.random().toString(36).slice(2, 8)}`;
  const typed = el('input', { type: 'text', id: typedId, autocomplete: 'name' });
  const typedBox = el('div', { className: 'typed-signature' }, el('label', { htmlFor: typedId, textContent: t('signTyped') }), typed);
  const show = () => {
    canvas.hidden = !!ref; save.hidden = !!ref; img.hidden = !ref; typedBox.hidden = !!ref;
    if (ref) ctx.blobUrl(ref.sha256).then((u) => { if (u) img.src = u; });
  };
  save.addEventListener('click', async () => {
    if (!dirty && typed.value.trim()) {
      g.clearRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = '#111';
      g.font = '56px "Kaiti SC", KaiTi, STKaiti, serif';
      g.fillText(typed.value.trim(), 24, 130, canvas.width - 48);
      dirty = true;
    }
    if (!dirty) return;
    const blob = await toBlob(canvas, 'image/png');
    const a = await toRef(blob, 'signature.png');
    ctx.remember(a.ref.sha256, a.blob);
    ref = a.ref;
    set(ref, [a]);
    show();
  });
  clear.addEventListener('click', () => {
    g.clearRect(0, 0, canvas.width, canvas.height); dirty = false; typed.value = '';
    if (ref) { ref = null; set(null); }
    show();
  });
  show();
  return el('div', { className: 'signature-box' }, canvas, img, typedBox, el('div', { className: 'buttons' }, save, clear));
}

export function geoInput(item, value, set) {
  const v = value && typeof value === 'object' ? value : {};
  const lat = el('input', { type: 'text', inputMode: 'decimal', value: v.lat ?? '', id: `g${Math.random().toString(36).slice(2)}` });
  const lon = el('input', { type: 'text', inputMode: 'decimal', value: v.lon ?? '', id: `g${Math.random().toString(36).slice(2)}` });
  const note = el('p', { className: 'geo-note', aria: { live: 'polite' } });
  let accuracy = v.accuracy;
  const commit = () => {
    if (lat.value.trim() === '' && lon.value.trim() === '') { set(null); return; }
    const p = { lat: Number(lat.value), lon: Number(lon.value) };
    if (accuracy !== undefined) p.accuracy = accuracy;
    set(p);
  };
  lat.addEventListener('input', () => { accuracy = undefined; commit(); });
  lon.addEventListener('input', () => { accuracy = undefined; commit(); });
  const locate = el('button', { type: 'button', className: 'secondary', textContent: t('locate') });
  locate.addEventListener('click', () => {
    if (!navigator.geolocation) { note.textContent = t('geoRefused'); return; }
    note.textContent = t('locating');
    navigator.geolocation.getCurrentPosition((p) => {
      lat.value = p.coords.latitude.toFixed(6);
      lon.value = p.coords.longitude.toFixed(6);
      accuracy = Math.round(p.coords.accuracy);
      note.textContent = `± ${accuracy} m · ${new Date(p.timestamp).toLocaleString(getLang() === 'en' ? 'en-GB' : 'zh-CN')}`;
      commit();
    }, () => { note.textContent = t('geoRefused'); lat.focus(); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  return el('div', { className: 'geo' }, locate,
    el('div', { className: 'latlon' },
      el('label', { htmlFor: lat.id, textContent: t('lat') }), lat,
      el('label', { htmlFor: lon.id, textContent: t('lon') }), lon),
    note);
}

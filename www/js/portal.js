// The demo portal: logs the element's DOM events and the iframe's messages, and sizes the iframe.
const log = document.getElementById('log');
const frame = document.getElementById('frame');
const add = (how, type, detail) => {
  const li = document.createElement('li');
  li.dataset.how = how;
  li.dataset.type = type;
  li.textContent = `${how} ${type} ${JSON.stringify(detail ?? {})}`;
  log.append(li);
};
// The iframe is told which origin to post to; it posts only if that origin is allowed.
frame.src = `${frame.getAttribute('src')}&parent=${encodeURIComponent(location.origin)}`;
for (const type of ['saved', 'submitted', 'synced', 'error']) {
  document.getElementById('el').addEventListener(`paicha-${type}`, (e) => add('element', type, e.detail));
}
window.addEventListener('message', (e) => {
  if (e.origin !== location.origin || e.source !== frame.contentWindow || e.data?.source !== 'paicha') return;
  if (e.data.type === 'height') { frame.style.height = `${e.data.detail.height}px`; frame.dataset.height = e.data.detail.height; return; }
  add('iframe', e.data.type, e.data.detail);
});

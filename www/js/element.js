// <paicha-checklist product="electric-bicycle" form="self_inspection" link="sales"
//                   endpoint="https://..." token="..." lang="en">
// The whole app inside a shadow root, for any portal page. Events (bubbling, composed):
// paicha-saved, paicha-submitted, paicha-synced, paicha-error, each with a `detail`.
import { mount } from './app.js';

const css = new URL('../app.css', import.meta.url).href;

class PaichaChecklist extends HTMLElement {
  async connectedCallback() {
    if (this.shadowRoot) return;
    const shadow = this.attachShadow({ mode: 'open' });
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = css;
    const root = document.createElement('div');
    root.className = 'host-root';
    shadow.append(link, root);
    const a = (n) => this.getAttribute(n) ?? undefined;
    try {
      this.app = await mount(root, {
        embedded: true, slot: 'element',
        endpoint: a('endpoint'), product: a('product'), form: a('form'), link: a('link'), token: a('token'), lang: a('lang'),
        emit: (type, detail) => this.dispatchEvent(new CustomEvent(`paicha-${type}`, { detail, bubbles: true, composed: true })),
      });
      this.setAttribute('data-ready', '1');
    } catch (e) {
      root.textContent = `paicha: ${e.message}`;
      this.dispatchEvent(new CustomEvent('paicha-error', { detail: { code: 'start_failed', message: String(e.message) }, bubbles: true, composed: true }));
    }
  }
}

if (!customElements.get('paicha-checklist')) customElements.define('paicha-checklist', PaichaChecklist);

// Roofline Lab embeds: <roofline-lab kind="kv-cache" model="llama-2-70b"></roofline-lab>
//
// Load this file with a plain <script src> from the Roofline Lab site you want to embed from
// (a classic script, so no CORS headers are needed on that site). Each element
// becomes an iframe of /embed/<kind>?<its other attributes>, resized to its content through
// postMessage. Attribute values only ever travel as URL parameters (encoded by URLSearchParams);
// the calculator treats them as text or numbers, never as HTML.
(() => {
const ORIGIN = new URL(document.currentScript ? document.currentScript.src : location.href).origin;
const SKIP = new Set(['kind', 'id', 'class', 'style', 'title', 'width', 'height']);

class RooflineLab extends HTMLElement {
  connectedCallback() {
    if (this.frame) return;
    const kind = this.getAttribute('kind') || 'roofline';
    const params = new URLSearchParams();
    for (const a of this.attributes) {
      if (!SKIP.has(a.name) && !a.name.startsWith('data-') && !a.name.startsWith('aria-')) {
        params.set(a.name, a.value);
      }
    }
    const url = new URL('/embed/' + encodeURIComponent(kind), ORIGIN);
    url.search = params.toString();
    const frame = document.createElement('iframe');
    frame.src = url.href;
    frame.title = this.getAttribute('title') || 'Roofline Lab calculator: ' + kind;
    frame.style.cssText = 'display:block;width:100%;border:0;height:' +
      (this.getAttribute('height') || '480') + 'px';
    this.frame = frame;
    this.onMessage = (event) => {
      const d = event.data;
      if (event.source === frame.contentWindow && event.origin === ORIGIN && d &&
          d.type === 'roofline-lab:height' && Number.isFinite(d.height)) {
        frame.style.height = Math.ceil(d.height) + 'px';
      }
    };
    window.addEventListener('message', this.onMessage);
    this.appendChild(frame);
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
    this.frame?.remove();
    this.frame = null;
  }
}

if (!customElements.get('roofline-lab')) customElements.define('roofline-lab', RooflineLab);
})();

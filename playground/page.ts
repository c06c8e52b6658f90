import type { ModelCard } from '../training/model-card.js';

/**
 * The playground page: a form built from the model's feature schema that runs
 * the served ONNX file in the browser with onnxruntime-web, and the same row
 * through the server's /predict, side by side. Rendered with the card inline,
 * so the page works against any of the server's protocols.
 */
export function playgroundPage(opts: { name: string; version: string | null; card: ModelCard; basePath: string }): string {
  const { card, basePath } = opts;
  const fields = card.features
    .map((f) => {
      const id = `f-${f.name}`;
      if (f.kind === 'numeric') {
        const lo = f.range.min ?? 0;
        const hi = f.range.max ?? lo;
        const value = Number(((lo + hi) / 2).toPrecision(6));
        return `<label for="${attr(id)}">${text(f.name)} <small>numeric, ${text(String(lo))} … ${text(String(hi))}</small></label>
<input id="${attr(id)}" name="${attr(f.name)}" data-kind="numeric" type="number" step="any" value="${value}">`;
      }
      const options = f.categories.map((c) => `<option value="${attr(c)}">${text(c)}</option>`).join('');
      return `<label for="${attr(id)}">${text(f.name)} <small>categorical</small></label>
<select id="${attr(id)}" name="${attr(f.name)}" data-kind="categorical">${options}<option value="">(missing)</option></select>`;
    })
    .join('\n');
  const config = JSON.stringify({ features: card.features.map((f) => ({ name: f.name, kind: f.kind })), classes: card.classes, task: card.task, basePath });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${text(opts.name)} — driftloop playground</title>
<style>
body{font:15px system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
form{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1rem;align-items:center}
input,select{font:inherit;padding:.2rem}
.results{display:grid;grid-template-columns:1fr 1fr;gap:1rem;margin-top:1.5rem}
.results section{border:1px solid #ccc;border-radius:6px;padding:.75rem}
pre{white-space:pre-wrap;margin:0}
button{margin-top:1rem;font:inherit;padding:.4rem 1.2rem}
</style></head>
<body>
<h1>${text(opts.name)} <small>${opts.version === null ? '' : `version ${text(opts.version)}`}</small></h1>
<p>The model runs twice: here in your browser (onnxruntime-web, the same ONNX file the server uses) and on the server.</p>
<form id="row">${fields}</form>
<button id="predict" type="button" disabled>Predict</button>
<div class="results">
<section><h2>In the browser</h2><pre id="browser-result">loading model…</pre></section>
<section><h2>On the server</h2><pre id="server-result"></pre></section>
</div>
<script type="module">
const config = ${config.replace(/</g, '\\u003c')};
const ort = await import(config.basePath + '/ort/ort.wasm.min.mjs');
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = config.basePath + '/ort/';
const browserOut = document.getElementById('browser-result');
const serverOut = document.getElementById('server-result');
const button = document.getElementById('predict');
try {
  const bytes = new Uint8Array(await (await fetch(config.basePath + '/model.onnx')).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes);
  browserOut.textContent = 'ready';
  button.disabled = false;
  button.addEventListener('click', async () => {
    const record = {};
    const feeds = {};
    for (const f of config.features) {
      const el = document.querySelector('[name="' + CSS.escape(f.name) + '"]');
      if (f.kind === 'numeric') {
        const v = el.value === '' ? NaN : Number(el.value);
        record[f.name] = Number.isNaN(v) ? null : v;
        feeds[f.name] = new ort.Tensor('float32', Float32Array.from([v]), [1, 1]);
      } else {
        record[f.name] = el.value === '' ? null : el.value;
        feeds[f.name] = new ort.Tensor('string', [el.value], [1, 1]);
      }
    }
    const out = await session.run(feeds);
    let result;
    if (config.task === 'regression') {
      result = { prediction: Number(out.variable.data[0]) };
    } else {
      result = { prediction: String(out.label.data[0]), probabilities: Array.from(out.probabilities.data, Number) };
    }
    browserOut.dataset.result = JSON.stringify(result);
    browserOut.textContent = JSON.stringify(result, null, 1);
    const response = await fetch('/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([record]) });
    const body = await response.json();
    serverOut.dataset.result = JSON.stringify(body);
    serverOut.textContent = JSON.stringify(body, null, 1);
  });
} catch (err) {
  browserOut.textContent = 'error: ' + err.message;
  browserOut.dataset.error = err.message;
}
</script>
</body></html>`;
}

function text(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;');
}

// The viewer's page logic: picks or receives a dropped file, hands it to the worker, and draws
// the summary, the attribute table, a gene's histogram and the embedding scatter.
// Test hooks: #summary gets data-shape="ROWS,COLS" and data-info (the `loom info --json`
// text, with the layers' stored_bytes and dead_bytes null: they need every chunk's entry)
// once a file is open; the #sizes-go button measures those two and puts them in the
// summary's data-sizes; #error carries a one-line message when something fails.

const worker = new Worker('worker.js', { type: 'module' });
const pending = new Map();
let nextId = 1;
worker.onmessage = (ev) => {
  const { id, result, error } = ev.data;
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  if (error !== undefined) p.reject(new Error(error)); else p.resolve(result);
};
worker.onerror = (ev) => showError(`worker failed: ${ev.message || 'unknown error'}`);
function call(cmd, args = {}) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, args });
  });
}

const $ = (id) => document.getElementById(id);
let state = null;

function showError(msg) {
  $('error').textContent = String(msg).split('\n')[0];
  $('status').textContent = '';
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

async function openFile(file) {
  $('error').textContent = '';
  const summary = $('summary');
  summary.hidden = true;
  summary.removeAttribute('data-shape');
  summary.removeAttribute('data-info');
  $('panels').hidden = true;
  $('status').textContent = `opening ${file.name}…`;
  const t0 = performance.now();
  let r;
  try {
    r = await call('open', { file });
  } catch (e) {
    showError(`${file.name}: ${e.message}`);
    return;
  }
  const ms = performance.now() - t0;
  const info = JSON.parse(r.info);
  state = { file, info, rowAttrs: r.rowAttrs, colNames: r.colNames, colAttrs: null };
  renderSummary(file, info, r.info);
  $('status').textContent = `opened in ${ms.toFixed(0)} ms, ${(r.bytesRead / 1e6).toFixed(2)} MB read in ${r.calls} reads`;
  summary.dataset.openMs = ms.toFixed(1);
  summary.dataset.bytesRead = String(r.bytesRead);
  $('panels').hidden = false;
  $('attr-axis').value = 'row';
  renderAttrTable();
  fillGeneNames();
  await setupEmbedding();
}

function renderSummary(file, info, infoText) {
  const s = $('summary');
  const [n, m] = info.shape;
  const list = (xs, f) => xs.length ? xs.map(f).join(', ') : '—';
  s.innerHTML = `<table>
    <tr><th>file</th><td>${esc(file.name)} (${(file.size / 1e6).toFixed(2)} MB)</td></tr>
    <tr><th>spec</th><td>${esc(info.spec_version ?? '(none)')}</td></tr>
    <tr><th>shape</th><td>${n} rows × ${m} columns</td></tr>
    <tr><th>layers</th><td>${list(info.layers, (l) => `${esc(l.name || '(main)')} ${esc(l.dtype)} ${esc(l.compression ?? '')}`)}</td></tr>
    <tr><th>row attributes</th><td>${list(info.row_attrs, (a) => `${esc(a.name)} <small>${esc(a.dtype)}</small>`)}</td></tr>
    <tr><th>column attributes</th><td>${list(info.col_attrs, (a) => `${esc(a.name)} <small>${esc(a.dtype)}</small>`)}</td></tr>
    <tr><th>row graphs</th><td>${list(info.row_graphs, (g) => `${esc(g.name)} (${g.edges} edges)`)}</td></tr>
    <tr><th>column graphs</th><td>${list(info.col_graphs, (g) => `${esc(g.name)} (${g.edges} edges)`)}</td></tr>
    <tr><th>storage</th><td id="sizes">${(file.size / 1e6).toFixed(2)} MB in the file <button id="sizes-go" title="reads every chunk index of the file">measure per layer</button></td></tr>
  </table>`;
  $('sizes-go').onclick = showSizes;
  s.dataset.shape = `${n},${m}`;
  s.dataset.info = infoText;
  s.hidden = false;
}

async function showSizes() {
  const s = $('summary');
  $('sizes-go').disabled = true;
  try {
    const r = await call('sizes');
    const sizes = JSON.parse(r);
    const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
    const parts = Object.entries(sizes.layers).map(([k, v]) => `${esc(k || '(main)')} ${mb(v)}`);
    if (sizes.dead_bytes !== null) parts.push(`${mb(sizes.dead_bytes)} unused`);
    $('sizes').textContent = parts.join(', ');
    s.dataset.sizes = r;
  } catch (e) {
    showError(e.message);
  }
}

function cell(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(cell).join(', ');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  return String(v);
}

async function renderAttrTable() {
  if (!state) return;
  const axis = $('attr-axis').value;
  let attrs = axis === 'row' ? state.rowAttrs : state.colAttrs;
  if (!attrs) {
    try {
      attrs = state.colAttrs = await call('attributes', { axis: 'col' });
    } catch (e) { showError(e.message); return; }
  }
  const names = Object.keys(attrs).filter((k) => Array.isArray(attrs[k]));
  const n = axis === 'row' ? state.info.shape[0] : state.info.shape[1];
  const q = $('attr-search').value.trim().toLowerCase();
  const rows = [];
  for (let i = 0; i < n && rows.length < 500; i++) {
    const cells = names.map((k) => cell(attrs[k][i]));
    if (q && !cells.some((c) => c.toLowerCase().includes(q))) continue;
    rows.push(`<tr><td>${i}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
  }
  $('attr-table').innerHTML = `<tr><th>#</th>${names.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>${rows.join('')}`;
  $('attr-count').textContent = `${rows.length}${rows.length === 500 ? '+' : ''} of ${n}`;
}

function geneNames() {
  for (const k of ['Gene', 'gene', 'var_names', 'Accession']) {
    const v = state.rowAttrs[k];
    if (Array.isArray(v) && typeof v[0] === 'string') return v;
  }
  return null;
}

function fillGeneNames() {
  const names = geneNames() || [];
  $('gene-names').innerHTML = names.slice(0, 2000).map((g) => `<option value="${esc(g)}">`).join('');
  $('gene').value = names.length ? names[0] : '0';
  showGene();
}

async function showGene() {
  const name = $('gene').value.trim();
  if (!name || !state) return;
  try {
    const r = await call('gene', { name });
    state.gene = { name, values: r.values };
    $('gene-status').textContent = `${r.values.length} values in ${r.ms.toFixed(0)} ms`;
    drawHistogram(r.values);
    if ($('color-by').value === '__gene') drawScatter();
  } catch (e) {
    showError(e.message);
  }
}

function drawHistogram(values) {
  const c = $('hist');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return;
  let lo = Infinity, hi = -Infinity;
  for (const v of finite) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const bins = 40;
  const counts = new Array(bins).fill(0);
  const w = hi > lo ? (hi - lo) / bins : 1;
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  const max = Math.max(...counts);
  const pad = 24, bw = (c.width - 2 * pad) / bins, h = c.height - 2 * pad;
  g.fillStyle = '#4a7';
  counts.forEach((k, i) => {
    const bh = max ? (k / max) * h : 0;
    g.fillRect(pad + i * bw, pad + h - bh, Math.max(1, bw - 1), bh);
  });
  g.fillStyle = '#222';
  g.font = '11px sans-serif';
  g.fillText(String(+lo.toPrecision(4)), pad, c.height - 6);
  g.fillText(String(+hi.toPrecision(4)), c.width - pad - 40, c.height - 6);
  g.fillText(`max bin ${max}`, pad, 14);
}

async function setupEmbedding() {
  $('embed-panel').hidden = true;
  let e;
  try {
    e = await call('embedding', { colNames: state.colNames });
  } catch (err) { showError(err.message); return; }
  state.embedding = e;
  if (!e) return;
  $('embed-panel').hidden = false;
  $('embed-name').textContent = `(${e.name})`;
  const sel = $('color-by');
  const opts = ['<option value="__gene">the gene above</option>'];
  for (const n of state.colNames) opts.push(`<option value="${esc(n)}">${esc(n)}</option>`);
  sel.innerHTML = opts.join('');
  drawScatter();
}

function palette(t) {
  // viridis-like ramp from t in [0, 1]
  const r = Math.round(255 * Math.min(1, Math.max(0, 1.6 * t - 0.3)));
  const g = Math.round(255 * Math.min(1, 0.1 + 0.8 * t));
  const b = Math.round(255 * Math.min(1, Math.max(0, 0.6 - 0.5 * t)));
  return [r, g, b];
}

async function colours(n) {
  const by = $('color-by').value;
  let v = null;
  if (by === '__gene') v = state.gene ? state.gene.values : null;
  else {
    try { v = await call('colAttr', { name: by }); } catch (e) { showError(e.message); }
  }
  if (!Array.isArray(v) || v.length !== n) return null;
  if (typeof v[0] === 'number') {
    let lo = Infinity, hi = -Infinity;
    for (const x of v) if (Number.isFinite(x)) { if (x < lo) lo = x; if (x > hi) hi = x; }
    return v.map((x) => palette(Number.isFinite(x) && hi > lo ? (x - lo) / (hi - lo) : 0));
  }
  const cats = new Map();
  return v.map((x) => {
    const k = String(x);
    if (!cats.has(k)) cats.set(k, cats.size);
    const h = (cats.get(k) * 137.508) % 360;
    const c = hsl(h / 360, 0.6, 0.5);
    return c;
  });
}

function hsl(h, s, l) {
  const f = (n) => { const k = (n + h * 12) % 12; const a = s * Math.min(l, 1 - l); return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)))); };
  return [f(0), f(8), f(4)];
}

async function drawScatter() {
  const e = state && state.embedding;
  if (!e) return;
  const c = $('scatter');
  const g = c.getContext('2d');
  const n = e.x.length;
  const col = await colours(n);
  const t0 = performance.now();
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = e.x[i], y = e.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const img = g.createImageData(c.width, c.height);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) { d[i] = d[i + 1] = d[i + 2] = 255; d[i + 3] = 255; }
  const pad = 10, sx = (c.width - 2 * pad) / ((x1 - x0) || 1), sy = (c.height - 2 * pad) / ((y1 - y0) || 1);
  for (let i = 0; i < n; i++) {
    const x = e.x[i], y = e.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const px = Math.round(pad + (x - x0) * sx), py = Math.round(c.height - pad - (y - y0) * sy);
    const [r, gg, b] = col ? col[i] : [60, 90, 160];
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const X = px + dx, Y = py + dy;
      if (X < 0 || Y < 0 || X >= c.width || Y >= c.height) continue;
      const o = (Y * c.width + X) * 4;
      d[o] = r; d[o + 1] = gg; d[o + 2] = b;
    }
  }
  g.putImageData(img, 0, 0);
  // Test hooks: points drawn, and the time to draw them (colours already at hand).
  c.dataset.points = String(n);
  c.dataset.drawMs = (performance.now() - t0).toFixed(1);
  c.dataset.colouredBy = $('color-by').value === '__gene' ? `gene ${state.gene ? state.gene.name : ''}` : $('color-by').value;
}

$('file').addEventListener('change', (ev) => { const f = ev.target.files[0]; if (f) openFile(f); });
$('attr-axis').addEventListener('change', renderAttrTable);
$('attr-search').addEventListener('input', renderAttrTable);
$('gene-go').addEventListener('click', showGene);
$('gene').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') showGene(); });
$('color-by').addEventListener('change', drawScatter);
document.addEventListener('dragover', (ev) => { ev.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (ev) => {
  ev.preventDefault();
  document.body.classList.remove('dragging');
  const f = ev.dataTransfer && ev.dataTransfer.files[0];
  if (f) openFile(f);
});

// The viewer's worker: owns the wasm engine and the File; every read is a synchronous
// File.slice() + FileReaderSync, so only the bytes a request needs are read.
import init, { Loom } from './pkg/loomfile_wasm.js';

const ready = init();
let loom = null;

function open(file) {
  const reader = new FileReaderSync();
  const read = (offset, length) =>
    new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + length)));
  if (loom) { loom.free(); loom = null; }
  loom = Loom.open(file.size, read);
  const info = loom.info();
  const rowAttrs = JSON.parse(loom.attributes('row'));
  const colNames = JSON.parse(info).col_attrs.map((a) => a.name);
  return { info, shape: Array.from(loom.shape()), rowAttrs, colNames, bytesRead: loom.bytes_read(), calls: loom.read_calls() };
}

function embedding(colNames) {
  const has = (n) => colNames.includes(n);
  if (has('_X') && has('_Y')) return { name: '_X/_Y', x: Array.from(loom.attribute_numbers('col', '_X')), y: Array.from(loom.attribute_numbers('col', '_Y')) };
  for (const n of ['X_umap', 'Embedding', 'tSNE', 'TSNE', 'X_tsne', 'UMAP', 'umap']) {
    if (!has(n)) continue;
    const v = JSON.parse(loom.attribute('col', n));
    if (Array.isArray(v) && Array.isArray(v[0])) return { name: n, x: v.map((p) => p[0]), y: v.map((p) => p[1]) };
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length >= 2) return { name: n, x: v[keys[0]], y: v[keys[1]] };
    }
  }
  return null;
}

self.onmessage = async (ev) => {
  const { id, cmd, args } = ev.data;
  try {
    await ready;
    let result;
    switch (cmd) {
      case 'open': result = open(args.file); break;
      case 'embedding': result = embedding(args.colNames); break;
      case 'gene': {
        const t = performance.now();
        const v = loom.gene(args.name);
        result = { values: Array.from(v), ms: performance.now() - t, bytesRead: loom.bytes_read() };
        break;
      }
      case 'sizes': result = loom.sizes(); break;
      case 'colAttr': result = JSON.parse(loom.attribute('col', args.name)); break;
      case 'attributes': result = JSON.parse(loom.attributes(args.axis)); break;
      default: throw new Error(`unknown command ${cmd}`);
    }
    self.postMessage({ id, result });
  } catch (e) {
    const msg = (e && e.message) ? e.message : String(e);
    self.postMessage({ id, error: msg.split('\n')[0] });
  }
};

"""Browser tests of the viewer (`cargo xtask web --test`): serve target/web with
`python -m http.server` on a free port, open every fixture loom file (fixtures/loom and the
.loom files of fixtures/writers and fixtures/real-world) through the page's file input in headless Chromium (Debian's
/usr/bin/chromium driven by /usr/bin/chromedriver), and check that #summary's data-info equals
`loom info --json` (the layers' stored_bytes and dead_bytes left null: they need every chunk's
entry, so the page measures them on demand) and data-shape its shape, then that the #sizes-go
button puts loom's stored_bytes and dead_bytes in data-sizes; a file that is not a loom file
must set #error. Then what a user does on an open file: search the attribute table, show a
gene's histogram, and drop a second file on the page. Last, with --big, a large generated
file (crates/loom/examples/big_loom.rs): it must open reading under 5 MB, show its summary in
under 1 s and one gene's vector in under 200 ms. Screenshots go to the --shots directory."""

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(web):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(web)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("http.server did not start")


def driver(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1500",
    ]:
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def loom_info(loom, path):
    r = subprocess.run([loom, "info", "--json", str(path)], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), None


def summary_of(info):
    """`loom info --json` as the page shows it on opening: no per-layer sizes, no dead bytes."""
    s = json.loads(json.dumps(info))
    for layer in s["layers"]:
        layer["stored_bytes"] = None
    s["dead_bytes"] = None
    return s


def sizes_in_page(d):
    """Click #sizes-go and return the data-sizes object."""
    d.find_element(By.ID, "sizes-go").click()
    WebDriverWait(d, 60).until(
        lambda drv: drv.find_element(By.ID, "summary").get_attribute("data-sizes") is not None
        or drv.find_element(By.ID, "error").text
    )
    got = d.find_element(By.ID, "summary").get_attribute("data-sizes")
    return json.loads(got) if got else {"error": d.find_element(By.ID, "error").text}


def big_file(d, url, path, shots):
    """The large generated file: bytes read to open it, time to the summary, one gene."""
    size = path.stat().st_size
    t = time.time()
    info, shape, err = open_in_page(d, url, path, timeout=120)
    if info is None:
        return [f"{path.name}: did not open: {err}"]
    ms, nread = open_stats(d)
    problems = []
    got = json.loads(info)
    print(f"     {path.name}: {size / 1e9:.2f} GB, shape {shape}, summary in {float(ms):.0f} ms "
          f"(page {1000 * (time.time() - t):.0f} ms), {int(nread) / 1e6:.2f} MB read")
    if int(nread) >= 5_000_000:
        problems.append(f"{path.name}: {int(nread)} bytes read to open (limit 5 MB)")
    if float(ms) >= 1000:
        problems.append(f"{path.name}: summary after {float(ms):.0f} ms (limit 1 s)")
    if "X_umap" not in {c["name"] for c in got["col_attrs"]}:
        problems.append(f"{path.name}: no X_umap among {got['col_attrs']}")
    gene = d.find_element(By.ID, "gene")
    gene.clear()
    gene.send_keys("Gene00042")
    d.find_element(By.ID, "gene-go").click()
    n_cols = got["shape"][1]
    WebDriverWait(d, 60).until(
        lambda drv: drv.find_element(By.ID, "gene-status").text.startswith(f"{n_cols} values")
        or drv.find_element(By.ID, "error").text
    )
    status = d.find_element(By.ID, "gene-status").text
    print(f"     {path.name}: gene Gene00042: {status}")
    try:
        gene_ms = float(status.split(" in ")[1].split(" ms")[0])
    except (IndexError, ValueError):
        return problems + [f"{path.name}: gene: {status!r} {d.find_element(By.ID, 'error').text!r}"]
    if gene_ms >= 200:
        problems.append(f"{path.name}: one gene in {gene_ms} ms (limit 200 ms)")
    # The UMAP scatter, redrawn coloured by that gene: every cell a point, drawn smoothly.
    WebDriverWait(d, 60).until(
        lambda drv: drv.find_element(By.ID, "scatter").get_attribute("data-coloured-by") == "gene Gene00042"
        and drv.find_element(By.ID, "scatter").get_attribute("data-points") == str(n_cols)
    )
    draw_ms = float(d.find_element(By.ID, "scatter").get_attribute("data-draw-ms"))
    print(f"     {path.name}: scatter of {n_cols} cells coloured by the gene drawn in {draw_ms:.0f} ms")
    if draw_ms >= 250:
        problems.append(f"{path.name}: scatter of {n_cols} points took {draw_ms} ms")
    time.sleep(0.5)
    d.save_screenshot(str(shots / f"{path.stem}.png"))
    return problems


def open_in_page(d, url, path, timeout=60):
    d.get(url)
    d.find_element(By.ID, "file").send_keys(str(path))

    def done(drv):
        s = drv.find_element(By.ID, "summary")
        e = drv.find_element(By.ID, "error").text
        return s.get_attribute("data-info") is not None or bool(e)

    WebDriverWait(d, timeout).until(done)
    s = d.find_element(By.ID, "summary")
    return s.get_attribute("data-info"), s.get_attribute("data-shape"), d.find_element(By.ID, "error").text


def open_stats(d):
    s = d.find_element(By.ID, "summary")
    return s.get_attribute("data-open-ms"), s.get_attribute("data-bytes-read")


def attr_rows(d):
    """The attribute table's data rows, as lists of cell texts (the header row left out)."""
    rows = d.find_elements(By.CSS_SELECTOR, "#attr-table tr")[1:]
    return [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]


def interactions(d, url, loom, first, second):
    """Search, histogram and drag-and-drop on real files; returns the problems found."""
    problems = []
    want, _ = loom_info(loom, first)
    info, _, err = open_in_page(d, url, first)
    if info is None:
        return [f"{first.name}: did not open: {err}"]
    # Search: the table keeps only the rows holding the text (here the fourth gene's name).
    WebDriverWait(d, 30).until(lambda drv: len(attr_rows(drv)) > 0)
    rows = attr_rows(d)
    n_rows = want["shape"][0]
    if len(rows) != min(n_rows, 500):
        problems.append(f"attribute table: {len(rows)} rows before searching, want {min(n_rows, 500)}")
    needle = rows[3][1]
    box = d.find_element(By.ID, "attr-search")
    box.clear()
    box.send_keys(needle)
    WebDriverWait(d, 30).until(lambda drv: len(attr_rows(drv)) < len(rows))
    hits = attr_rows(d)
    if not hits or any(not any(needle.lower() in c.lower() for c in r[1:]) for r in hits):
        problems.append(f"search {needle!r}: rows without it: {hits[:3]}")
    if "3" not in [r[0] for r in hits]:
        problems.append(f"search {needle!r}: row 3 missing from {[r[0] for r in hits][:10]}")
    count = d.find_element(By.ID, "attr-count").text
    if not count.startswith(f"{len(hits)} of {n_rows}"):
        problems.append(f"search: count {count!r} for {len(hits)} rows")
    box.clear()
    # Histogram: a gene chosen by name fills the canvas and reports one value per column.
    gene = d.find_element(By.ID, "gene")
    gene.clear()
    gene.send_keys(needle)
    d.execute_script("document.getElementById('gene-status').textContent = '';")
    d.find_element(By.ID, "gene-go").click()
    n_cols = want["shape"][1]
    WebDriverWait(d, 30).until(
        lambda drv: drv.find_element(By.ID, "gene-status").text.startswith(f"{n_cols} values")
    )
    inked = d.execute_script(
        "const c = document.getElementById('hist');"
        "const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) n++; return n;"
    )
    if not inked:
        problems.append("histogram: nothing drawn")
    d.save_screenshot(str(Path(d.shots) / f"{first.stem}-search-gene.png"))
    # Drag and drop: a second file dropped anywhere on the page replaces the first.
    d.execute_script(
        "const i = document.createElement('input'); i.type = 'file'; i.id = 'drop-source';"
        "i.style.display = 'none'; document.body.append(i);"
    )
    d.find_element(By.ID, "drop-source").send_keys(str(second))
    d.execute_script(
        "const dt = new DataTransfer(); dt.items.add(document.getElementById('drop-source').files[0]);"
        "document.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));"
    )
    want2, _ = loom_info(loom, second)
    WebDriverWait(d, 60).until(
        lambda drv: drv.find_element(By.ID, "summary").get_attribute("data-info") not in (None, info)
    )
    got2 = json.loads(d.find_element(By.ID, "summary").get_attribute("data-info"))
    if got2 != summary_of(want2):
        problems.append(f"dropped {second.name}: page shows {got2}, loom info {want2}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--web", required=True)
    ap.add_argument("--loom", required=True)
    ap.add_argument("--shots", required=True)
    ap.add_argument("--big", help="a large generated loom file (crates/loom/examples/big_loom.rs)")
    a = ap.parse_args()
    shots = Path(a.shots)
    shots.mkdir(parents=True, exist_ok=True)
    files = sorted((ROOT / "fixtures/loom").glob("*.loom"))
    files += sorted((ROOT / "fixtures/writers").glob("*.loom"))
    # Loom files other tools wrote (LoomExperiment 2018-2023, SCopeLoomR, loompy, kb_python).
    files += sorted((ROOT / "fixtures/real-world").rglob("*.loom"))
    # Not loom files: the page must say so in #error, as `loom info` does.
    not_loom = sorted((ROOT / "fixtures/writers").glob("*.h5ad"))[:1]
    proc, port = serve(a.web)
    url = f"http://127.0.0.1:{port}/index.html"
    failures = []
    with tempfile.TemporaryDirectory(prefix="loom-web-chromium-") as profile:
        d = driver(profile)
        d.shots = shots
        try:
            for f in files + not_loom:
                t = time.time()
                want, werr = loom_info(a.loom, f)
                info, shape, err = open_in_page(d, url, f)
                took = time.time() - t
                name = f.name
                if want is None:
                    ok = bool(err) and info is None
                    msg = f"error shown: {err!r} (loom: {werr!r})"
                elif info is None:
                    ok, msg = False, f"page error: {err!r}"
                else:
                    got = json.loads(info)
                    want_shape = f"{want['shape'][0]},{want['shape'][1]}"
                    ok = got == summary_of(want) and shape == want_shape
                    emb = {"_X", "Embedding", "X_umap", "tSNE", "TSNE"} & {c["name"] for c in want["col_attrs"]}
                    if emb:
                        # The scatter must be drawn for files with an embedding.
                        WebDriverWait(d, 30).until(
                            lambda drv: drv.find_element(By.ID, "embed-panel").get_attribute("hidden") is None
                        )
                    ms, nread = open_stats(d)
                    msg = (f"shape {shape}, opened in {ms} ms reading {nread} bytes" + (f", embedding {sorted(emb)} drawn" if emb else "")) if ok else f"differs from loom info --json:\n  page {info}\n  loom {json.dumps(want)}"
                    if ok:
                        sizes = sizes_in_page(d)
                        want_sizes = {"layers": {l["name"]: l["stored_bytes"] for l in want["layers"]}, "dead_bytes": want["dead_bytes"]}
                        if sizes != want_sizes:
                            ok, msg = False, f"sizes: page {sizes}, loom {want_sizes}"
                if want is not None and info is not None:
                    time.sleep(0.5)  # let the histogram and scatter draw
                d.save_screenshot(str(shots / f"{f.stem}.png"))
                print(f"{'ok  ' if ok else 'FAIL'} {name} ({took:.2f}s) {msg}")
                if not ok:
                    failures.append(name)
            first, second = ROOT / "fixtures/loom/medium.loom", ROOT / "fixtures/loom/large_values.loom"
            problems = interactions(d, url, a.loom, first, second)
            for p in problems:
                print(f"FAIL interaction: {p}")
            print(f"{'ok  ' if not problems else 'FAIL'} search, histogram and drop ({first.name}, {second.name})")
            if problems:
                failures.append("interactions")
            if a.big:
                problems = big_file(d, url, Path(a.big).resolve(), shots)
                for p in problems:
                    print(f"FAIL {p}")
                print(f"{'ok  ' if not problems else 'FAIL'} {Path(a.big).name}: large file read lazily")
                if problems:
                    failures.append(Path(a.big).name)
        finally:
            d.quit()
            proc.kill()
    print(f"web: {len(files) + len(not_loom) - len(failures)} of {len(files) + len(not_loom)} files ok; screenshots in {shots}")
    if failures:
        raise SystemExit(f"web: failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()

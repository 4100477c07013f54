#!/usr/bin/env bash
# Seed fuzz/corpus/<target>/ for every fuzz target from the committed fixtures
# (fixtures/hdf5, fixtures/loom, fixtures/10x, fixtures/h5ad, the real-world writers'
# files in fixtures/writers, the public real-world files in fixtures/real-world, and the
# hostile-shape files in fixtures/hostile) and, when present, the shared CVE reproducers and
# public loom files ($LOOMFILE_SHARED/corpus/{hdf5-cve,loom-public}, default ../shared).
# Structure and message targets get the structures cut out of those files (see
# examples/seed_corpora.rs). The corpora are not committed (.gitignore); committed crash
# inputs live in fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
files=(fixtures/hdf5/*.h5 fixtures/loom/*.loom fixtures/10x/*.h5 fixtures/h5ad/*.h5ad
       fixtures/writers/*.h5 fixtures/writers/*.h5ad fixtures/writers/*.loom
       fixtures/hostile/*.loom fixtures/hostile/*.h5 fixtures/hostile/*.h5ad)
# fixtures/real-world keeps each project's files in a folder of its own.
while IFS= read -r f; do files+=("$f"); done \
    < <(find fixtures/real-world -type f \( -name '*.loom' -o -name '*.h5' -o -name '*.h5ad' -o -name '*.h5mu' \) | sort)
shared="${LOOMFILE_SHARED:-../shared}"
if [ -d "$shared/corpus/hdf5-cve" ]; then
    files+=("$shared"/corpus/hdf5-cve/*)
fi
for d in "$shared/corpus/loom-public"; do
    [ -d "$d" ] || continue
    while IFS= read -r f; do files+=("$f"); done \
        < <(find "$d" -type f \( -name '*.loom' -o -name '*.h5' -o -name '*.h5ad' -o -name '*.h5mu' \) | sort)
done
# Committed regression inputs are seeds of their own target too.
for dir in fuzz/regressions/*/; do
    [ -d "$dir" ] || continue
    target=$(basename "$dir")
    mkdir -p "fuzz/corpus/$target"
    cp -n "$dir"* "fuzz/corpus/$target/" 2>/dev/null || true
done
cargo run --quiet --manifest-path fuzz/Cargo.toml --example seed_corpora -- fuzz/corpus "${files[@]}"

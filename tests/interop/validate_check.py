#!/usr/bin/env python3
"""`loom validate` against loompy 3.0.8's LoomValidator, case by case.

Usage: validate_check.py LOOM_BIN OUTDIR      (exit 1 if any case disagrees with its table row)

Each case is a small file built here (loompy.create, then h5py surgery) plus the fixtures and
the public corpus. For every case the table below states what LoomValidator answers and what
`loom validate --json` must answer (valid or not, and a text our errors must contain). Where
the two answers differ, the row's note says why loompy is wrong (loom-spec.md sections 3.12 and
3.15); everywhere else they must agree. "speconly" rows run `LoomValidator().validate(path)`
against `loom validate`; "conventions" rows run `validate(path, strictness="conventions")`
against `loom validate --strict`.
"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
VLEN = h5py.string_dtype("utf-8")
N, M = 20, 30


def base(path, conventions=False, **extra_ca):
    """A good spec 3.0.0 file written by loompy.create."""
    import loompy
    rng = np.random.default_rng(1)
    main = rng.integers(0, 5, size=(N, M)).astype(np.float32)
    ra = {"Gene": np.array([f"g{i}" for i in range(N)]),
          "Accession": np.array([f"ENSG{i:05d}" for i in range(N)])}
    ca = {"CellID": np.array([f"c{i}" for i in range(M)])}
    fa = {}
    if conventions:
        ca["ClusterID"] = (np.arange(M) % 3).astype(np.int64)
        ca["ClusterName"] = np.array([["T", "B", "NK"][i % 3] for i in range(M)])
        ca["Valid"] = np.ones(M, dtype=np.int64)
        ca["Outliers"] = np.zeros(M, dtype=np.int64)
        fa = {k: "x" for k in ("Description", "Journal", "Authors", "Title")}
        fa["Year"] = 2024
    ca.update(extra_ca)
    loompy.create(path, main, ra, ca, file_attrs=fa)


def edit(path, fn):
    with h5py.File(path, "r+") as f:
        fn(f)


def graph(f, where, a, b, w):
    g = f.require_group(where)
    g["a"], g["b"], g["w"] = a, b, w


CASES = []   # (name, build(path), mode, loompy_valid, ours_valid, ours_must_contain, note)


def case(name, mode, loompy_valid, ours_valid, contains=None, note=""):
    def register(fn):
        CASES.append((name, fn, mode, loompy_valid, ours_valid, contains, note))
        return fn
    return register


# ---- cases where loompy is right: both must agree --------------------------------------------

@case("good_v3", "speconly", True, True)
def _(p):
    base(p)


@case("layer_wrong_shape", "speconly", False, False, "/layers/bad")
def _(p):
    base(p)
    edit(p, lambda f: f["layers"].create_dataset("bad", data=np.zeros((N, M + 1), "f4")))


@case("layer_bool_dtype", "speconly", False, False, "/layers/b")
def _(p):
    base(p)
    edit(p, lambda f: f["layers"].create_dataset("b", data=np.zeros((N, M), bool)))


@case("matrix_string_dtype", "speconly", False, False, "/matrix")
def _(p):
    base(p)

    def fn(f):
        del f["matrix"]
        f.create_dataset("matrix", data=np.array([[b"x"] * M] * N))
    edit(p, fn)


@case("row_attr_wrong_length", "speconly", False, False, "/row_attrs/Short")
def _(p):
    base(p)
    edit(p, lambda f: f["row_attrs"].create_dataset("Short", data=np.arange(N - 1)))


@case("col_attr_wrong_length", "speconly", False, False, "/col_attrs/Long")
def _(p):
    base(p)
    edit(p, lambda f: f["col_attrs"].create_dataset("Long", data=np.arange(M + 2.0)))


@case("graph_float_vertices_strict", "conventions", "raises", False, "/col_graphs/G/a",
      "both reject; loompy's conventions mode opens the file with connect(validate=True), which "
      "raises on the dtype")
def _(p):
    base(p, conventions=True)
    edit(p, lambda f: graph(f, "col_graphs/G", np.array([0., 1.]), np.array([1., 2.]), np.ones(2)))


@case("graph_fractional_vertices", "speconly", False, False, "/col_graphs/G/a")
def _(p):
    base(p)
    edit(p, lambda f: graph(f, "col_graphs/G", np.array([0.5, 1.]), np.array([1., 2.]), np.ones(2)))


@case("graph_int_weights", "speconly", False, False, "/row_graphs/G/w")
def _(p):
    base(p)
    edit(p, lambda f: graph(f, "row_graphs/G", np.array([0, 1]), np.array([1, 2]), np.array([1, 2])))


@case("graph_unequal_lengths", "speconly", False, False, "/col_graphs/G")
def _(p):
    base(p)
    edit(p, lambda f: graph(f, "col_graphs/G", np.array([0, 1, 2]), np.array([1, 2]), np.ones(3)))


@case("missing_row_attrs_group", "speconly", False, False, "/row_attrs")
def _(p):
    base(p)
    edit(p, lambda f: f.__delitem__("row_attrs"))


@case("empty_new_file_without_matrix", "speconly", False, False, "/matrix")
def _(p):
    with h5py.File(p, "w") as f:
        for g in ("attrs", "layers", "row_attrs", "col_attrs", "row_graphs", "col_graphs"):
            f.create_group(g)
        f["attrs"].create_dataset("LOOM_SPEC_VERSION", data="3.0.0", dtype=VLEN)


@case("legacy_without_graph_groups", "speconly", True, True)
def _(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("matrix", data=np.ones((N, M), "f4"))
        f.create_group("row_attrs")["Gene"] = np.array([b"g%d" % i for i in range(N)])
        f.create_group("col_attrs")["CellID"] = np.array([b"c%d" % i for i in range(M)])


@case("version_as_one_element_array", "speconly", True, True)
def _(p):
    base(p)

    def fn(f):
        del f["attrs/LOOM_SPEC_VERSION"]
        f["attrs"].create_dataset("LOOM_SPEC_VERSION", data=["3.0.0"], dtype=VLEN)
    edit(p, fn)


@case("conventions_clusterid_not_from_zero", "conventions", False, False, "/col_attrs/ClusterID")
def _(p):
    base(p, conventions=True, ClusterID=(np.arange(M) % 3 + 1).astype(np.int64))


@case("conventions_duplicate_cellid", "conventions", False, False, "/col_attrs/CellID")
def _(p):
    base(p, conventions=True, CellID=np.array([f"c{i % 10}" for i in range(M)]))


@case("conventions_missing_gene", "conventions", False, False, "/row_attrs/Gene")
def _(p):
    base(p, conventions=True)
    edit(p, lambda f: f["row_attrs"].__delitem__("Gene"))


@case("conventions_float_clusterid", "conventions", False, False, "/col_attrs/ClusterID")
def _(p):
    base(p, conventions=True, ClusterID=(np.arange(M) % 3).astype(np.float32))


# ---- cases where loompy is wrong: the answers differ, for the reason in the note -------------

@case("graph_float_vertices", "speconly", False, True, None,
      "LoomExperiment writes float64 a/b; whole numbers index vertices exactly, so the file reads "
      "right everywhere: a warning naming the writer (an error with --strict, as loompy has it)")
def _(p):
    base(p)
    edit(p, lambda f: graph(f, "col_graphs/G", np.array([0., 1.]), np.array([1., 2.]), np.ones(2)))


@case("loomexperiment_granges_group", "speconly", "raises", True, None,
      "LoomExperiment 1.x keeps GRanges/reducedDims as groups inside row_attrs/col_attrs; loompy "
      "reads .shape of the group and crashes; readers skip such members (a warning)")
def _(p):
    base(p)
    def add(f):
        g = f["row_attrs"].create_group("GRanges")
        g["seqnames"] = np.array([b"chr1"] * N)
        g["start"] = np.arange(N)
    edit(p, add)

@case("graph_vertex_out_of_range", "speconly", True, False, "/col_graphs/G/b",
      "loompy never checks vertex indices against the matrix; a vertex >= M is no vertex")
def _(p):
    base(p)
    edit(p, lambda f: graph(f, "col_graphs/G", np.array([0, 1], "i4"), np.array([1, M], "i4"),
                            np.ones(2)))


@case("graph_negative_vertex", "speconly", True, False, "/row_graphs/G/a",
      "loompy never checks vertex indices; -1 is no vertex")
def _(p):
    base(p)
    edit(p, lambda f: graph(f, "row_graphs/G", np.array([-1, 1], "i4"), np.array([1, 2], "i4"),
                            np.ones(2)))


@case("graph_missing_w", "speconly", "raises", False, "/col_graphs/G: 'w'",
      "loompy reads w.dtype after recording the missing w, and crashes with KeyError")
def _(p):
    base(p)

    def fn(f):
        g = f.create_group("col_graphs/G")
        g["a"], g["b"] = np.array([0, 1]), np.array([1, 2])
    edit(p, fn)


@case("v3_missing_graph_groups", "speconly", True, False, "/row_graphs",
      "the spec requires /row_graphs and /col_graphs; loompy's check sits inside `if 'row_graphs' "
      "in file`, so it can never fire")
def _(p):
    base(p)

    def fn(f):
        del f["row_graphs"]
        del f["col_graphs"]
    edit(p, fn)


@case("v3_missing_attrs_group", "speconly", "raises", False, "/attrs",
      "loompy records 'Global attributes missing' then iterates file['attrs'] and crashes")
def _(p):
    base(p)

    def fn(f):
        del f["attrs"]
        f.attrs["LOOM_SPEC_VERSION"] = "3.0.0"
    edit(p, fn)


@case("missing_matrix_with_layers", "speconly", "raises", False, "/matrix",
      "loompy records 'Main matrix missing' then compares layer shapes with an unbound `shape`")
def _(p):
    base(p)

    def fn(f):
        f["layers"].create_dataset("x", data=np.zeros((N, M), "f4"))
        del f["matrix"]
    edit(p, fn)


@case("v2_with_vlen_strings", "speconly", False, True, None,
      "loom-spec.md 3.15 #20: the legacy branch rejects vlen strings ('dtype object is not "
      "allowed'), yet every reader (loompy included) reads them")
def _(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("matrix", data=np.ones((N, M), "f4"))
        for g in ("layers", "row_graphs", "col_graphs"):
            f.create_group(g)
        f.create_group("row_attrs").create_dataset("Gene", data=[f"g{i}" for i in range(N)], dtype=VLEN)
        f.create_group("col_attrs").create_dataset("CellID", data=[f"c{i}" for i in range(M)], dtype=VLEN)
        f.attrs["LOOM_SPEC_VERSION"] = np.bytes_(b"2.0.1")


@case("v3_with_fixed_strings", "speconly", False, True, None,
      "v3 with |S strings (rhdf5/loomR style): loompy wants exactly object dtype in 3.0.0")
def _(p):
    base(p)
    edit(p, lambda f: f["col_attrs"].create_dataset("Fixed", data=np.array([b"x"] * M)))


@case("version_3_0_1", "speconly", False, True, None,
      "loompy compares the version string exactly: '3.0.1' gets the legacy |S rule and its vlen "
      "strings are rejected")
def _(p):
    base(p)

    def fn(f):
        del f["attrs/LOOM_SPEC_VERSION"]
        f["attrs"].create_dataset("LOOM_SPEC_VERSION", data="3.0.1", dtype=VLEN)
    edit(p, fn)


@case("compound_col_attr", "speconly", False, True, None,
      "SCope-style compound Embedding: readable by every reader; valid for us, an error only "
      "with --strict (see compound_col_attr_strict)")
def _(p):
    base(p)
    emb = np.zeros(M, dtype=[("_X", "<f8"), ("_Y", "<f8")])
    edit(p, lambda f: f["col_attrs"].create_dataset("Embedding", data=emb))


@case("compound_col_attr_strict", "conventions", "raises", False, "/col_attrs/Embedding",
      "both reject, but loompy's conventions mode opens the file with connect(validate=True), "
      "which raises on the dtype; --strict reports it (the spec allows numbers or strings)")
def _(p):
    base(p, conventions=True)
    emb = np.zeros(M, dtype=[("_X", "<f8"), ("_Y", "<f8")])
    edit(p, lambda f: f["col_attrs"].create_dataset("Embedding", data=emb))


@case("bool_enum_col_attr", "speconly", False, True, None,
      "h5py writes numpy bool as an HDF5 enum; loompy rejects the dtype, every reader reads it")
def _(p):
    base(p)
    edit(p, lambda f: f["col_attrs"].create_dataset("Flag", data=np.arange(M) % 2 == 0))


@case("conventions_correct_file", "conventions", False, True, None,
      "loompy's ClusterID check compares the number of distinct labels with the maximum "
      "(off by one): a correct 0..k-1 labelling always fails")
def _(p):
    base(p, conventions=True)


@case("conventions_clusterid_with_gap", "conventions", True, False, "/col_attrs/ClusterID",
      "labels {0,1,3}: 3 distinct == max 3, so loompy's off-by-one check passes a labelling "
      "with cluster 2 missing")
def _(p):
    base(p, conventions=True, ClusterID=np.array([[0, 1, 3][i % 3] for i in range(M)]),
         ClusterName=np.array([["T", "B", "NK"][i % 3] for i in range(M)]))


@case("conventions_row_valid", "conventions", False, True, None,
      "a row attribute Valid of N uint8 0/1 (loompy's own bool storage): loompy wants int64 and "
      "compares its length with the number of *cells*")
def _(p):
    base(p, conventions=True)
    edit(p, lambda f: f["row_attrs"].create_dataset("Valid", data=np.ones(N, np.uint8)))


# Texts loompy's own errors must contain, to show which of its checks misfires.
LOOMPY_CONTAINS = {
    "conventions_row_valid": "Row attribute 'Valid' must be 1-dimensional array of 30",
    "conventions_correct_file": "Column attribute 'ClusterID' must be integers 0, 1, 2",
    "v2_with_vlen_strings": "dtype object is not allowed",
    "version_3_0_1": "dtype object is not allowed",
    "graph_missing_w": "KeyError",
}


# ---------------------------------------------------------------------------------------------

def loompy_verdict(path, mode):
    import loompy
    lv = loompy.LoomValidator()
    try:
        ok = lv.validate(path, strictness=mode)
        return ok, [e for e in lv.errors if not e.startswith("For help")]
    except Exception as e:                                   # loompy crashes on some files
        return "raises", [f"{type(e).__name__}: {e}"]


def ours_verdict(loom, path, strict):
    args = [loom, "validate", "--json", path] + (["--strict"] if strict else [])
    r = subprocess.run(args, capture_output=True, text=True)
    j = json.loads(r.stdout)
    if (r.returncode == 0) != j["valid"]:
        raise AssertionError(f"{path}: exit {r.returncode} but valid={j['valid']}")
    for e in j["errors"]:
        if not e.startswith("/"):
            raise AssertionError(f"{path}: error does not start with an object path: {e}")
    return j


def main():
    loom, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    failures = 0
    rows = []
    for name, build, mode, lp_expect, ours_expect, contains, note in CASES:
        path = os.path.join(outdir, name + ".loom")
        if os.path.exists(path):
            os.remove(path)
        build(path)
        lp, lp_errs = loompy_verdict(path, mode)
        ours = ours_verdict(loom, path, strict=(mode == "conventions"))
        problems = []
        if lp != lp_expect:
            problems.append(f"loompy answered {lp} (expected {lp_expect}): {lp_errs}")
        if ours["valid"] != ours_expect:
            problems.append(f"loom validate answered {ours['valid']} (expected {ours_expect}): "
                            f"{ours['errors']}")
        if contains and not any(contains in e for e in ours["errors"]):
            problems.append(f"no error of ours mentions {contains!r}: {ours['errors']}")
        lc = LOOMPY_CONTAINS.get(name)
        if lc and not any(lc in e for e in lp_errs):
            problems.append(f"loompy's errors do not mention {lc!r}: {lp_errs}")
        agree = (lp is True) == ours["valid"] and lp != "raises"
        if not agree and not note:
            problems.append("answers differ but the table gives no reason")
        status = "FAIL" if problems else "ok  "
        rows.append(f"{status} {name:40s} {mode:11s} loompy={str(lp):6s} ours={str(ours['valid']):5s}"
                    + ("" if agree else f"  [differs: {note}]"))
        for p in problems:
            rows.append(f"     {p}")
        failures += bool(problems)

    # The fixtures and the public corpus: verdicts as documented in fixtures/README.md and
    # loom-spec.md section 6 (only loompy's own test.loom passes LoomValidator).
    corpus = {
        os.path.join(ROOT, "fixtures/loom/minimal_v3.loom"): (True, True),
        os.path.join(ROOT, "fixtures/loom/rich_v3.loom"): (True, True),
        os.path.join(ROOT, "fixtures/loom/medium.loom"): (True, True),
        os.path.join(ROOT, "fixtures/loom/spec2.loom"): (True, True),
        os.path.join(ROOT, "fixtures/loom/legacy_edges.loom"): (True, True),
        os.path.join(ROOT, "fixtures/loom/scope_like.loom"): (False, True),   # compound/enum/|S
    }
    shared = os.environ.get("LOOMFILE_SHARED", os.path.join(ROOT, "..", "shared"))
    pub = os.path.join(shared, "corpus", "loom-public")
    corpus[os.path.join(pub, "loompy-test.loom")] = (True, True)
    # loompy rejects SCopeLoomR's compound attributes and (as a legacy file) its vlen strings;
    # both are readable everywhere, so the file is valid for us (with --strict it is not).
    corpus[os.path.join(pub, "scopeloomr-example.loom")] = (False, True)
    # float64 graph vertices a/b: the spec says int, loompy rejects; whole numbers read right,
    # so for us a warning naming LoomExperiment.
    corpus[os.path.join(pub, "loomexperiment-L1_DRG_20_example.loom")] = (False, True)
    for path, (lp_expect, ours_expect) in corpus.items():
        lp, lp_errs = loompy_verdict(path, "speconly")
        ours = ours_verdict(loom, path, strict=False)
        ok = lp == lp_expect and ours["valid"] == ours_expect
        rows.append(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(path):40s} speconly    "
                    f"loompy={str(lp):6s} ours={str(ours['valid']):5s}")
        if not ok:
            rows.append(f"     loompy {lp_errs}; ours {ours['errors']}")
            failures += 1
    print("\n".join(rows))
    print(f"{len(CASES) + len(corpus) - failures}/{len(CASES) + len(corpus)} cases as expected")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

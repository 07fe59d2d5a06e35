#!/usr/bin/env python3
"""classify_rates.py CLASSIFY_FILE [--n N] [--check] [--keep DIR]

Measures the logger's weights-content detector (logger/content.c, with the
worker's sampling, logger/worker/sniff.c, run by the classify_file program
built by `make -C bench classify_file`) on generated corpora, and prints the
table of docs/CLAIMS.md ("How weights are recognised"): per corpus, how many
files were called weights and how many possible weights.

Negatives (must not be flagged): token shards (uint16 / uint32 ids, uniform,
Zipf-distributed, llm.c's header + uint16 layout, NumPy .npy), text (English,
Cyrillic, CJK, source code), gzip / zstd / xz compressed text, gzip'd
uint16 tokens, an np.savez_compressed int64 array, a zip of JSONL text
(the last three decoded by the content test), random bytes, int16 audio, uint8 images, the system's own shared libraries and .pyc files,
and the end-to-end tests' shards (tests/e2e/make_shards.py). Positives: raw
float32 / bfloat16 / float16 tensors drawn from normal (std 0.02 and 1),
Kaiming-uniform, trained-like (heavy-tailed, mixed scales, LayerNorm gains
and zero biases) laws, with and without llm.c's int32 header, float .npy,
gzip'd raw float32 and an np.savez_compressed float32 array under a member
name that does not end in .npy.

With --check, exits 1 when any negative is flagged (weights or possible) or
any positive is missed (neither), so the test suite can hold the rates.
"""
import argparse
import glob
import gzip
import io
import lzma
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

LLMC_MAGIC_TOKENS = 20240520
LLMC_MAGIC_MODEL = 20240326


def sizes(rng, n):
    """File sizes between 64 KiB and 4 MiB, log-uniform."""
    return [int(2 ** rng.uniform(16, 22)) for _ in range(n)]


def zipf_ids(rng, n, vocab, permute=None):
    ids = rng.zipf(1.1, size=n * 2)
    ids = ids[ids <= vocab][:n] - 1
    while ids.size < n:
        ids = np.concatenate([ids, zipf_ids(rng, n - ids.size, vocab)])
    if permute is not None:
        ids = permute[ids]
    return ids


def words(rng, alphabet, n_bytes):
    """Word-like runs of letters from alphabet, with spaces and full stops."""
    lens = rng.integers(1, 10, size=n_bytes // 2 + 1)
    letters = rng.choice(alphabet, size=int(lens.sum()))
    out, pos = [], 0
    for k in lens:
        out.append("".join(letters[pos:pos + k]))
        pos += k
    text = " ".join(out).replace("  ", ". ")
    return text.encode()


_BASES = {}


def base_text(kind, rng):
    if kind not in _BASES:
        if kind == "english":
            b = b""
            for f in sorted(glob.glob("/usr/share/common-licenses/*")):
                if os.path.isfile(f):
                    with open(f, "rb") as fh:
                        b += fh.read()
            _BASES[kind] = b or words(rng, list("etaoinshrdlucmfwyp"), 1 << 20)
        elif kind == "source":
            b = bytearray()
            for f in sorted(glob.glob("/usr/lib/python3*/**/*.py", recursive=True))[:4000]:
                with open(f, "rb") as fh:
                    b += fh.read()
                if len(b) > (8 << 20):
                    break
            _BASES[kind] = bytes(b)
        elif kind == "cyrillic":
            _BASES[kind] = words(rng, [chr(c) for c in range(0x430, 0x450)], 1 << 21)
        elif kind == "cjk":
            _BASES[kind] = words(rng, [chr(c) for c in range(0x4e00, 0x4e00 + 3000)], 1 << 20)
    return _BASES[kind]


def text(rng, kind, n_bytes):
    base = base_text(kind, rng)
    start = int(rng.integers(0, len(base)))
    reps = n_bytes // len(base) + 2
    return (base * reps)[start:start + n_bytes]


def english(rng, n_bytes):
    return text(rng, "english", n_bytes)


def trained_like(rng, n, dtype_scale=1.0):
    """A flat model: matrices of mixed scales with Student-t(3) entries, and
    between them vectors (at most 4096 long, as d_model-sized parameters
    are) of LayerNorm gains near 1, zero biases and small biases."""
    out, left = [], n
    while left > 0:
        kind = rng.random()
        if kind < 0.6:
            m = int(min(left, rng.integers(4096, max(8192, n // 4))))
            scale = 10 ** rng.uniform(-2.5, -0.5)
            out.append(rng.standard_t(3, size=m) * scale)
        else:
            m = int(min(left, rng.integers(256, 4097)))
            if kind < 0.75:
                out.append(1.0 + rng.normal(0, 0.05, size=m))
            elif kind < 0.9:
                out.append(np.zeros(m))
            else:
                out.append(rng.normal(0, 0.01, size=m))
        left -= m
    return np.concatenate(out)[:n] * dtype_scale


def as_dtype(x, kind):
    x = np.asarray(x, dtype=np.float32)
    if kind == "float32":
        return x.astype("<f4").tobytes()
    if kind == "float16":
        return x.astype("<f2").tobytes()
    if kind == "bfloat16":
        return (x.view(np.uint32) >> 16).astype("<u2").tobytes()
    raise ValueError(kind)


def llmc_header(magic, version=3):
    h = np.zeros(256, dtype="<i4")
    h[0], h[1] = magic, version
    h[2:8] = [1024, 50257, 12, 12, 768, 50304]
    return h.tobytes()


def zip_bytes(members):
    """A zip of members (name -> bytes), every member deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def jsonl(rng, n_bytes):
    lines = english(rng, n_bytes).decode("ascii", "replace").split(". ")
    return "".join('{"text": "%s"}\n' % l.replace('"', "'") for l in lines).encode()


def negatives(rng, n):
    perm = rng.permutation(50257)
    corp = {}
    def each(make):
        return [make(s) for s in sizes(rng, n)]
    corp["uint16 tokens, uniform, vocab 512 (e2e shards)"] = each(
        lambda s: rng.integers(0, 512, s // 2, dtype=np.uint16).astype("<u2").tobytes())
    corp["uint16 tokens, uniform, vocab 50257"] = each(
        lambda s: rng.integers(0, 50257, s // 2).astype("<u2").tobytes())
    corp["uint16 tokens, Zipf, id = frequency rank"] = each(
        lambda s: zipf_ids(rng, s // 2, 50257).astype("<u2").tobytes())
    corp["uint16 tokens, Zipf, ids permuted"] = each(
        lambda s: zipf_ids(rng, s // 2, 50257, perm).astype("<u2").tobytes())
    corp["llm.c token shard (int32 header + uint16)"] = each(
        lambda s: llmc_header(LLMC_MAGIC_TOKENS, 1) +
        zipf_ids(rng, s // 2, 50257, perm).astype("<u2").tobytes())
    corp["uint32 tokens, uniform, vocab 128256"] = each(
        lambda s: rng.integers(0, 128256, s // 4).astype("<u4").tobytes())
    corp["uint32 tokens, Zipf, vocab 128256"] = each(
        lambda s: zipf_ids(rng, s // 4, 128256).astype("<u4").tobytes())
    corp["int64 tokens (torch.long)"] = each(
        lambda s: zipf_ids(rng, s // 8, 50257, perm).astype("<i8").tobytes())
    corp["text, English"] = each(lambda s: english(rng, s))
    corp["text, Python source"] = each(lambda s: text(rng, "source", s))
    corp["text, Cyrillic (UTF-8)"] = each(lambda s: text(rng, "cyrillic", s))
    corp["text, CJK (UTF-8)"] = each(lambda s: text(rng, "cjk", s))
    corp["gzip'd text"] = each(lambda s: gzip.compress(english(rng, 4 * s))[:s])
    corp["xz'd text"] = each(lambda s: lzma.compress(english(rng, 4 * s))[:s])
    if shutil.which("zstd"):
        corp["zstd'd text"] = each(lambda s: subprocess.run(
            ["zstd", "-q", "-c"], input=english(rng, 4 * s), capture_output=True,
            check=True).stdout[:s])
    # compressed data a job decodes itself (the content test decodes them too)
    corp["gzip'd uint16 tokens, Zipf"] = each(lambda s: gzip.compress(
        zipf_ids(rng, s // 2, 50257, perm).astype("<u2").tobytes(), 6))
    corp["np.savez_compressed, int64 token ids"] = each(lambda s: zip_bytes(
        {"ids.npy": npy_bytes(zipf_ids(rng, s // 8, 50257, perm).astype("<i8"))}))
    corp["zip of JSONL text, deflated"] = each(lambda s: zip_bytes(
        {"part%d.jsonl" % i: jsonl(rng, s // 4) for i in range(4)}))
    corp["random bytes"] = each(lambda s: rng.bytes(s))
    t = np.arange(1 << 22)
    corp["int16 audio (tones + noise)"] = each(
        lambda s: (3000 * np.sin(t[:s // 2] * rng.uniform(0.01, 0.2)) +
                   rng.normal(0, 300, s // 2)).astype("<i2").tobytes())
    corp["uint8 image (gradients + noise)"] = each(
        lambda s: np.clip(np.linspace(rng.uniform(0, 255), rng.uniform(0, 255), s) +
                          rng.normal(0, 8, s), 0, 255).astype(np.uint8).tobytes())
    return corp


def positives(rng, n):
    corp = {}
    laws = {
        "normal(0, 0.02)": lambda m: rng.normal(0, 0.02, m),
        "normal(0, 1)": lambda m: rng.normal(0, 1, m),
        "kaiming uniform, fan_in 768": lambda m: rng.uniform(-1 / 768 ** 0.5, 1 / 768 ** 0.5, m),
        "trained-like": lambda m: trained_like(rng, m),
    }
    for dtype, width in (("float32", 4), ("bfloat16", 2), ("float16", 2)):
        for law, draw in laws.items():
            corp["raw %s, %s" % (dtype, law)] = [
                as_dtype(draw(s // width), dtype) for s in sizes(rng, n)]
    corp["gzip'd raw float32, normal(0, 0.02)"] = [
        gzip.compress(as_dtype(rng.normal(0, 0.02, s // 4), "float32"), 6) for s in sizes(rng, n)]
    corp["np.savez_compressed float32, member named w.txt"] = [
        zip_bytes({"readme.txt": b"hello", "w.txt": npy_bytes(trained_like(rng, s // 4).astype("<f4"))})
        for s in sizes(rng, n)]
    corp["llm.c model (int32 header + float32), trained-like"] = [
        llmc_header(LLMC_MAGIC_MODEL) + as_dtype(trained_like(rng, s // 4), "float32")
        for s in sizes(rng, n)]
    return corp


def write_corpus(root, name, blobs, suffix=".bin"):
    d = os.path.join(root, "%03d" % len(os.listdir(root)))
    os.makedirs(d)
    paths = []
    for i, b in enumerate(blobs):
        p = os.path.join(d, "%04d%s" % (i, suffix))
        with open(p, "wb") as f:
            f.write(b)
        paths.append(p)
    return paths


def npy_corpus(root, rng, n, dtype, draw):
    d = os.path.join(root, "%03d" % len(os.listdir(root)))
    os.makedirs(d)
    paths = []
    for i, s in enumerate(sizes(rng, n)):
        p = os.path.join(d, "%04d.npy" % i)
        np.save(p, draw(s).astype(dtype))
        paths.append(p)
    return paths


def classify(tool, paths):
    out = {}
    for k in range(0, len(paths), 500):
        r = subprocess.run([tool] + paths[k:k + 500], capture_output=True, text=True, check=True)
        for line in r.stdout.splitlines():
            fmt, path = line.split("\t", 1)
            out[path] = fmt
    return out


def tally(fmts):
    weights = sum(1 for f in fmts if f != "-" and not f.startswith("possible-"))
    possible = sum(1 for f in fmts if f.startswith("possible-"))
    return weights, possible


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--n", type=int, default=100, help="files per generated corpus")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--keep", help="write the corpora here and keep them")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    root = args.keep or tempfile.mkdtemp(prefix="tp-classify-rates.")
    os.makedirs(root, exist_ok=True)
    rows = []  # (kind, name, paths)
    try:
        for name, blobs in negatives(rng, args.n).items():
            rows.append(("negative", name, write_corpus(root, name, blobs)))
        rows.append(("negative", "NumPy .npy, uint16 tokens",
                     npy_corpus(root, rng, args.n, "<u2",
                                lambda s: rng.integers(0, 50257, s // 2))))
        libs = sorted(glob.glob("/usr/lib/x86_64-linux-gnu/*.so*"))
        pycs = sorted(glob.glob("/usr/lib/python3*/**/*.pyc", recursive=True))
        random.Random(args.seed).shuffle(libs)
        random.Random(args.seed).shuffle(pycs)
        sys_files = [p for p in libs if os.path.isfile(p)][:max(args.n, 200)]
        rows.append(("negative", "system shared libraries (/usr/lib/*.so*)", sys_files))
        rows.append(("negative", "system .pyc files", [p for p in pycs if os.path.isfile(p)][:args.n]))
        e2e = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e",
                           "make_shards.py")
        if os.path.exists(e2e):
            d = os.path.join(root, "e2e-shards")
            subprocess.run([sys.executable, e2e, d, str(args.n)], check=True)
            rows.append(("negative", "the e2e tests' shards (make_shards.py)",
                         sorted(glob.glob(os.path.join(d, "*.bin")))))
        for name, blobs in positives(rng, args.n).items():
            rows.append(("positive", name, write_corpus(root, name, blobs)))
        rows.append(("positive", "NumPy .npy, float32 normal(0, 0.02)",
                     npy_corpus(root, rng, args.n, "<f4",
                                lambda s: rng.normal(0, 0.02, s // 4))))
        fmts = classify(args.tool, [p for _, _, ps in rows for p in ps])
        bad = 0
        print("| corpus | files | called weights | possible weights |")
        print("|---|---:|---:|---:|")
        for kind, name, paths in rows:
            w, p = tally([fmts[x] for x in paths])
            n = len(paths)
            print("| %s: %s | %d | %d (%.1f%%) | %d (%.1f%%) |" % (
                kind, name, n, w, 100.0 * w / max(n, 1), p, 100.0 * p / max(n, 1)))
            if kind == "negative" and (w or p):
                bad += 1
            if kind == "positive" and w + p < n:
                bad += 1
        if args.check and bad:
            print("%d corpus rows outside the expected rates" % bad, file=sys.stderr)
            return 1
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

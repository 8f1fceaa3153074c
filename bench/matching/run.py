"""Measures the matching engine through the HTTP API on CheckThat! 2020 Task 2 (English tweets and the
fact-checked claims they repeat).

    python3 bench/matching/run.py [--model MODEL_DIR | --lexical-only] [DATASET_DIR]
                                  (default ../shared/datasets/checkthat2020-task2)

Builds the release server (in $CARGO_TARGET_DIR, else target/), starts it on 127.0.0.1 with a fresh
database in a temporary directory, and loads the 10,375 verified claims through POST /v1/import: each a
ClaimReview whose claimReviewed is the claim and whose headline is the fact-check's title (kept as the
rationale, so it is indexed), tagged with its dataset id. They are imported with merge=false, each its
own claim, since each is the answer for its own tweets. A claim whose text the server already holds
(the same but for case and punctuation) is not imported again; POST /v1/claims names the claim it
repeats (409 duplicate_of), and that claim is then the answer expected for it. Then every train and
dev tweet is POSTed to /v1/match and the answers are scored: MAP@5, P@1, recall@5, the `same` tier's
precision (of the tweets whose top match reaches `same`, the share where it is the claim) and how many
reach it, the `related` tier's, and the latency of /v1/match as one client sees it. Only 127.0.0.1 is
ever contacted. By default the server matches with its built-in static table; with `--lexical-only`,
by words alone; with `--model` (a folder `models/derive.py` makes), with the transformer, and the
tweets are matched once it has made every claim's vector (`/metrics`).
"""

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SERVER = os.path.join(TARGET, "release", "claimcheck")
BATCH = 250

csv.field_size_limit(10**9)


def tsv(path):
    with open(path, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        return list(rows)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, port, key):
        self.base, self.key = f"http://127.0.0.1:{port}", key

    def call(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def review(dataset_id, claim, title):
    return {
        "@type": "ClaimReview",
        "url": f"https://checkthat.example/vclaim/{dataset_id}",
        "claimReviewed": claim,
        "headline": title,
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "keywords": [f"vclaim-{dataset_id}"],
        "creativeWorkStatus": "Published",
    }


def load(api, claims):
    """Imports the claims; answers each dataset id's claim id."""
    started = time.time()
    for i in range(0, len(claims), BATCH):
        feed = {"@context": "https://schema.org", "@type": "DataFeed",
                "dataFeedElement": [review(*c) for c in claims[i:i + BATCH]]}
        status, summary = api.call("POST", "/v1/import?merge=false", feed, "application/ld+json")
        if status != 200 or summary["rejected"]:
            raise SystemExit(f"import failed: {status} {str(summary)[:500]}")
    loaded = time.time() - started
    ids, cursor = {}, None
    while True:
        status, page = api.call("GET", "/v1/claims?limit=100&sort=created" + (f"&cursor={cursor}" if cursor else ""))
        for c in page["items"]:
            for tag in c["tags"]:
                if tag.startswith("vclaim-"):
                    ids[tag[len("vclaim-"):]] = c["id"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    repeated = 0
    for dataset_id, claim, _ in claims:
        if dataset_id not in ids:
            status, answer = api.call("POST", "/v1/claims", {"text": claim})
            if status != 409:
                raise SystemExit(f"claim {dataset_id} was neither imported nor a duplicate: {status} {answer}")
            ids[dataset_id] = answer["duplicate_of"]
            repeated += 1
    return ids, repeated, loaded


def evaluate(api, tweets, gold, ids):
    n = len(gold)
    ap = p1 = r5 = 0.0
    tops, latencies, shown = [], [], 0
    for tweet_id, want in gold.items():
        started = time.perf_counter()
        status, found = api.call("POST", "/v1/match", {"text": tweets[tweet_id], "limit": 5})
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 200, found
        items = found["items"]
        ranked = [m["id"] for m in items]
        shown += len(items)
        expected = ids[want]
        if expected in ranked:
            rank = ranked.index(expected)
            ap += 1 / (rank + 1)
            r5 += 1
            p1 += rank == 0
        if items:
            tops.append((items[0]["score"], items[0]["tier"], items[0]["id"] == expected))
        signals = found["signals"]
    latencies.sort()
    return {
        "n": n, "shown": shown / n, "map5": ap / n, "p1": p1 / n, "r5": r5 / n, "tops": tops, "signals": signals, "thresholds": found["thresholds"],
        "p50": latencies[n // 2], "p99": latencies[min(n - 1, int(n * 0.99))],
    }


def tier_line(result, tier):
    reached = [right for _, t, right in result["tops"] if t == tier or (tier == "related" and t == "same")]
    share = sum(reached) / len(reached) if reached else 0.0
    return len(reached), share


def sweep(result):
    """The top match's precision and reach at each score, for choosing the tiers."""
    lines = []
    for threshold in [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9]:
        reached = [right for score, _, right in result["tops"] if score >= threshold]
        if reached:
            lines.append(f"| {threshold} | {len(reached)} ({len(reached) / result['n']:.0%}) | "
                         f"{sum(reached) / len(reached):.1%} |")
    return lines


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        return r.read().decode()


def serve(work, model):
    """Starts the release server on a fresh database in `work`; answers it, its API and its port once
    it answers."""
    db = os.path.join(work, "claimcheck.db")
    key = subprocess.run([SERVER, "keys", "create", "--role", "admin", "--name", "bench", "--db", db],
                         capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    server = subprocess.Popen([SERVER, "serve", "--listen", f"127.0.0.1:{port}", "--db", db, "--no-seed",
                               "--log", "warn", "--rate-limit", "1000000000", "--fetch-concurrency", "0", *model])
    api = Api(port, key)
    for _ in range(600):
        try:
            if api.call("GET", "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.05)
    return server, api, port


def collection(data):
    """The verified claims: dataset id, claim, fact-check title."""
    return [(r[0], r[1], r[2] if len(r) > 2 else "") for r in tsv(os.path.join(data, "verified_claims.docs.tsv"))]


def main():
    args = sys.argv[1:]
    model = []
    if args[:1] == ["--model"]:
        model, args = ["--model", os.path.abspath(args[1])], args[2:]
    elif args[:1] == ["--lexical-only"]:
        model, args = ["--lexical-only"], args[1:]
    data = args[0] if args else os.path.join(ROOT, "..", "shared", "datasets", "checkthat2020-task2")
    subprocess.run(["cargo", "build", "--release", "--bin", "claimcheck"], cwd=ROOT, check=True)
    claims = collection(data)
    splits = {}
    for split in ["train", "dev"]:
        tweets = {r[0]: r[1] for r in tsv(os.path.join(data, split, "tweets.queries.tsv"))}
        gold = {}
        for line in open(os.path.join(data, split, "tweet-vclaim-pairs.qrels")):
            fields = line.split()
            gold[fields[0]] = fields[2]
        splits[split] = (tweets, gold)
    with tempfile.TemporaryDirectory() as work:
        server, api, port = serve(work, model)
        try:
            started = time.monotonic()
            ids, repeated, loaded = load(api, claims)
            while model[:1] == ["--model"] and "claimcheck_sentence_vectors_pending 0\n" not in metrics(port):
                time.sleep(1)
            if model[:1] == ["--model"]:
                print(f"Every claim's vector made {time.monotonic() - started - loaded:.0f} s after loading.")
            results = {split: evaluate(api, *splits[split], ids) for split in ["train", "dev"]}
            with open(f"/proc/{server.pid}/status") as f:
                rss = [line.split()[1] for line in f if line.startswith("VmHWM")][0]
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"Loaded {len(claims)} claims through POST /v1/import in {loaded:.0f} s; {repeated} repeat an earlier "
          f"claim's text (POST /v1/claims: 409 duplicate_of), and the earlier claim is the answer expected. "
          f"Peak RSS {int(rss) / 1024:.0f} MB.\n")
    dev = results["dev"]
    print(f"Thresholds: same {dev['thresholds']['same']}, related {dev['thresholds']['related']}. "
          f"Signals: {', '.join(dev['signals'])}.\n")
    print("| Split | Tweets | MAP@5 | P@1 | recall@5 | top match `same`: tweets, right | top match shown: tweets, right | matches shown per tweet | /v1/match p50, p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for split in ["train", "dev"]:
        r = results[split]
        same, same_right = tier_line(r, "same")
        related, related_right = tier_line(r, "related")
        print(f"| {split} | {r['n']} | {r['map5']:.3f} | {r['p1']:.3f} | {r['r5']:.3f} | "
              f"{same} ({same / r['n']:.0%}), {same_right:.1%} | {related} ({related / r['n']:.0%}), {related_right:.1%} | "
              f"{r['shown']:.1f} | "
              f"{r['p50']:.1f} ms, {r['p99']:.1f} ms |")
    print("\nThe dev split's top match by score (for choosing the tiers):\n")
    print("| Score at least | Tweets reaching it | Top match right |")
    print("| ---: | ---: | ---: |")
    print("\n".join(sweep(dev)))


if __name__ == "__main__":
    main()

"""Measures the importer's merge of reviews that repeat a claim already held, on the CheckThat! 2020
Task 2 claims (fact-checks from Snopes and others, which repeat one another now and then).

    python3 bench/matching/merges.py [OUT.tsv] [DATASET_DIR]
                                     (default: merges.tsv; ../shared/datasets/checkthat2020-task2)

Imports the 10,375 claims as ClaimReviews (as run.py does) into a fresh release server twice: with
merge=false, each review its own claim, and with merging on. Reports how long each import took and how
many reviews were merged, and writes every merge (the review's claim, the claim it went into, the
score) to OUT.tsv, to be read. Only 127.0.0.1 is ever contacted.
"""

import csv
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BATCH, ROOT, collection, review, serve  # noqa: E402


def imported(api, claims, merge):
    """Imports the claims; answers the seconds it took and the merges, as (review's dataset id, claim id,
    score)."""
    started, merges = time.monotonic(), []
    for i in range(0, len(claims), BATCH):
        chunk = claims[i:i + BATCH]
        feed = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [review(*c) for c in chunk]}
        status, summary = api.call("POST", f"/v1/import?merge={'true' if merge else 'false'}", feed,
                                   "application/ld+json")
        if status != 200 or summary["rejected"]:
            raise SystemExit(f"import failed: {status} {str(summary)[:500]}")
        for m in summary["merges"]:
            dataset_id = m["source"].rsplit("/", 1)[1]
            merges.append((dataset_id, m["claim_id"], m["score"]))
    return time.monotonic() - started, merges


def main():
    args = sys.argv[1:]
    out = args[0] if args else "merges.tsv"
    data = args[1] if len(args) > 1 else os.path.join(ROOT, "..", "shared", "datasets", "checkthat2020-task2")
    subprocess.run(["cargo", "build", "--release", "--bin", "claimcheck"], cwd=ROOT, check=True)
    claims = collection(data)
    text_of = {dataset_id: claim for dataset_id, claim, _ in claims}
    timings = {}
    for merge in [False, True]:
        with tempfile.TemporaryDirectory() as work:
            server, api, _ = serve(work, [])
            try:
                seconds, merges = imported(api, claims, merge)
                timings[merge] = seconds
                if merge:
                    held = {}
                    for _, claim_id, _ in merges:
                        if claim_id not in held:
                            held[claim_id] = api.call("GET", f"/v1/claims/{claim_id}")[1]["text"]
            finally:
                server.terminate()
                server.wait(timeout=60)
    with open(out, "w", newline="") as f:
        rows = csv.writer(f, delimiter="\t")
        rows.writerow(["score", "review", "merged into"])
        for dataset_id, claim_id, score in sorted(merges, key=lambda m: m[2]):
            rows.writerow([f"{score:.3f}", text_of[dataset_id], held[claim_id]])
    print(f"{len(claims)} reviews imported in batches of {BATCH}: {timings[False]:.0f} s with merge=false, "
          f"{timings[True]:.0f} s merging; {len(merges)} merged into a claim already held ({out}).")


if __name__ == "__main__":
    main()

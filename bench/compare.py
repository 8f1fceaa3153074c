"""Two builds of the server side by side on the same data: GET and POST at one size, in alternating
rounds (A, B, A, B...) so that whatever else the machine does weighs on both alike.

    OLD=/path/to/old/claimcheck OLD_FILL=/path/to/old/bench_fill \\
    NEW=target/release/claimcheck [NEW_FILL=target/release/examples/bench_fill] \\
    SIZE=1000000 ROUNDS=2 python3 bench/compare.py

The old build fills its database; the new one fills its own, or without NEW_FILL takes a copy of the
old one and brings it up to its schema (as an upgrade would), once. A schema the old build does not
know would stop it, so the two never share a file. Databases are kept in bench/work/ between runs;
each round writes into a fresh copy. Only 127.0.0.1 is contacted.
"""
import os, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark's own helpers: wrk, servers, fills)

SIZE = int(os.environ.get("SIZE", "1000000"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
SCENARIOS = [("GET /healthz", "healthz"), ("GET /v1/claims/{id} (random id)", "get_claim"),
             ("GET /v1/claims/{id} (hot 1k)", "get_hot_claim"), ("POST /v1/claims", "post_claim"),
             ("POST /v1/claims/{id}/evidence", "post_evidence")]


def upgraded_copy(old_db, server):
    db = os.path.join(run.WORK, f"compare-new-{SIZE}.db")
    if not os.path.exists(db):
        print(f"upgrading a copy of {old_db} ...", flush=True)
        shutil.copy(old_db, db + ".tmp")
        subprocess.run([server, "keys", "list", "--db", db + ".tmp"], check=True, capture_output=True)
        for s in ["", "-wal", "-shm"]:
            if os.path.exists(db + ".tmp" + s):
                os.rename(db + ".tmp" + s, db + s)
    return db


def build_db(name, fill):
    db = os.path.join(run.WORK, f"compare-{name}-{SIZE}.db")
    if not os.path.exists(db):
        print(f"building {db} ...", flush=True)
        subprocess.run([fill, db + ".tmp", str(SIZE)], check=True)
        for s in ["", "-wal", "-shm"]:
            if os.path.exists(db + ".tmp" + s):
                os.rename(db + ".tmp" + s, db + s)
    return db


def one_round(name, server, db):
    copy = os.path.join(run.WORK, f"compare-run-{name}.db")
    for s in ["", "-wal", "-shm"]:
        if os.path.exists(copy + s):
            os.remove(copy + s)
    shutil.copy(db, copy)
    run.SERVER = server
    key = subprocess.run([server, "keys", "create", "--role", "admin", "--name", "bench", "--db", copy],
                         capture_output=True, text=True, check=True).stdout.strip()
    port = run.free_port()
    proc = run.start_server(copy, port)
    try:
        return {script: run.wrk(port, script, SIZE, key) for _, script in SCENARIOS}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main():
    os.makedirs(run.WORK, exist_ok=True)
    builds = {"old": (os.environ["OLD"], os.environ["OLD_FILL"]), "new": (os.environ["NEW"], os.environ.get("NEW_FILL"))}
    dbs = {"old": build_db("old", builds["old"][1])}
    new_fill = builds["new"][1]
    dbs["new"] = build_db("new", new_fill) if new_fill else upgraded_copy(dbs["old"], builds["new"][0])
    results = {name: [] for name in builds}
    for r in range(ROUNDS):
        for name, (server, _) in builds.items():
            results[name].append(one_round(name, server, dbs[name]))
            print(f"round {r + 1} {name}: " + ", ".join(f"{s} {v['rps']:.0f}/s" for s, v in results[name][-1].items()),
                  flush=True)
    print(f"\n| Scenario, {SIZE:,} claims | old req/s | new req/s | change | old p99 ms | new p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, script in SCENARIOS:
        old = sum(r[script]["rps"] for r in results["old"]) / ROUNDS
        new = sum(r[script]["rps"] for r in results["new"]) / ROUNDS
        old_p99 = sum(r[script]["p99"] for r in results["old"]) / ROUNDS
        new_p99 = sum(r[script]["p99"] for r in results["new"]) / ROUNDS
        print(f"| {label} | {old:,.0f} | {new:,.0f} | {100 * (new - old) / old:+.0f}% | {old_p99:.2f} | {new_p99:.2f} |")


if __name__ == "__main__":
    main()

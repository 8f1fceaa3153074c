"""Drives the benchmark: see bench/README.md. Only 127.0.0.1 is ever contacted."""
import os, platform, re, socket, sqlite3, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
SERVER = os.path.join(ROOT, "target", "release", "claimcheck")
FILL = os.path.join(ROOT, "target", "release", "examples", "bench_fill")
CEILING = os.path.join(ROOT, "target", "release", "examples", "sqlite_ceiling")
SIZES = [int(s) for s in os.environ.get("SIZES", "100000 1000000").split()]
DURATION = int(os.environ.get("DURATION", "10"))
CONNS = int(os.environ.get("CONNS", "64"))

# name, script, what it measures, writes?
SCENARIOS = [
    ("GET /healthz", "healthz", "the HTTP ceiling of this server", False),
    ("GET /v1/claims/{id} (random id)", "get_claim", "any of N claims: mostly cache misses", False),
    ("GET /v1/claims/{id} (hot 1k)", "get_hot_claim", "1,000 current claims: cache hits", False),
    ("GET /v1/claims?status&tag", "list", "filtered list, 20 per page", False),
    ("GET /v1/claims?q= (search)", "search", "two or three words, ranked, 20 per page", False),
    ("GET /v1/claims?q= (rare, common words)", "search_words", "one word, rare or common, or a mix", False),
    ("POST /v1/claims", "post_claim", "new claims, synchronous=FULL", True),
    ("POST /v1/claims/{id}/evidence", "post_evidence", "evidence on random claims, rescored", True),
    ("POST /v1/claims/{id}/transitions", "transition", "submitted -> in_review", True),
    ("90/10 read/write mix", "mix", "random GETs and new claims", True),
]
FIXED_RATE = ["get_claim", "search", "search_words", "post_claim"]


def unit(value):
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    n, u = float(m.group(1)), m.group(2)
    return n / 1000 if u == "us" else n if u == "ms" else n * 1000


def wrk(port, script, claims, key, conns=CONNS, rate=0, duration=DURATION):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{conns}", f"-d{duration}s", "--latency", "-s", f"bench/lua/{script}.lua",
         f"http://127.0.0.1:{port}", "--", str(claims), str(rate), str(conns)],
        cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, "BENCH_KEY": key}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = unit(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = unit(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db, port):
    # The per-key rate limit is a policy, not a cost: it is lifted so the load shows what the server can do.
    proc = subprocess.Popen([SERVER, "serve", "--listen", f"127.0.0.1:{port}", "--db", db, "--no-seed", "--log", "warn",
                             "--rate-limit", "1000000000"])
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return proc
        except Exception:
            time.sleep(0.05)
    raise SystemExit("the server did not become ready")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024


def db_size_mb(db):
    return sum(os.path.getsize(db + s) for s in ["", "-wal"] if os.path.exists(db + s)) / 1024 / 1024


def fill(size):
    db = os.path.join(WORK, f"claims-{size}.db")
    if not os.path.exists(db):
        print(f"building {db} ...", flush=True)
        started = time.time()
        subprocess.run([FILL, db + ".tmp", str(size)], check=True)
        for s in ["", "-wal", "-shm"]:
            if os.path.exists(db + ".tmp" + s):
                os.rename(db + ".tmp" + s, db + s)
        print(f"built in {time.time() - started:.0f} s", flush=True)
    # Each run writes into a copy, so every run starts from the same data.
    run_db = os.path.join(WORK, f"run-{size}.db")
    for s in ["", "-wal", "-shm"]:
        if os.path.exists(run_db + s):
            os.remove(run_db + s)
    subprocess.run(["cp", db, run_db], check=True)
    return run_db


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) / 1024 / 1024
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Linux {platform.release()}, "
            f"SQLite {sqlite3.sqlite_version} (Python's; the server bundles its own), {wrk_v.strip()}; "
            f"server and wrk share the cores")


def main():
    os.makedirs(WORK, exist_ok=True)
    lines = ["# Benchmark results", "",
             f"Machine: {machine()}.", "",
             f"Command: `bash bench/run.sh` (wrk, 2 threads, {CONNS} connections, {DURATION} s per scenario; "
             "fixed-rate rows: 16 connections at half the measured peak). Date: "
             + time.strftime("%Y-%m-%d") + ".", ""]
    for size in SIZES:
        db = fill(size)
        ceiling = dict(l.split() for l in subprocess.run(
            [CEILING, db, WORK], capture_output=True, text=True, check=True).stdout.splitlines())
        key = subprocess.run([SERVER, "keys", "create", "--role", "admin", "--name", "bench", "--db", db],
                             capture_output=True, text=True, check=True).stdout.strip()
        port = free_port()
        server = start_server(db, port)
        rows = []
        try:
            # Searches wait for the matching index, which is built beside serving: not in the figures.
            warm = urllib.request.Request(f"http://127.0.0.1:{port}/v1/claims?q=deepseek&limit=1",
                                          headers={"Authorization": f"Bearer {key}"})
            urllib.request.urlopen(warm, timeout=600).read()
            results = {}
            for name, script, what, _ in SCENARIOS:
                results[script] = r = wrk(port, script, size, key)
                rows.append((name, what, r))
                print(f"{size:>8} {name:<36} {r['rps']:>10.0f}/s p50 {r['p50']:.2f} ms p99 {r['p99']:.2f} ms", flush=True)
            for script in FIXED_RATE:
                rate = int(results[script]["rps"] / 2)
                r = wrk(port, script, size, key, conns=16, rate=rate)
                name = next(n for n, s, _, _ in SCENARIOS if s == script)
                rows.append((f"{name} at {rate}/s", "fixed rate: honest latency", r))
                print(f"{size:>8} {name + ' @' + str(rate):<36} {r['rps']:>10.0f}/s p50 {r['p50']:.2f} ms p99 {r['p99']:.2f} ms", flush=True)
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
        healthz = results["healthz"]["rps"]
        lines += [f"## {size:,} claims", "",
                  "| Scenario | What | Requests/s | p50 ms | p99 ms | vs /healthz | non-2xx |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for name, what, r in rows:
            lines.append(f"| {name} | {what} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{100 * r['rps'] / healthz:.0f}% | {r['non2xx']} |")
        lines += ["", f"Peak RSS of the server: **{rss:.0f} MB**. Database: **{db_size_mb(db):,.0f} MB** "
                  "(after the run).", "",
                  "Raw SQLite on this machine, production settings, one thread: "
                  f"point read **{float(ceiling['point_read']):,.0f}/s**; one commit per insert with "
                  f"synchronous=FULL **{float(ceiling['commit_per_insert_full']):,.0f}/s**; 1,000 inserts per "
                  f"commit **{float(ceiling['batched_insert_full']):,.0f}/s**.", ""]
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

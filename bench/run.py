"""Drives the benchmark: see bench/README.md. Only 127.0.0.1 is ever contacted."""
import os, platform, re, socket, sqlite3, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
SERVER = os.path.join(ROOT, "target", "release", "claimcheck")
FILL = os.path.join(ROOT, "target", "release", "examples", "bench_fill")
CEILING = os.path.join(ROOT, "target", "release", "examples", "sqlite_ceiling")
SIZES = [int(s) for s in os.environ.get("SIZES", "10000 100000 1000000").split()]
DURATION = int(os.environ.get("DURATION", "10"))
CONNS = int(os.environ.get("CONNS", "64"))

# name, script, what it measures, writes?
SCENARIOS = [
    ("GET /healthz", "healthz", "the HTTP ceiling of this server", False),
    ("GET /v1/claims/{id} (random id)", "get_claim", "any of N claims: mostly cache misses", False),
    ("GET /v1/claims/{id} (hot 1k)", "get_hot_claim", "1,000 current claims: cache hits", False),
    ("GET /v1/claims?status&tag", "list", "filtered list, 20 per page", False),
    ("GET /v1/claims, 12 filter sets", "list_filters", "other filters and sorts in turn, 20 per page", False),
    ("GET /v1/claims?q= (search)", "search", "full-text, ranked, 20 per page", False),
    ("GET /v1/claims?q= (rare and common words)", "search_words", "single rare and very common words, and mixes", False),
    ("POST /v1/match", "match", "have we seen this claim? ranked matches", False),
    ("POST /v1/claims", "post_claim", "new claims, synchronous=FULL", True),
    ("POST /v1/claims/{id}/evidence", "post_evidence", "evidence on random claims, rescored", True),
    ("POST /v1/claims/{id}/transitions", "transition", "submitted -> in_review", True),
    ("90/10 read/write mix", "mix", "random GETs and new claims", True),
]
FIXED_RATE = ["get_claim", "search", "search_words", "match", "post_claim"]


def unit(value):
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    n, u = float(m.group(1)), m.group(2)
    return n / 1000 if u == "us" else n if u == "ms" else n * 1000


def wrk(port, script, claims, key, conns=CONNS, rate=0, duration=DURATION):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{conns}", f"-d{duration}s", "--latency", "-s", f"bench/lua/{script}.lua",
         f"http://127.0.0.1:{port}", "--", str(claims), str(rate), str(conns)],
        cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, "BENCH_KEY": key}).stdout
    return parse_wrk(out)


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = unit(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = unit(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db, port, extra=()):
    # The per-key rate limit is a policy, not a cost: it is lifted so the load shows what the server can do.
    # Fetching and webhooks are off: the synthetic evidence links to made-up hosts, and the benchmark
    # contacts nothing but 127.0.0.1 (not even a DNS server).
    proc = subprocess.Popen([SERVER, "serve", "--listen", f"127.0.0.1:{port}", "--db", db, "--no-seed", "--log", "warn",
                             "--rate-limit", "1000000000", "--fetch-concurrency", "0", "--webhook-concurrency", "0", *extra])
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


def wait_for_matching_index(port, key):
    """The matching index is built in the background after start; a lookup waits for it, so the
    scenarios measure the server at rest rather than while it reads every claim."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/match", data=b'{"text": "warm up"}', method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=600).read()


def drop_page_cache():
    """Empties the OS page cache (root only), so that the database is read from the disk, as when it
    is larger than memory. Answers whether it could."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def cold_reads(db, size, key):
    """GET of random claims at a fixed rate right after the page cache is dropped, with /healthz
    probed beside it, with point reads in place while fast (the default) and always on the blocking
    pool (`--quick-read-limit-us 0`)."""
    rows = []
    for name, extra in [("in place while fast (default)", []), ("always on the blocking pool", ["0"])]:
        port = free_port()
        server = start_server(db, port, ["--quick-read-limit-us", *extra] if extra else [])
        try:
            wait_for_matching_index(port, key)
            if not drop_page_cache():
                return None
            probe = subprocess.Popen(
                ["wrk", "-t1", "-c4", f"-d{DURATION}s", "--latency", "-s", "bench/lua/healthz.lua",
                 f"http://127.0.0.1:{port}", "--", str(size), "1000", "4"],
                cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "BENCH_KEY": key})
            reads = wrk(port, "get_claim", size, key, conns=16, rate=2000)
            healthz = parse_wrk(probe.communicate()[0])
            rows.append((name, reads, healthz))
        finally:
            server.terminate()
            server.wait(timeout=60)
    return rows


def scenarios():
    """The scenarios whose script exists (lists and searches of several kinds come with their own)."""
    return [s for s in SCENARIOS if os.path.exists(os.path.join(ROOT, "bench", "lua", f"{s[1]}.lua"))]


def one_size(size):
    db = fill(size)
    ceiling = dict(l.split() for l in subprocess.run(
        [CEILING, db, WORK], capture_output=True, text=True, check=True).stdout.splitlines())
    key = subprocess.run([SERVER, "keys", "create", "--role", "admin", "--name", "bench", "--db", db],
                         capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    server = start_server(db, port)
    rows, results = [], {}
    try:
        wait_for_matching_index(port, key)
        for name, script, what, _ in scenarios():
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
    cold = cold_reads(db, size, key) if size == max(SIZES) else None
    return {"size": size, "rows": rows, "results": results, "rss": rss, "db_mb": db_size_mb(db),
            "ceiling": ceiling, "cold": cold}


def size_section(run):
    healthz = run["results"]["healthz"]["rps"]
    lines = [f"### {run['size']:,} claims", "",
             "| Scenario | What | Requests/s | p50 ms | p99 ms | vs /healthz | non-2xx |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, what, r in run["rows"]:
        lines.append(f"| {name} | {what} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{100 * r['rps'] / healthz:.0f}% | {r['non2xx']} |")
    c = run["ceiling"]
    lines += ["", f"Peak RSS of the server: **{run['rss']:.0f} MB**. Database: **{run['db_mb']:,.0f} MB** "
              "(after the run).", "",
              "Raw SQLite on this machine, production settings, one thread: "
              f"point read **{float(c['point_read']):,.0f}/s**; one commit per insert with "
              f"synchronous=FULL **{float(c['commit_per_insert_full']):,.0f}/s**; 1,000 inserts per "
              f"commit **{float(c['batched_insert_full']):,.0f}/s**.", ""]
    if run["cold"]:
        lines += ["GET of random claims at 2,000/s (16 connections) right after the OS page cache is dropped "
                  "(`echo 3 > /proc/sys/vm/drop_caches`, so every page comes from the disk as when the database "
                  "is larger than memory), with `/healthz` probed at 1,000/s beside it:", "",
                  "| Point reads | GET p50 ms | GET p99 ms | /healthz p50 ms | /healthz p99 ms |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for name, reads, healthz_probe in run["cold"]:
            lines.append(f"| {name} | {reads['p50']:.2f} | {reads['p99']:.2f} | {healthz_probe['p50']:.2f} | "
                         f"{healthz_probe['p99']:.2f} |")
        lines.append("")
    return lines


def scaling_table(runs):
    sizes = [r["size"] for r in runs]
    head = " | ".join(f"{s:,} req/s" for s in sizes) + " | " + " | ".join(f"{s:,} p99 ms" for s in sizes)
    lines = ["### How the figures change as the data grows", "",
             f"| Scenario | {head} |", "| --- |" + " ---: |" * (2 * len(sizes))]
    for name, script, _, _ in scenarios():
        cells = [runs_by[script] for runs_by in (r["results"] for r in runs)]
        lines.append(f"| {name} | " + " | ".join(f"{c['rps']:,.0f}" for c in cells) + " | "
                     + " | ".join(f"{c['p99']:.2f}" for c in cells) + " |")
    lines.append("| Peak RSS, MB | " + " | ".join(f"{r['rss']:.0f}" for r in runs) + " |" + " |" * len(sizes))
    lines.append("| Database, MB | " + " | ".join(f"{r['db_mb']:,.0f}" for r in runs) + " |" + " |" * len(sizes))
    return lines + [""]


BEGIN, END = "<!-- load test: written by bench/run.py -->", "<!-- end of the load test -->"


def main():
    os.makedirs(WORK, exist_ok=True)
    runs = [one_size(size) for size in SIZES]
    lines = [BEGIN, "## Load test", "",
             f"Machine: {machine()}.", "",
             f"Command: `bash bench/run.sh` (wrk, 2 threads, {CONNS} connections, {DURATION} s per scenario; "
             "fixed-rate rows: 16 connections at half the measured peak). The server runs with "
             "`synchronous=FULL`. Date: " + time.strftime("%Y-%m-%d") + ".", ""]
    lines += scaling_table(runs)
    for run in reversed(runs):
        lines += size_section(run)
    lines.append(END)
    path = os.path.join(ROOT, "bench", "results.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + "\n".join(lines) + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + "\n".join(lines) + "\n"
    with open(path, "w") as f:
        f.write(text)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

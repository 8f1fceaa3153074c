#!/usr/bin/env bash
# End-to-end test of the container image: builds a static binary on the host, packages it with the
# image's `prebuilt` target (the same runtime stage users get), runs it with --network host and a named
# volume, and checks health, the API, fetching evidence from inside the container, persistence across a
# restart, the non-root user, and that SIGTERM during a write load loses no acknowledged write. Fails on
# the first thing that fails.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=claimcheck:e2e
NAME=claimcheck-e2e-$$
VOLUME=claimcheck-e2e-data-$$
WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
# A page for the service to fetch as evidence, under a name the container resolves from its hosts file.
FIXTURE_PORT=$(free_port)
FIXTURE_URL=http://evidence-fixture.org:$FIXTURE_PORT/page.html

log() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; docker logs "$NAME" 2>&1 | tail -20 >&2 || true; exit 1; }
cleanup() {
  [ -n "${FIXTURE:-}" ] && kill "$FIXTURE" 2>/dev/null || true
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log "Docker engine"
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  (dockerd >/tmp/claimcheck-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
fi
docker info >/dev/null 2>&1 || fail "the Docker engine does not answer"
command -v curl >/dev/null 2>&1 || fail "curl is needed"

log "Static binary"
TARGET="$(uname -m)-unknown-linux-gnu"
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$TARGET"
BINARY="${CARGO_TARGET_DIR:-target}/$TARGET/release/claimcheck"
if readelf -d "$BINARY" | grep -q NEEDED; then fail "$BINARY is dynamically linked"; fi
cp "$BINARY" docker/prebuilt/claimcheck
trap 'rm -f docker/prebuilt/claimcheck; cleanup' EXIT

log "Image"
docker build -q -f docker/Dockerfile --target prebuilt -t "$IMAGE" . >/dev/null
SIZE=$(docker image inspect -f '{{.Size}}' "$IMAGE")

start() {
  docker start "$NAME" >/dev/null
}
wait_healthy() {
  local started=$1 status=""
  for _ in $(seq 1 300); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
    [ "$status" = healthy ] && break
    [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] || fail "container exited"
    sleep 0.05
  done
  [ "$status" = healthy ] || fail "not healthy: $status"
  echo $(( $(date +%s%N) / 1000000 - started ))
}
wait_ready() {
  local started=$1
  for _ in $(seq 1 600); do
    curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
    sleep 0.01
  done
  curl -sf "$BASE/readyz" >/dev/null || fail "/readyz never answered"
  echo $(( $(date +%s%N) / 1000000 - started ))
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

log "Run (host network, named volume)"
mkdir -p "$WORK/www"
printf '<html><head><title>R1 cost</title></head><body><p>DeepSeek said the final run cost $5.6 million.</p></body></html>' \
  > "$WORK/www/page.html"
python3 -m http.server "$FIXTURE_PORT" --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
FIXTURE=$!
docker volume create "$VOLUME" >/dev/null
docker create --name "$NAME" --network host --add-host "evidence-fixture.org:127.0.0.1" \
  -e CLAIMCHECK_LISTEN="127.0.0.1:$PORT" -e CLAIMCHECK_SHUTDOWN_TIMEOUT=20 \
  -e CLAIMCHECK_FETCH_ALLOW_PRIVATE=true -e CLAIMCHECK_FETCH_PORTS="$FIXTURE_PORT" \
  -v "$VOLUME:/data" --health-interval=100ms --health-start-period=5s \
  "$IMAGE" >/dev/null
T0=$(( $(date +%s%N) / 1000000 ))
start
READY_MS=$(wait_ready "$T0")
HEALTHY_MS=$(wait_healthy "$T0")
echo "ready in ${READY_MS} ms, healthy in ${HEALTHY_MS} ms (health checks every 100 ms)"

log "API"
# The first admin key, made the way an operator would: the binary inside the running container.
KEY=$(docker exec "$NAME" /claimcheck keys create --role admin --name e2e 2>/dev/null)
[ -n "$KEY" ] || fail "could not create an API key"
curl() { command curl -H "Authorization: Bearer $KEY" "$@"; }
[ "$(command curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/claims")" = 401 ] || fail "reads without a key must be refused"
SEEDED=$(curl -sf "$BASE/v1/claims?count=true&limit=1" | json 'd["total"]')
[ "$SEEDED" -ge 12 ] || fail "expected the seed claims, found $SEEDED"
CLAIM=$(curl -sf -X POST "$BASE/v1/claims" -H 'content-type: application/json' \
  -d '{"text": "Container check: SoftBank Group fell 5.4% on the day.", "tags": ["markets"]}' | json 'd["id"]')
EVIDENCE=$(curl -sf -X POST "$BASE/v1/claims/$CLAIM/evidence" -H 'content-type: application/json' \
  -d "{\"url\": \"$FIXTURE_URL\", \"stance\": \"supports\", \"excerpt\": \"the final run cost \$5.6 million\"}" | json 'd["id"]')
curl -sf -X POST "$BASE/v1/claims/$CLAIM/transitions" -H 'content-type: application/json' -d '{"to": "in_review"}' >/dev/null
# The page is fetched in the background: the name resolved in the container, archived, quote found.
LINK=""
for _ in $(seq 1 100); do
  LINK=$(curl -sf "$BASE/v1/evidence/$EVIDENCE" | json 'd["fetch"]["state"], (d["quote"] or {}).get("found")')
  [ "$LINK" = "live True" ] && break
  sleep 0.1
done
[ "$LINK" = "live True" ] || fail "the evidence page was not fetched and quoted: $LINK"
curl -sf "$BASE/v1/evidence/$EVIDENCE/snapshot" | json 'd["text"]' | grep -q 'final run cost' || fail "no archived text"
BEFORE=$(curl -sf "$BASE/v1/claims/$CLAIM" | json 'd["status"], d["version"], d["evidence_count"]')
case "$BEFORE" in "in_review "*" 1") ;; *) fail "unexpected claim state: $BEFORE" ;; esac
echo "seed claims: $SEEDED; claim $CLAIM: $BEFORE; evidence $EVIDENCE: $LINK (fetched inside the container)"

log "Non-root"
PID=$(docker inspect -f '{{.State.Pid}}' "$NAME")
UID_IN=$(awk '/^Uid:/ {print $2}' "/proc/$PID/status")
[ "$UID_IN" != 0 ] || fail "the process runs as root"
echo "process uid: $UID_IN"

log "Restart"
docker restart -t 20 "$NAME" >/dev/null
wait_healthy "$(( $(date +%s%N) / 1000000 ))" >/dev/null
AFTER=$(curl -sf "$BASE/v1/claims/$CLAIM" | json 'd["status"], d["version"], d["evidence_count"]')
[ "$AFTER" = "$BEFORE" ] || fail "claim changed across restart: $BEFORE -> $AFTER"
COUNT=$(curl -sf "$BASE/v1/claims?count=true&limit=1" | json 'd["total"]')
[ "$COUNT" = $((SEEDED + 1)) ] || fail "claims after restart: $COUNT"
echo "after restart: $AFTER, $COUNT claims"

log "Backup of the live volume"
docker exec "$NAME" /claimcheck backup /data/backup.db >/dev/null
docker cp "$NAME:/data/backup.db" "$WORK/backup.db"
BACKED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from claims').fetchone()[0])" "$WORK/backup.db")
[ "$BACKED" = "$COUNT" ] || fail "backup holds $BACKED claims, expected $COUNT"
echo "backup holds $BACKED claims"

log "SIGTERM during a write load"
python3 - "$BASE" "$WORK/acked" "$KEY" <<'PY' &
import json, sys, threading, urllib.request
base, out, key = sys.argv[1], sys.argv[2], sys.argv[3]
acked, lock = [], threading.Lock()
def writer(n):
    for i in range(100000):
        body = json.dumps({"text": f"Write load {n}-{i} during shutdown"}).encode()
        req = urllib.request.Request(base + "/v1/claims", body, {"content-type": "application/json", "authorization": "Bearer " + key})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 201:
                    with lock: acked.append(json.load(r)["id"])
        except Exception:
            return
threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
open(out, "w").write("\n".join(map(str, acked)))
PY
LOAD=$!
sleep 1.5
docker stop -t 20 "$NAME" >/dev/null
wait "$LOAD"
EXIT=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
[ "$EXIT" = 0 ] || fail "exit code after SIGTERM: $EXIT"
ACKED=$(wc -w < "$WORK/acked")
[ "$ACKED" -gt 0 ] || fail "the write load acknowledged nothing"
start
wait_healthy "$(( $(date +%s%N) / 1000000 ))" >/dev/null
LOST=0
for id in $(cat "$WORK/acked"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/claims/$id")
  [ "$code" = 200 ] || LOST=$((LOST + 1))
done
echo "acknowledged: $ACKED, lost: $LOST, exit code: $EXIT"
[ "$LOST" = 0 ] || fail "$LOST acknowledged writes lost"

log "Result"
echo "image size: $SIZE bytes ($(( SIZE / 1024 / 1024 )) MiB); ready in ${READY_MS} ms; healthy in ${HEALTHY_MS} ms"
echo "docker e2e: 1 passed, 0 failed"

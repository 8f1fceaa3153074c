#!/usr/bin/env bash
# Runs schemathesis against a live server built from this tree, with its server-error and
# schema-conformance checks: any failure fails the run. Outbound fetching and webhook delivery are
# off, so the generated URLs are never contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v schemathesis >/dev/null 2>&1 || pip install --quiet "schemathesis>=4,<5"
cargo build --quiet
work=$(mktemp -d)
port=18088
bin=${CARGO_TARGET_DIR:-target}/debug/claimcheck
"$bin" serve --listen "127.0.0.1:$port" --db "$work/st.db" --no-seed \
  --fetch-concurrency 0 --webhook-concurrency 0 \
  --rate-limit 1000000000 --auth-failures-per-minute 1000000000 --log warn >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
key=$("$bin" keys create --role admin --name schemathesis --db "$work/st.db" | grep -o 'cck_[0-9a-f]*_[0-9a-f]*')

# Revoking keys is left out: the run would revoke its own key and test nothing after.
schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --header "Authorization: Bearer $key" \
  --max-examples 30 \
  --exclude-path '/v1/admin/keys/{id}'
if grep -q "panicked" "$work/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 panicked "$work/server.log" >&2
  exit 1
fi

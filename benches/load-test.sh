#!/usr/bin/env bash
# Load test of `hecmap serve` on loopback with wrk: 50 concurrent clients
# for 30 s (override with CONNECTIONS and DURATION), mixing validate calls
# (1 request in 10: a statewide tract-level plan) with vector tile requests
# over Connecticut at zooms 8-14. Prints throughput, latency percentiles
# and errors. Traffic goes to 127.0.0.1 only and stops by itself.
#
#   benches/load-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked
export HECMAP_DATA="${HECMAP_DATA:-$(pwd)/../shared/data/ct}"
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
./target/release/hecmap example-plan counties > "$work/plan.csv"
./target/release/hecmap serve --port "$port" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.1; done

# Tile paths around Hartford, New Haven and the shore at zooms 8-14.
python3 - "$work/tiles.txt" <<'PY'
import math, sys
out = []
for lon, lat in [(-72.68, 41.76), (-72.92, 41.31), (-73.2, 41.18), (-72.1, 41.36), (-71.95, 41.9)]:
    for z in range(8, 15):
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        r = math.radians(lat)
        y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for layer in ("tracts", "towns"):
                    out.append(f"/tiles/{layer}/{z}/{x+dx}/{y+dy}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

cat > "$work/mix.lua" <<LUA
local tiles = {}
for line in io.lines("$work/tiles.txt") do tiles[#tiles + 1] = line end
local f = io.open("$work/plan.csv", "rb"); local plan = f:read("*a"); f:close()
local n = 0
request = function()
  n = n + 1
  if n % 10 == 0 then
    return wrk.format("POST", "/api/validate", {["Content-Type"] = "text/csv"}, plan)
  end
  return wrk.format("GET", tiles[(n % #tiles) + 1], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  io.write(string.format("requests: %d in %.1f s = %.0f req/s\n", summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  local e = summary.errors
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, status %d\n", e.connect, e.read, e.write, e.timeout, e.status))
end
LUA
wrk -t2 -c"${CONNECTIONS:-50}" -d"${DURATION:-30}s" --latency -s "$work/mix.lua" "http://127.0.0.1:$port"

#!/usr/bin/env bash
# One conference spread over a cluster of bridges on this machine: a redis-server and N bridges
# (default 3), each a separate process on loopback; the publisher joins the first, the subscribers
# join all of them in turn, and the bridges relay the conference to each other.
#   loadtest/bench-cluster.sh [BRIDGES] [load generator options...]
# e.g. loadtest/bench-cluster.sh 3 --subscribers 600 --join-rate 50 --duration 30
# Needs redis-server (Debian: redis-server). Ports: 18080+10i (HTTP), 18081+10i (admin), 20000+10i
# (media), 16379 (Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f signaling-api/target/junction.jar ] && [ -f loadtest/target/junction-loadtest.jar ] \
  || mvn -q -B package -DskipTests
n="${1:-3}"; shift || true
command -v redis-server >/dev/null || { echo "redis-server is missing (apt-get install redis-server)" >&2; exit 1; }
redis_port=16379
for _ in $(seq 1 50); do # a previous run's Redis may still be going away
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 || break
  sleep 0.2
done
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
redis=$!
for _ in $(seq 1 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || { echo "redis-server did not start on port $redis_port" >&2; exit 1; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  kill "$redis" 2>/dev/null || true
  wait "$redis" 2>/dev/null || true
}
trap cleanup EXIT
for i in $(seq 0 $((n - 1))); do
  log=$(mktemp -t junction-bench-b$i.XXXXXX.log)
  # shellcheck disable=SC2086
  JUNCTION_HTTP_PORT=$((18080 + 10 * i)) JUNCTION_ADMIN_PORT=$((18081 + 10 * i)) JUNCTION_MEDIA_PORT=$((20000 + 10 * i)) \
    JUNCTION_BRIDGE_ID="b$i" JUNCTION_REDIS_URL="redis://127.0.0.1:$redis_port" \
    JUNCTION_JAR=signaling-api/target/junction.jar deploy/junction --config config/loadtest-cluster.conf >"$log" 2>&1 &
  pids+=($!)
done
for i in $(seq 0 $((n - 1))); do
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$((18080 + 10 * i))/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
done
sleep 2 # a heartbeat: every bridge sees the others
spread=""; spread_pids=""
for i in $(seq 1 $((n - 1))); do
  spread="${spread:+$spread,}http://127.0.0.1:$((18081 + 10 * i))"
  spread_pids="${spread_pids:+$spread_pids,}${pids[$i]}"
done
extra=()
[ "$n" -gt 1 ] && extra=(--spread-admin "$spread" --spread-pids "$spread_pids")
java -jar loadtest/target/junction-loadtest.jar --admin "http://127.0.0.1:18081" --bridge-pid "${pids[0]}" \
  --conferences 1 --publishers 1 "${extra[@]}" "$@"

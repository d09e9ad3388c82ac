#!/usr/bin/env bash
# Runs one benchmark scenario against a Junction started here as a separate process (so its CPU is
# measured apart from the load generator's), on loopback ports 18080/18081/20000 (change them with
# BENCH_HTTP_PORT, BENCH_ADMIN_PORT and BENCH_MEDIA_PORT).
#   loadtest/bench.sh 10x10 | 5x4+4 | 1to200 | 1to1000 | whep200 | churn | custom [load generator options...]
# Builds first when the jars are missing. Extra arguments go to the load generator
# (e.g. --duration 60 --json out.json). JUNCTION_JAVA_OPTS is passed to the bridge's JVM
# (e.g. "-XX:StartFlightRecording=filename=bridge.jfr" to profile it). The bridge starts through
# deploy/junction, as users run it: on Java 25 with its AOT cache when there is one (JUNCTION_JAVA
# names another java binary, JUNCTION_AOT=off runs without the cache); the load generator runs on
# the java on PATH;
# LOADTEST_JAVA_OPTS is passed to the load generator's JVM (e.g. "-Xlog:gc:file=gen-gc.log").
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f signaling-api/target/junction.jar ] && [ -f loadtest/target/junction-loadtest.jar ] \
  || mvn -q -B package -DskipTests

scenario="${1:-10x10}"; shift || true
case "$scenario" in
  10x10)  args=(--conferences 1 --publishers 10 --subscribers 0) ;;   # 10 people, each sends and receives 9
  5x4+4)  args=(--conferences 5 --publishers 4 --subscribers 4) ;;
  1to200) args=(--conferences 1 --publishers 1 --subscribers 200 --join-rate 40) ;;
  1to1000) args=(--conferences 1 --publishers 1 --subscribers 1000 --join-rate 50) ;;  # one conference at the box's limit
  whep200) args=(--conferences 1 --publishers 1 --subscribers 200 --join-rate 40 --whep) ;;  # the same, viewers over WHEP
  churn)  args=(--conferences 2 --publishers 3 --subscribers 4 --churn 2 --reading-every 30 --duration 300) ;;  # soak: no growth
  custom) args=() ;;
  *) echo "unknown scenario $scenario (10x10, 5x4+4, 1to200, 1to1000, whep200, churn, custom)" >&2; exit 2 ;;
esac

http_port="${BENCH_HTTP_PORT:-18080}"; admin_port="${BENCH_ADMIN_PORT:-18081}"; media_port="${BENCH_MEDIA_PORT:-20000}"
if curl -fs "http://127.0.0.1:$http_port/health" >/dev/null 2>&1; then
  echo "a Junction already answers on 127.0.0.1:$http_port; stop it first (the benchmark must measure its own bridge)" >&2
  exit 1
fi
log=$(mktemp -t junction-bench.XXXXXX.log)
# shellcheck disable=SC2086
JUNCTION_HTTP_PORT="$http_port" JUNCTION_ADMIN_PORT="$admin_port" JUNCTION_MEDIA_PORT="$media_port" \
  JUNCTION_JAR=signaling-api/target/junction.jar deploy/junction --config config/loadtest.conf >"$log" 2>&1 &
bridge=$!
trap 'kill $bridge 2>/dev/null; wait $bridge 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$http_port/health" >/dev/null 2>&1 && break
  kill -0 "$bridge" 2>/dev/null || break
  sleep 0.2
done
if ! kill -0 "$bridge" 2>/dev/null; then
  grep -m1 '^junction:' "$log" >&2 || true
  echo "the bridge did not start (ports $http_port/$admin_port/$media_port; set BENCH_*_PORT for others); its log: $log" >&2
  exit 1
fi
java ${LOADTEST_JAVA_OPTS:-} -jar loadtest/target/junction-loadtest.jar --admin "http://127.0.0.1:$admin_port" --bridge-pid "$bridge" "${args[@]}" "$@"

#!/usr/bin/env bash
# The capacity curve: K conferences of 4 publishers + 4 subscribers for each K given (default
# 5 10 15 20 25 30), 30 s each on a fresh bridge (loadtest/bench.sh), then a PNG of forwarded packets
# per second against one-way latency p99 and loss.
#   loadtest/capacity.sh [OUT.png] [K ...]        (default OUT: docs/capacity.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/capacity.png}"; shift || true
ks=("$@"); [ ${#ks[@]} -gt 0 ] || ks=(5 10 15 20 25 30)
dir=$(mktemp -d -t junction-capacity.XXXXXX)
for k in "${ks[@]}"; do
  echo "=== $k conferences ($((k * 56)) streams)"
  loadtest/bench.sh custom --conferences "$k" --publishers 4 --subscribers 4 --duration 30 --no-baseline --quiet \
    --json "$dir/$((k * 56)) streams.json" | grep -E "loss \(|withheld by|one-way|CPU per forwarded|kernel UDP"
done
java -cp loadtest/target/junction-loadtest.jar io.junction.loadtest.CapacityPlot "$out" "$dir"/*.json
echo "reports: $dir"

#!/usr/bin/env bash
# Trains a JDK 25 ahead-of-time cache for the bridge (JEP 483, 514, 515): runs it under load
# (loadtest/bench.sh 5x4+4 for 30 s) with -XX:AOTCacheOutput, so that a bridge started with
# -XX:AOTCache=FILE starts with its classes loaded and linked and with the method profiles of the
# training run, and compiles its hot paths sooner (docs/performance.md, "Java 25 and its AOT cache").
#   loadtest/aot-cache.sh [OUT]          (default junction.aot; JAVA_HOME: a JDK 25 or later)
# Then: $JAVA_HOME/bin/java -XX:AOTCache=junction.aot -jar signaling-api/target/junction.jar
# A cache fits only the JVM and the jar it was trained with (the JVM says so and ignores it
# otherwise): train again after each build. Java 17 does not know the option and will not start.
set -euo pipefail
cd "$(dirname "$0")/.."
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if ! "$java_home/bin/java" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput '; then
  echo "$java_home is not a JDK 25 or later (set JAVA_HOME)" >&2
  exit 2
fi
out="$(realpath -m "${1:-junction.aot}")"
rm -f "$out"
PATH="$java_home/bin:$PATH" JUNCTION_JAVA_OPTS="-XX:AOTCacheOutput=$out" \
  loadtest/bench.sh 5x4+4 --duration 30 --no-baseline --quiet | grep -E "loss \(|CPU per forwarded"
if [ ! -s "$out" ]; then
  echo "no cache was written to $out" >&2
  exit 1
fi
echo "AOT cache: $out ($(du -h "$out" | cut -f1)); run with: $java_home/bin/java -XX:AOTCache=$out -jar signaling-api/target/junction.jar"

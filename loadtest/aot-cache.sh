#!/usr/bin/env bash
# Trains the bridge's ahead-of-time cache on Java 25 (JEP 483, 514, 515): runs the bridge under load
# (loadtest/bench.sh 5x4+4 for 30 s, loopback only) with -XX:AOTCacheOutput, so that a bridge started
# with the cache has its classes loaded and linked and the training run's method profiles at start,
# and compiles its hot paths sooner (docs/performance.md, "Java 25 and its AOT cache").
#   loadtest/aot-cache.sh [--optional] [OUT]
# OUT defaults to signaling-api/target/junction.aot, beside the jar, where deploy/junction looks.
# The Java is the one deploy/junction picks (a Java 25 or later: JUNCTION_JAVA, JAVA_HOME, /usr/lib/jvm).
# Writes OUT.stamp (`deploy/junction --aot-stamp`: that Java's build, the jar's SHA-256 and the object
# layout the JUNCTION_JAVA_OPTS in the environment give): the launcher uses the cache only while all
# three still match, since the JVM does not notice a rebuilt jar. Train with the JUNCTION_JAVA_OPTS
# the bridge runs with (e.g. JUNCTION_JAVA_OPTS=-XX:+UseZGC loadtest/aot-cache.sh for a ZGC bridge).
# --optional (what `mvn package` runs): no Java 25, or a failed training, is a warning, not an error.
set -euo pipefail
cd "$(dirname "$0")/.."
optional=false
if [ "${1:-}" = "--optional" ]; then optional=true; shift; fi
out="$(realpath -m "${1:-signaling-api/target/junction.aot}")"
jar=signaling-api/target/junction.jar

skip() {  # a warning when optional, else an error
  if $optional; then echo "aot-cache: $1; the bridge will start without an AOT cache" >&2; exit 0; fi
  echo "aot-cache: $1" >&2; exit 2
}
java_home="$(deploy/junction --java-home)" || skip "no java found"
if $optional && { [ ! -f "$jar" ] || [ ! -f loadtest/target/junction-loadtest.jar ]; }; then
  skip "the jars are not built"
fi
# The launcher's own stamp for this Java, jar and JUNCTION_JAVA_OPTS (it refuses Java below 25): one definition for both.
stamp="$(JUNCTION_JAVA="$java_home/bin/java" JUNCTION_JAR="$jar" deploy/junction --aot-stamp)" \
  || skip "$java_home is not a Java 25 or later (set JUNCTION_JAVA or JAVA_HOME)"

rm -f "$out" "$out.stamp"
started=$(date +%s)
# Trained with the JUNCTION_JAVA_OPTS the bridge will run with (its GC and heap size decide the
# cache's object layout, part of the stamp).
if ! JUNCTION_JAVA="$java_home/bin/java" JUNCTION_JAVA_OPTS="${JUNCTION_JAVA_OPTS:-} -XX:AOTCacheOutput=$out" \
    loadtest/bench.sh 5x4+4 --duration 30 --no-baseline --quiet >"$out.log" 2>&1 || [ ! -s "$out" ]; then
  rm -f "$out"
  skip "the training run failed (its output: $out.log)"
fi
echo "$stamp" >"$out.stamp"
echo "aot-cache: $out ($(du -h "$out" | cut -f1), ${stamp%% *}, trained in $(( $(date +%s) - started )) s); deploy/junction uses it"

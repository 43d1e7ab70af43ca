#!/usr/bin/env bash
# Side-by-side benchmark of brokerd and Apache Kafka on this machine (issue 7); see bench/README.md.
# Builds with -Pkafka-compare (fetches Kafka's jars into bench/target/kafka-lib on first use), installs brokerd
# into a temporary PREFIX with install.sh, then runs CompareHarness, which starts Kafka and brokerd one after the
# other on 127.0.0.1, runs the same workloads against each, prints the table and appends it to bench/RESULTS.md.
#   bench/compare.sh [CompareHarness options, e.g. --records 500000 --cluster false --systems sluice]
#   SKIP_BUILD=1 bench/compare.sh    reuse the last build
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -Pkafka-compare -DskipTests package -pl brokerd,ctl,bench -am
fi
[ -d bench/target/kafka-lib ] || { echo "compare.sh: bench/target/kafka-lib missing: run without SKIP_BUILD=1" >&2; exit 1; }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
PREFIX="$prefix" SKIP_BUILD=1 ./install.sh >/dev/null
# run from copies, so that a rebuild during the run cannot change a jar under a running JVM
mkdir -p "$prefix/bench/lib" "$prefix/kafka-lib"
cp bench/target/bench-0.1.0-SNAPSHOT.jar bench/target/lib/*.jar "$prefix/bench/lib/"
cp bench/target/kafka-lib/*.jar "$prefix/kafka-lib/"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit+dirty"
java -Xmx2g -cp "$prefix/bench/lib/*" io.sluice.bench.CompareHarness \
  --kafka-lib "$prefix/kafka-lib" --brokerd "$prefix/bin/brokerd" --results bench/RESULTS.md \
  --commit "$commit" --command "bench/compare.sh${*:+ $*}" "$@"

#!/usr/bin/env bash
# Starts an in-tree brokerd on a free port and a temp data dir, measures launch-to-ready time and idle RSS,
# runs LoadTool against it, stops brokerd by its PID and prints everything.
#   bench/run-load.sh [LoadTool options, e.g. --records 2000000 --acks all]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q -DskipTests package -pl brokerd,bench -am
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
log="$data/brokerd.log"
start_ns=$(date +%s%N)
java -XX:+UseSerialGC -Xms32m -Xmx1g -XX:MaxDirectMemorySize=256m -XX:+ExitOnOutOfMemoryError -cp "brokerd/target/brokerd-0.1.0-SNAPSHOT.jar:brokerd/target/lib/*" \
  io.sluice.brokerd.Main --set "listeners=127.0.0.1:$port" --set "data.dir=$data/data" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do
  grep -q "ready in" "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.02
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 2 # let start-up settle before reading idle memory
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "brokerd pid $pid on 127.0.0.1:$port"
echo "launch_to_ready_ms          $ready_ms (brokerd's own: $(grep -o 'ready in [0-9]* ms' "$log"))"
echo "idle_rss_mb                 $((idle_rss_kb / 1024))"
java -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" io.sluice.bench.LoadTool \
  --bootstrap "127.0.0.1:$port" --broker-pid "$pid" "$@"

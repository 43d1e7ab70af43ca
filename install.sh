#!/usr/bin/env bash
# Builds Sluice and installs brokerd, sluice and their man pages under PREFIX (default ~/.local).
# Needs Java 17+ and Maven; no root. Starts brokerd once, briefly, on 127.0.0.1 to make its class-data archive.
#
#   ./install.sh                      build and install under ~/.local
#   PREFIX=/opt/sluice ./install.sh   install elsewhere
#   SKIP_BUILD=1 ./install.sh         install what the last build left in */target
#   SKIP_CDS=1 ./install.sh           no class-data archive for brokerd (it then starts about twice as slowly)
set -euo pipefail

PREFIX="${PREFIX:-$HOME/.local}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "install.sh: $*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found: install a Java 17+ runtime (e.g. apt-get install openjdk-17-jdk)"
java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is needed, found ${java_major:-unknown}"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Apache Maven 3.8+ (e.g. apt-get install maven)"
  echo "Building (mvn package, tests skipped; run 'mvn -B verify -Pquick-faults' for the test suite, as CI does)..."
  (cd "$here" && mvn -B -q -DskipTests package)
fi

lib="$PREFIX/share/sluice/lib"
for part in brokerd ctl; do
  ls "$here/$part/target/$part-"*.jar >/dev/null 2>&1 || die "$part/target has no jar: run without SKIP_BUILD=1"
done

install_libs() { # module, destination name
  local dest="$lib/$2"
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$here/$1/target/$1-"*.jar "$here/$1/target/lib/"*.jar "$dest/"
}
install_libs brokerd brokerd
install_libs ctl sluice

mkdir -p "$PREFIX/bin"
cds_archive="$PREFIX/share/sluice/brokerd.jsa"
rm -f "$cds_archive"
cat > "$PREFIX/bin/brokerd" <<LAUNCHER
#!/bin/sh
# Sluice broker launcher (installed by install.sh). BROKERD_OPTS (or JAVA_OPTS) adds or overrides JVM options.
# Defaults suit a lean broker on a small machine: serial GC, a heap that starts at 32 MiB and grows to 1 GiB.
# Out of memory, the JVM exits (status 3) so that its supervisor restarts a clean broker instead of one that limps.
# $cds_archive, when present, is the class-data archive install.sh
# made by starting brokerd once: classes come from it already parsed and verified, which roughly halves the CPU
# time to start. Without it, or when it no longer matches this java or these jars, the JVM loads classes from the
# jars as usual (-Xshare:auto), silently.
cds=
[ -r "$cds_archive" ] && cds="-XX:SharedArchiveFile=$cds_archive -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
exec java -XX:+UseSerialGC -Xms32m -Xmx1g -XX:MaxDirectMemorySize=256m -XX:+ExitOnOutOfMemoryError \$cds \$JAVA_OPTS \$BROKERD_OPTS \\
  -cp "$lib/brokerd/*" io.sluice.brokerd.Main "\$@"
LAUNCHER
cat > "$PREFIX/bin/sluice" <<LAUNCHER
#!/bin/sh
# Sluice operator CLI launcher (installed by install.sh).
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \$JAVA_OPTS -cp "$lib/sluice/*" io.sluice.ctl.SluiceCommand "\$@"
LAUNCHER
chmod 755 "$PREFIX/bin/brokerd" "$PREFIX/bin/sluice"

# Class-data archive for brokerd (JDK 12+ dynamic AppCDS): start it once on a scratch data dir and free ports,
# produce one record with the sluice CLI (the first-produce path: auto-create, leader election, append), stop it
# with SIGTERM; the JVM writes the classes it loaded on exit. Any failure leaves no archive: brokerd then starts
# as before, only slower. SKIP_CDS=1 skips this step.
make_cds_archive() {
  local work pid port i
  work=$(mktemp -d)
  BROKERD_OPTS="-XX:ArchiveClassesAtExit=$cds_archive.tmp -Xlog:cds=off -Xlog:cds+dynamic=off" JAVA_OPTS= \
    "$PREFIX/bin/brokerd" --set listeners=127.0.0.1:0 --set metrics.listener=127.0.0.1:0 \
    --set data.dir="$work/data" >"$work/brokerd.log" 2>&1 &
  pid=$!
  for i in $(seq 1 600); do # up to 60 s
    grep -q ' ready in ' "$work/brokerd.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  port=$(sed -n 's/.* listener=[^ ]*:\([0-9][0-9]*\) .*/\1/p' "$work/brokerd.log" | head -1)
  if [ -n "$port" ]; then
    echo cds-training | "$PREFIX/bin/sluice" --brokers "127.0.0.1:$port" produce cds-training >/dev/null 2>&1 || true
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -n "$port" ] && [ -s "$cds_archive.tmp" ]; then
    mv "$cds_archive.tmp" "$cds_archive"
  else
    rm -f "$cds_archive.tmp"
    echo "install.sh: note: no class-data archive for brokerd (training run failed, see below); it starts without one" >&2
    tail -5 "$work/brokerd.log" >&2
  fi
  rm -rf "$work"
}
if [ "${SKIP_CDS:-0}" != 1 ]; then
  echo "Making brokerd's class-data archive (starts brokerd once on 127.0.0.1, a few seconds)..."
  make_cds_archive
fi

for section in 1 5 8; do
  mkdir -p "$PREFIX/share/man/man$section"
  for page in "$here"/man/*."$section"; do
    [ -e "$page" ] && cp "$page" "$PREFIX/share/man/man$section/"
  done
done

echo "Installed brokerd and sluice in $PREFIX/bin, man pages in $PREFIX/share/man."
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "Note: $PREFIX/bin is not on your PATH." ;;
esac
echo "Start the single-node broker with: $PREFIX/bin/brokerd"

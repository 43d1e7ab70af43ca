#!/usr/bin/env bash
# Builds Sluice and installs brokerd, sluice and their man pages under PREFIX (default ~/.local).
# Needs Java 17+ and Maven; no root. Starts nothing.
#
#   ./install.sh                      build and install under ~/.local
#   PREFIX=/opt/sluice ./install.sh   install elsewhere
#   SKIP_BUILD=1 ./install.sh         install what the last build left in */target
set -euo pipefail

PREFIX="${PREFIX:-$HOME/.local}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "install.sh: $*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found: install a Java 17+ runtime (e.g. apt-get install openjdk-17-jdk)"
java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is needed, found ${java_major:-unknown}"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Apache Maven 3.8+ (e.g. apt-get install maven)"
  echo "Building (mvn package, tests skipped; run 'mvn -B verify' for the test suite)..."
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
cat > "$PREFIX/bin/brokerd" <<LAUNCHER
#!/bin/sh
# Sluice broker launcher (installed by install.sh). BROKERD_OPTS (or JAVA_OPTS) adds or overrides JVM options.
# Defaults suit a lean broker on a small machine: serial GC, a heap that starts at 32 MiB and grows to 1 GiB.
exec java -XX:+UseSerialGC -Xms32m -Xmx1g -XX:MaxDirectMemorySize=256m \$JAVA_OPTS \$BROKERD_OPTS \\
  -cp "$lib/brokerd/*" io.sluice.brokerd.Main "\$@"
LAUNCHER
cat > "$PREFIX/bin/sluice" <<LAUNCHER
#!/bin/sh
# Sluice operator CLI launcher (installed by install.sh).
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \$JAVA_OPTS -cp "$lib/sluice/*" io.sluice.ctl.SluiceCommand "\$@"
LAUNCHER
chmod 755 "$PREFIX/bin/brokerd" "$PREFIX/bin/sluice"

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

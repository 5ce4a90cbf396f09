#!/bin/sh
# Builds the mesos-java client library with plain javac and jar (no build tool, no
# dependencies), Java 8 compatible:
#   OUTDIR/classes       the library's classes
#   OUTDIR/mesos.jar     the library (the mesos-java RPM installs /usr/share/java/mesos/mesos.jar;
#                        the spec builds its own reproducible jar from the same sources)
#   OUTDIR/test-classes  the tests and examples/HelloScheduler (unless --no-tests)
# Usage: clients/java/build.sh OUTDIR [--no-tests]
# Then:  java -cp OUTDIR/mesos.jar:OUTDIR/test-classes io.mesosts.v1.TestMain
#        java -cp OUTDIR/mesos.jar:OUTDIR/test-classes HelloScheduler --master=HOST:PORT
set -eu

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 OUTDIR [--no-tests]" >&2
  exit 2
fi
out=$1
tests=yes
[ "${2:-}" = "--no-tests" ] && tests=no
here=$(cd "$(dirname "$0")" && pwd)

for tool in javac jar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' not found; install a JDK (8 or newer)" >&2; exit 1; }
done

# javac 8 has no --release; both spellings produce Java 8 class files.
if javac --help 2>&1 | grep -q -- '--release'; then
  release="--release 8"
else
  release="-source 1.8 -target 1.8"
fi
version=${MESOS_JAR_VERSION:-$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$here/../../package.json" 2>/dev/null | head -n 1)}
version=${version:-0.0.0}

rm -rf "$out/classes" "$out/test-classes" "$out/mesos.jar"
mkdir -p "$out/classes"
find "$here/src/main/java" -name '*.java' | LC_ALL=C sort > "$out/main-sources.txt"
# shellcheck disable=SC2086
javac $release -Xlint:all -Xlint:-options -encoding UTF-8 -d "$out/classes" @"$out/main-sources.txt"

printf 'Implementation-Title: mesos\nImplementation-Version: %s\n' "$version" > "$out/manifest.txt"
jar cfm "$out/mesos.jar" "$out/manifest.txt" -C "$out/classes" .

if [ "$tests" = yes ]; then
  mkdir -p "$out/test-classes"
  { find "$here/src/test/java" -name '*.java'; find "$here/examples" -name '*.java'; } | LC_ALL=C sort > "$out/test-sources.txt"
  # shellcheck disable=SC2086
  javac $release -Xlint:all -Xlint:-options -encoding UTF-8 -cp "$out/mesos.jar" -d "$out/test-classes" @"$out/test-sources.txt"
fi
echo "built $out/mesos.jar (version $version)"

#!/bin/sh
# Installs the host tools packaging and its tests use, with apt (Debian, CI) or dnf
# (Fedora), when missing. Idempotent; prints nothing when everything is present.
#
#   packaging/host-prereqs.sh          the tools npm run dist needs
#   packaging/host-prereqs.sh --tests  also those test/packaging and test/e2e use
#
# On Debian the rpm database stays empty, so rpmbuild runs with --nodeps there: this
# script is what stands for the spec's BuildRequires (javac, python3, patchelf, ...).
set -eu

with_tests=0
[ "${1:-}" = "--tests" ] && with_tests=1

# command the packaging needs : Debian package : Fedora package
tools='
rpmbuild:rpm:rpm-build
rpm2cpio:rpm2cpio:rpm
cpio:cpio:cpio
createrepo_c:createrepo-c:createrepo_c
patchelf:patchelf:patchelf
javac:default-jdk-headless:java-devel
python3:python3:python3
xz:xz-utils:xz
gzip:gzip:gzip
tar:tar:tar
git:git:git
unshare:util-linux:util-linux
runuser:util-linux:util-linux
'
test_tools='
rpmlint:rpmlint:rpmlint
dnf:dnf:dnf
debootstrap:debootstrap:debootstrap
hyperfine:hyperfine:hyperfine
zstd:zstd:zstd
systemd-nspawn:systemd-container:systemd-container
'
[ "$with_tests" = 1 ] && tools="$tools$test_tools"

if command -v apt-get >/dev/null 2>&1; then
  field=2
elif command -v dnf >/dev/null 2>&1 && [ -f /etc/fedora-release ]; then
  field=3
else
  echo "host-prereqs: neither apt-get (Debian) nor dnf (Fedora) found; install by hand:" >&2
  echo "$tools" | cut -d: -f1 | tr '\n' ' ' >&2
  echo >&2
  exit 1
fi

missing=
for line in $tools; do
  cmd=${line%%:*}
  command -v "$cmd" >/dev/null 2>&1 && continue
  pkg=$(echo "$line" | cut -d: -f"$field")
  case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
  sudo=
elif command -v sudo >/dev/null 2>&1; then
  sudo=sudo
else
  echo "host-prereqs: missing:$missing; run this script as root" >&2
  exit 1
fi

echo "host-prereqs: installing$missing" >&2
if [ "$field" = 2 ]; then
  $sudo apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  # shellcheck disable=SC2086
  $sudo dnf install -y -q $missing >/dev/null
fi

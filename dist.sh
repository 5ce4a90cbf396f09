#!/usr/bin/env bash
# The main job: installs the host tools it needs (rpm, createrepo-c, patchelf, a JDK, ... with
# apt on Debian or dnf on Fedora; as root, or it says what to install) and the npm packages,
# then builds the `mesos` binary, the SRPM, the Fedora and CentOS 7 RPMs and the yum repository
# into rpms/ (see rpms/README.md).
set -euo pipefail
cd "$(dirname "$0")"
bash packaging/host-prereqs.sh
bash packaging/npm-deps.sh
exec npm run --silent dist

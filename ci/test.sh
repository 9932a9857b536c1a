#!/usr/bin/env bash
# The test entry point: installs what the tests need, then runs every test (unit, real qemu-img,
# real QEMU guests, real ansible-playbook) through Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh ansible
mvn -B -ntp verify "$@"

#!/usr/bin/env bash
# Installs the system tools the checks use beyond cargo. Idempotent: each tool is installed only
# when its command is missing. Assumes root and a Debian/Ubuntu image (CI containers).
#
# To add a tool, append a `need COMMAND PACKAGE` line at the bottom.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt_updated=0

# apt_install PACKAGE...: `apt-get update` at most once per run, then install.
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq
        apt_updated=1
    fi
    apt-get install -y -qq "$@"
}

# need COMMAND PACKAGE: install PACKAGE unless COMMAND is already on PATH.
need() {
    if command -v "$1" >/dev/null 2>&1; then
        echo "install-deps: $1 already present ($(command -v "$1"))"
    else
        echo "install-deps: $1 not found, installing $2"
        apt_install "$2"
    fi
}

# graphviz: `dot -Tsvg` renders the lock-order graph (rtnl-checks `LockGraph::to_svg`).
need dot graphviz
# iproute2: `ip netns`/`ip link` run the scenarios on the real kernel (`rtnl-check conform`).
need ip iproute2
# setpriv (util-linux): the conformance test re-runs itself unprivileged to check the root error.
need setpriv util-linux
# jq: checks/golden.sh normalizes JSON outputs (drops timings) before comparing.
need jq jq

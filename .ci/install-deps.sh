#!/usr/bin/env bash
# Installs the system tools the checks use beyond cargo. Idempotent: each tool is installed only
# when its command is missing. Assumes root and a Debian/Ubuntu image (CI containers).
# Prints one line per tool; apt's own output goes to a log, shown only when apt fails.
#   bash .ci/install-deps.sh           # every tool
#   bash .ci/install-deps.sh dot ip    # only these commands
#
# To add a tool, append a `need COMMAND PACKAGE` line at the bottom.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX.log")
trap 'rm -f "$log"' EXIT

# quiet CMD...: runs CMD with its output in the log; on failure prints the log and fails.
quiet() {
    if ! "$@" >>"$log" 2>&1; then
        echo "install-deps: '$*' failed; its output:" >&2
        cat "$log" >&2
        exit 1
    fi
}

# apt_install PACKAGE...: `apt-get update` at most once per run, then install.
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        quiet apt-get update -qq
        apt_updated=1
    fi
    quiet apt-get install -y -qq "$@"
}

only=" $* "

# need COMMAND PACKAGE: install PACKAGE unless COMMAND is already on PATH.
need() {
    if [ "$only" != "  " ] && [[ "$only" != *" $1 "* ]]; then
        return 0
    fi
    if command -v "$1" >/dev/null 2>&1; then
        echo "install-deps: $1 found ($(command -v "$1"))"
    else
        local t0=$SECONDS
        apt_install "$2"
        echo "install-deps: $1 installed (package $2, $((SECONDS - t0))s)"
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
# chromium: the HTML counterexample test loads the page in a headless browser (checks/tests/html.rs).
need chromium chromium

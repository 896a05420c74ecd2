#!/usr/bin/env bash
# The benchmarks of docs/performance.md: measurements to read, never timed tests.
#   bash checks/bench.sh            # loom bound 2, shuttle and PCT rates, lock-graph scaling
#   bash checks/bench.sh --long     # also loom without a bound for 10 minutes
#   bash checks/bench.sh --dpor     # the DPOR figures (checks/bench-dpor.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ "${1:-}" = "--dpor" ]; then
    shift
    exec bash checks/bench-dpor.sh "$@"
fi
check=checks/rtnl-check
"$check" --build
scenario=checks/scenarios/cover-letter-netns-del.sh

rate() { # explorer, mode, iterations: executions per second from the JSON stats
    "$check" check "$scenario" --explorer "$1" --mode "$2" --iterations "$3" --format json |
        python3 -c 'import json,sys
s = json.load(sys.stdin)[0]["modes"][0]["stats"]
n, t = s["executions"], s["seconds"]
print("%d executions in %.2f s: %.0f executions/s" % (n, t, n / t))'
}

echo "== loom, preemption bound 2, $scenario"
for mode in pre-series series; do
    "$check" check "$scenario" --explorer loom --preemptions 2 --mode "$mode" | grep -E "== mode|executions"
done
echo "== shuttle random and PCT (depth 3), $scenario"
for mode in pre-series series; do
    for e in shuttle pct; do echo "$mode $e: $(rate $e $mode 20000)"; done
done
echo "== lock-order graph scaling"
cargo run --quiet --release -p rtnl-checks --example lockgraph_bench --target-dir target-std
if [ "${1:-}" = "--long" ]; then
    echo "== loom without a bound, 10 minutes, series"
    "$check" check "$scenario" --explorer loom --mode series --max-seconds 600 | grep -E "== mode|executions"
fi

#!/usr/bin/env bash
# The DPOR benchmarks of docs/performance.md ("DPOR"): measurements to read, never timed tests.
# Each figure is one command's output; times depend on the machine and on what else runs.
#   bash checks/bench-dpor.sh            # about 10 minutes on 2 cores
#   bash checks/bench-dpor.sh --long     # also cover-letter-netns-del with no bound, 10 minutes
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check=checks/rtnl-check
"$check" --build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run: "executions exhausted seconds peak-RSS-KB" from the JSON stats and /usr/bin/time.
measure() {
    /usr/bin/time -f "%M" -o "$tmp/rss" "$check" check "$@" --format json >"$tmp/out" 2>/dev/null || true
    python3 - "$tmp/out" "$(cat "$tmp/rss")" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))[0]["modes"][0]
s = m["stats"]
print("%d %s %.1f %s %s" % (s["executions"], "exhausted" if s["exhausted"] else "not-exhausted",
      s["seconds"], sys.argv[2], "pass" if m["passed"] else "FAIL"))
PY
}

echo "== per proof scenario, series: executions (exhausted?) and seconds; 45 s per run at most"
printf "%-34s %-26s %-26s %-26s %-26s %-30s %s\n" scenario "loom bound 2" "loom bound 3" "dpor bound 2" "dpor bound 3" "dpor no bound" "rate dpor / pct (exec/s)"
for f in checks/scenarios/proofs/*.sh; do
    name=$(basename "$f" .sh)
    row=()
    for b in 2 3; do
        if [ "$name" = veth-pair-race-move ]; then row+=("(6 threads: no loom)"); continue; fi
        read -r n ex s _ _ < <(measure "$f" --mode series --explorer loom --preemptions "$b" --max-seconds 45)
        row+=("$n $ex $s s")
    done
    for b in 2 3; do
        read -r n ex s _ _ < <(measure "$f" --mode series --explorer dpor --preemptions "$b" --max-seconds 45)
        row+=("$n in $s s")
    done
    read -r n ex s _ _ < <(measure "$f" --mode series --explorer dpor --max-seconds 45)
    row+=("$n $ex $s s")
    dr=$(python3 -c "print(round($n / max($s, 0.01)))")
    read -r pn _ ps _ _ < <(measure "$f" --mode series --explorer pct --iterations 5000)
    pr=$(python3 -c "print(round($pn / max($ps, 0.01)))")
    printf "%-34s %-26s %-26s %-26s %-26s %-30s %s\n" "$name" "${row[0]}" "${row[1]}" "${row[2]}" "${row[3]}" "${row[4]}" "$dr / $pr"
done

echo "== cover-letter.sh, series, dpor with no bound: executions, exhausted, seconds, peak RSS KB"
measure checks/scenarios/cover-letter.sh --mode series --explorer dpor

echo "== scaling: N concurrent 'ip -n ns1 link del vethK' of N veth pairs (ns1 to ns2), series, dpor with no bound (300 s at most)"
echo "N executions exhausted seconds peak-RSS-KB verdict"
for n in 1 2 3 4; do
    s="$tmp/scale-$n.sh"
    { echo "ip netns add ns1"; echo "ip netns add ns2"
      for k in $(seq 1 "$n"); do echo "ip -n ns1 link add veth$k type veth peer name peer$k netns ns2"; done
      for k in $(seq 1 "$n"); do echo "ip -n ns1 link del veth$k &"; done
      echo wait; } >"$s"
    echo "$n $(measure "$s" --mode series --explorer dpor --max-seconds 300)"
done

echo "== edit to verdict: one line of model/src/dev.rs changed, then the cover letter, dpor bound 2 (build included)"
cp model/src/dev.rs "$tmp/dev.rs"
echo "// bench: an edit" >>model/src/dev.rs
start=$(date +%s.%N)
"$check" check checks/scenarios/cover-letter.sh --explorer dpor --preemptions 2 --mode series --format summary | tail -1
cp "$tmp/dev.rs" model/src/dev.rs
python3 -c "print('edit to verdict: %.1f s' % ($(date +%s.%N) - $start))"
"$check" --build >/dev/null

if [ "${1:-}" = "--long" ]; then
    echo "== cover-letter-netns-del.sh, series, dpor with no bound, 10 minutes"
    measure checks/scenarios/cover-letter-netns-del.sh --mode series --explorer dpor --max-seconds 600
fi

#!/usr/bin/env bash
# The DPOR benchmarks of docs/performance.md ("DPOR"): measurements to read, never timed tests.
# Each figure is one command's output; times depend on the machine and on what else runs.
#   bash checks/bench-dpor.sh            # about 10 minutes on 2 cores
#   CAP=20 SCALE_CAP=60 bash checks/bench-dpor.sh   # shorter caps per run (defaults 45 and 300 s)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check=checks/rtnl-check
cap=${CAP:-45}
scale_cap=${SCALE_CAP:-300}
"$check" --build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run: "executions exhausted seconds peak-RSS-KB" from the JSON stats and /usr/bin/time.
# The run goes straight to the build its explorer needs, so the RSS is the exploring
# process's (through checks/rtnl-check it would be cargo's freshness check, about 330 MB).
measure() {
    local bin=target-shuttle/release/rtnl-check
    case " $* " in *" loom "*) bin=target-loom/release/rtnl-check ;; esac
    /usr/bin/time -f "%M" -o "$tmp/rss" "$bin" check "$@" --format json >"$tmp/out" 2>/dev/null || true
    python3 - "$tmp/out" "$(cat "$tmp/rss")" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))[0]["modes"][0]
s = m["stats"]
print("%d %s %.2f %s %s" % (s["executions"], "exhausted" if s["exhausted"] else "not-exhausted",
      s["seconds"], sys.argv[2], "pass" if m["passed"] else "FAIL"))
PY
}

# Executions per second, or "-" for a run too short to time (under half a second).
rate() {
    python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[2]); print(round(n / s) if s >= 0.5 else '-')" "$1" "$2"
}

echo "== per proof scenario, series: executions (exhausted?) and seconds; $cap s per run at most"
printf "%-34s %-26s %-26s %-26s %-26s %-30s %-30s %s\n" scenario "loom bound 2" "loom bound 3" "dpor bound 2" "dpor bound 3" "dpor no bound" "dpor no bound, 2 threads" "rate dpor / dpor 2 threads / pct (exec/s)"
for f in checks/scenarios/proofs/*.sh; do
    name=$(basename "$f" .sh)
    row=()
    for b in 2 3; do
        if [ "$name" = veth-pair-race-move ]; then row+=("(6 threads: no loom)"); continue; fi
        read -r n ex s _ _ < <(measure "$f" --mode series --explorer loom --preemptions "$b" --max-seconds "$cap")
        row+=("$n $ex $s s")
    done
    for b in 2 3; do
        read -r n ex s _ _ < <(measure "$f" --mode series --explorer dpor --preemptions "$b" --max-seconds "$cap")
        row+=("$n in $s s")
    done
    read -r n ex s _ _ < <(measure "$f" --mode series --explorer dpor --max-seconds "$cap")
    row+=("$n $ex $s s")
    dr=$(rate "$n" "$s")
    read -r n ex s _ _ < <(measure "$f" --mode series --explorer dpor --jobs 2 --max-seconds "$cap")
    row+=("$n $ex $s s")
    jr=$(rate "$n" "$s")
    read -r pn _ ps _ _ < <(measure "$f" --mode series --explorer pct --iterations 20000)
    pr=$(rate "$pn" "$ps")
    printf "%-34s %-26s %-26s %-26s %-26s %-30s %-30s %s\n" "$name" "${row[0]}" "${row[1]}" "${row[2]}" "${row[3]}" "${row[4]}" "${row[5]}" "$dr / $jr / $pr"
done

echo "== cover-letter.sh, series, one CPU, dpor with no bound, on 1 and 2 threads: executions, exhausted, seconds, peak RSS KB"
measure checks/scenarios/cover-letter.sh --mode series --cpus 1 --explorer dpor
measure checks/scenarios/cover-letter.sh --mode series --cpus 1 --explorer dpor --jobs 2

echo "== scaling: N concurrent 'ip -n ns1 link del vethK' of N veth pairs (ns1 to ns2), series, dpor with no bound ($scale_cap s at most)"
echo "N executions exhausted seconds peak-RSS-KB verdict"
for n in 1 2 3 4; do
    s="$tmp/scale-$n.sh"
    { echo "ip netns add ns1"; echo "ip netns add ns2"
      for k in $(seq 1 "$n"); do echo "ip -n ns1 link add veth$k type veth peer name peer$k netns ns2"; done
      for k in $(seq 1 "$n"); do echo "ip -n ns1 link del veth$k &"; done
      echo wait; } >"$s"
    echo "$n $(measure "$s" --mode series --explorer dpor --max-seconds "$scale_cap")"
done

# One line appended to model/src/dev.rs, then one check through checks/rtnl-check (the
# rebuild included): the loop a kernel developer lives in.
edit_to_verdict() {
    cp model/src/dev.rs "$tmp/dev.rs"
    echo "// bench: an edit" >>model/src/dev.rs
    local start
    start=$(date +%s.%N)
    "$check" check "$@" --format summary | tail -1
    cp "$tmp/dev.rs" model/src/dev.rs
    python3 -c "print('edit to verdict: %.1f s' % ($(date +%s.%N) - $start))"
    "$check" --build >/dev/null
}

echo "== edit to verdict: one line of model/src/dev.rs changed, then the cover letter, dpor bound 2 (build included)"
edit_to_verdict checks/scenarios/cover-letter.sh --explorer dpor --preemptions 2 --mode series
echo "== edit to verdict: the same edit, then cover-letter-netns-del.sh, dpor with no bound (build included)"
edit_to_verdict checks/scenarios/cover-letter-netns-del.sh --explorer dpor --mode series

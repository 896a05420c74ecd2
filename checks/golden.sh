#!/usr/bin/env bash
# Golden outputs: the JSON of `check`, `outcomes` and `graph` on every corpus scenario in every
# mode, and of `mutants --quick`, compared byte for byte with checks/golden/ (times removed, the
# only field that varies between runs). A refactoring that claims to preserve behaviour must keep
# them identical; a change that means to move them regenerates them with --bless in the same commit.
#   checks/golden.sh            # compare (exit 1 and a diff on drift)
#   checks/golden.sh --bless    # regenerate
# Explorations are capped (loom 100 executions, shuttle/PCT 50 schedules) so the whole corpus runs
# in a few minutes; loom's order and shuttle's seeded schedules make the capped runs deterministic.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bless=0
[ "${1:-}" = "--bless" ] && bless=1
command -v jq >/dev/null || bash .ci/install-deps.sh >/dev/null
checks/rtnl-check --build

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
caps=(--mode all --max-executions 100 --iterations 50)
# Drops timings and pretty-prints with sorted keys, so only behaviour is compared. Lock sites keep
# their kernel function and lose file:line (moving code is not a change of behaviour). A mutant row's
# `executions` and `property` come from its fastest catching run (chosen by time); its runs keep both.
normalize() {
    jq -S 'walk(if type == "object" then del(.seconds, .wall_seconds)
                | if has("caught_by") then del(.executions, .property) else . end
                | if has("func") and has("file") and has("line") then del(.file, .line) else . end
            elif type == "string" then gsub("\\+model/src/[A-Za-z0-9_/]+\\.rs:[0-9]+"; "+<site>")
            else . end)'
}

run() { # run NAME CMD...: the command's JSON (normalized) and exit status into $out/NAME.json
    local name=$1; shift
    mkdir -p "$(dirname "$out/$name")"
    local status=0
    "$RTNL_CHECK_STD_BIN" "$@" >"$out/$name.raw" 2>"$out/$name.err" || status=$?
    if [ "$status" = 2 ]; then
        echo "golden: '$*' exited 2:" >&2; cat "$out/$name.err" >&2; exit 2
    fi
    { echo "{\"exit\": $status, \"output\": "; cat "$out/$name.raw"; echo "}"; } | normalize >"$out/$name.json"
    rm -f "$out/$name.raw" "$out/$name.err"
}

export RTNL_CHECK_STD_BIN="$root/target-std/release/rtnl-check"
export RTNL_CHECK_LOOM_BIN="$root/target-loom/release/rtnl-check"
export RTNL_CHECK_SHUTTLE_BIN="$root/target-shuttle/release/rtnl-check"
n=0
for f in checks/scenarios/*.sh checks/scenarios/*/*.sh; do
    rel=${f#checks/scenarios/}; rel=${rel%.sh}
    run "check/$rel" check "$f" --format json "${caps[@]}"
    run "outcomes/$rel" outcomes "$f" --format json "${caps[@]}"
    run "graph/$rel" graph "$f" --format json "${caps[@]}"
    n=$((n + 1))
done
run mutants mutants --quick --format json

if [ "$bless" = 1 ]; then
    rm -rf checks/golden && mkdir -p checks/golden && cp -r "$out"/. checks/golden/
    echo "golden: regenerated checks/golden ($n scenarios, check/outcomes/graph in every mode, mutants)"
    exit 0
fi
if diff -ru checks/golden "$out" >"$out.diff"; then
    echo "golden: $n scenarios x check/outcomes/graph in every mode, and mutants: identical"
    rm -f "$out.diff"
else
    head -200 "$out.diff"
    echo "golden: outputs differ from checks/golden (above); behaviour changed. If on purpose: checks/golden.sh --bless" >&2
    rm -f "$out.diff"
    exit 1
fi

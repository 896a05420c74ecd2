#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, without a terminal, and prints executions per
# second (what docs/performance.md records).
#
#   fuzz/run.sh [SECONDS]        SECONDS per target, default 60
#   FUZZ_TARGETS="lock_graph" fuzz/run.sh 30
#
# Needs a nightly toolchain (rustup); installs cargo-fuzz when it is missing. Everything is
# built with `--cfg rtnl_shuttle` (explore_schedule needs the model built for shuttle; the other
# targets do not care, and one set of flags keeps one build). New corpus entries go to a
# scratch directory, so the committed seeds in fuzz/corpus/ stay as they are. A crash is copied
# to fuzz/regressions/<target>/, which checks/tests/fuzz_regress.rs replays, and fails the run.
set -euo pipefail

secs="${1:-60}"
targets="${FUZZ_TARGETS:-parse_scenario lock_graph explore_schedule}"
cd "$(dirname "$0")"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "run.sh: cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

export RUSTFLAGS="${RUSTFLAGS:-} --cfg rtnl_shuttle"
# Safe Rust: AddressSanitizer would find nothing and costs a factor of two or more; shuttle's
# stack switching also confuses it.
fuzz_args=(--sanitizer none)
cargo +nightly fuzz build "${fuzz_args[@]}" >&2

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
printf '%-18s %8s %14s %12s  %s\n' target seconds executions execs/s result
for t in $targets; do
    mkdir -p "$scratch/$t"
    rm -rf "artifacts/$t"
    log="$scratch/$t.log"
    if cargo +nightly fuzz run "${fuzz_args[@]}" "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 -timeout=30 -rss_limit_mb=4096 >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        for a in "artifacts/$t"/*; do
            [ -e "$a" ] || continue
            cp "$a" "regressions/$t/"
            echo "run.sh: $t: $a copied to fuzz/regressions/$t/ (replayed by checks/tests/fuzz_regress.rs)" >&2
        done
        tail -n 80 "$log" >&2
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    printf '%-18s %8s %14s %12s  %s\n' "$t" "$secs" "${runs:-?}" "${rate:-?}" "$result"
done
exit "$status"

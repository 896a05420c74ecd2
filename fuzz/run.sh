#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, without a terminal, and prints executions per
# second (what docs/performance.md records).
#
#   fuzz/run.sh [SECONDS]        SECONDS per target, default 15
#   FUZZ_TARGETS="lock_graph" fuzz/run.sh 60
#
# Needs a nightly toolchain (rustup); installs cargo-fuzz from crates.io when it is missing.
# Everything is built with `--cfg rtnl_shuttle` (explore_schedule needs the model built for
# shuttle; the other targets do not care, and one set of flags keeps one build). New corpus
# entries go to a scratch directory, so the committed seeds in fuzz/corpus/ stay as they are.
# A crash fails the run (exit 1) after printing the input's path and why it failed
# (explore_schedule: the script and a replay token); the input is also copied to
# fuzz/regressions/<target>/, which checks/tests/fuzz_regress.rs replays.
set -euo pipefail

secs="${1:-15}"
case "$secs" in
    '' | *[!0-9]* | 0)
        echo "run.sh: SECONDS must be a positive whole number, not '$secs'" >&2
        exit 2
        ;;
esac
targets="${FUZZ_TARGETS:-parse_scenario lock_graph explore_schedule}"
cd "$(dirname "$0")"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "run.sh: cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo +nightly install cargo-fuzz --locked
fi

export RUSTFLAGS="${RUSTFLAGS:-} --cfg rtnl_shuttle"
# Safe Rust: AddressSanitizer would find nothing and costs a factor of two or more; shuttle's
# stack switching also confuses it.
fuzz_args=(--sanitizer none)
cargo +nightly fuzz build "${fuzz_args[@]}" </dev/null >&2

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
summary="$scratch/summary"
printf '%-18s %8s %12s %10s %12s  %s\n' target seconds executions execs/s corpus result >"$summary"
for t in $targets; do
    if [ ! -d "corpus/$t" ]; then
        echo "run.sh: no such target: $t (fuzz/corpus/$t is missing)" >&2
        exit 2
    fi
    mkdir -p "$scratch/$t" "regressions/$t"
    rm -rf "artifacts/$t"
    log="$scratch/$t.log"
    echo "run.sh: fuzzing $t for ${secs}s" >&2
    if cargo +nightly fuzz run "${fuzz_args[@]}" "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 -timeout=30 -rss_limit_mb=4096 \
        </dev/null >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        crashes=0
        for a in "artifacts/$t"/*; do
            [ -e "$a" ] || continue
            crashes=$((crashes + 1))
            cp "$a" "regressions/$t/"
            echo "run.sh: $t: crash input $PWD/$a" >&2
            echo "run.sh: $t: copied to fuzz/regressions/$t/$(basename "$a") (replayed by checks/tests/fuzz_regress.rs)" >&2
            echo "run.sh: $t: reproduce with: cd fuzz && RUSTFLAGS=\"--cfg rtnl_shuttle\" cargo +nightly fuzz run --sanitizer none $t $a" >&2
        done
        if [ "$t" = explore_schedule ] && grep -q '^replay: rtnl-check replay ' "$log"; then
            # The panic message: the failing property, then the script and its replay token.
            echo "run.sh: $t: the failing execution:" >&2
            sed -n '/explore_schedule: .* execution failed:/,/^replay: rtnl-check replay /p' "$log" |
                sed -n '1,3p' >&2
            echo "..." >&2
            sed -n '/^script:$/,/^replay: rtnl-check replay /p' "$log" >&2
        fi
        if [ "$crashes" -eq 0 ]; then
            echo "run.sh: $t: libFuzzer failed without a crash input; its log:" >&2
        else
            echo "run.sh: $t: libFuzzer's log (tail):" >&2
        fi
        tail -n 40 "$log" >&2
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    # libFuzzer's corpus at the end: inputs kept, and their total size.
    corpus="$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1 | sed 's/corp: //')"
    printf '%-18s %8s %12s %10s %12s  %s\n' "$t" "$secs" "${runs:-?}" "${rate:-?}" "${corpus:-?}" "$result" >>"$summary"
done
cat "$summary"
exit "$status"

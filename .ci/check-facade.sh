#!/usr/bin/env bash
# The model may name std::sync only inside its sync facade: an operation outside it is an
# interleaving loom and shuttle never see. Clippy's disallowed-types catches the facade's
# types by path; this catches every other std::sync item (Arc, atomics, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -rn --include='*.rs' -E 'std::sync|use std::\{[^}]*sync' model/src | grep -v '^model/src/sync/' || true)
if [ -n "$hits" ]; then
    echo "std::sync used in the model outside model/src/sync (use crate::sync):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-facade: no std::sync outside model/src/sync"

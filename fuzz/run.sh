#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds (default 600), JOBS at a time (default 2),
# and prints one summary line per target. cargo-fuzz needs nightly features: on a stable
# toolchain RUSTC_BOOTSTRAP=1 turns them on (a nightly toolchain works too: cargo +nightly fuzz).
#
#   cargo install cargo-fuzz --locked      # once
#   fuzz/run.sh                            # all targets, 10 minutes each, 2 in parallel
#   fuzz/run.sh 60 urn publish_body        # some targets, 1 minute each
#
# New inputs go to fuzz/corpus/<target> (git-ignored), seeded from fuzz/seeds/<target>;
# a crash is written to fuzz/artifacts/<target>/ and reproduced with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
SECONDS_EACH=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(urn publish_body function_body code_body alias_body state_document)
JOBS=${JOBS:-2}
mkdir -p logs
cargo fuzz build -O
run_one() {
    local t=$1 dict=dicts/json.dict
    [ "$t" = urn ] && dict=dicts/urn.dict
    mkdir -p "corpus/$t"
    cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -dict="$dict" -max_len=8192 -timeout=10 \
        -print_final_stats=1 >"logs/$t.log" 2>&1 && rc=0 || rc=$?
    local last execs cov
    last=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1)
    execs=$(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
    cov=$(echo "$last" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' || true)
    echo "$t: exit $rc, execs ${execs:-?}, $cov, crashes $(ls "artifacts/$t" 2>/dev/null | wc -l)"
}
running=0
for t in "${TARGETS[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

# flags.sh — sourced by run-target.sh and run-long.sh: the libFuzzer flags every
# run of a target uses, so that a smoke run and a long run fuzz the same inputs.
# fuzz_flags NAME prints them, one a line. Most parsers' inputs are naturally
# small; the scan target takes whole PNG files.
fuzz_flags() {
    local max_len
    case $1 in
        base45) max_len=12288 ;;
        verify | revocations | present) max_len=8192 ;;
        bundle) max_len=16384 ;;
        riskmap) max_len=16384 ;;
        record | json | policy | trustlist) max_len=32768 ;;
        *) max_len=65536 ;;
    esac
    printf '%s\n' -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1
    local dict
    dict="$(dirname "${BASH_SOURCE[0]}")/$1.dict"
    if [ -f "$dict" ]; then printf '%s\n' -dict="$(cd "$(dirname "$dict")" && pwd)/$1.dict"; fi
}
# UBSan only reports and goes on unless told to stop: make undefined behaviour a finding.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

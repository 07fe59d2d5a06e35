# report_lib.sh: helpers of the `trainprov report` tests (sourced after
# lib.sh): the page is rendered by headless Chromium and checked by
# report_check.py.
#
# report_init: skips unless Debian's chromium is installed.
# report LOG HTML [verify options...]: `trainprov report LOG -o HTML ...`;
#   sets REPORT_STATUS, output in HTML.out.
# expect_report STATUS LOG HTML [options...]: report must exit STATUS.
# expect_page HTML JSON H5...: the rendered DOM holds JSON's verdict and
#   claims and a lane per stream of H5... (a chain's logs in order), the page
#   fetches nothing, and its screenshot (HTML.png) is a real page.

report_init() {
    CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
    [ -n "$CHROMIUM" ] || skip "no chromium (apt-get install chromium)"
    export CHROMIUM
}

report() {
    local log=$1 html=$2
    shift 2
    REPORT_STATUS=0
    tp report "$log" -o "$html" "$@" >"$html.out" 2>&1 || REPORT_STATUS=$?
}

expect_report() {
    local want=$1
    shift
    report "$@"
    if [ "$REPORT_STATUS" -ne "$want" ]; then
        sed 's/^/    /' "$2.out" >&2
        fail "trainprov report $1 ${*:3} exited $REPORT_STATUS, expected $want"
    fi
    return 0
}

rcheck() { "$PYTHON" "$E2E_DIR/report_check.py" "$@"; }

expect_page() {
    local html=$1 json=$2
    shift 2
    rcheck dom "$html" "$json" "$@" || fail "the rendered DOM of $html does not match $json"
    rcheck offline "$html" || fail "$html is not self-contained"
    rcheck screenshot "$html" "$html.png" || fail "no proper screenshot of $html"
    return 0
}

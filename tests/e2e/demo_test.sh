#!/usr/bin/env bash
# kessai's main job end to end: ops/demo --quick against the test build (KESSAI_BUILD_DIR), on a database
# of its own and in folders of its own (so it runs beside every other test), then checks what it left:
# exit 0, every report in every format, the CSV readable by Excel (UTF-8 BOM), the summary's net takings
# equal to the takings report's total and to the ledger's revenue, and the exceptions the reconciliation
# found equal to the discrepancies the simulators injected — each one, not only their number.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)"
: "${KESSAI_TEST_DATABASE_URL:?run through ops/test, which provides a database}"
: "${KESSAI_BUILD_DIR:?run through ctest, which names the build}"

work=$(mktemp -d /tmp/kessai-demo-test-XXXXXX)
db="kessai_demo_test_$$"
db_url=$(printf '%s' "$KESSAI_TEST_DATABASE_URL" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
psql -q "$KESSAI_TEST_DATABASE_URL" -c "create database $db" >/dev/null
cleanup() {
  KESSAI_STACK_DIR="$work/demo/stack" "$root/ops/stack" down >/dev/null 2>&1 || true
  psql -q "$KESSAI_TEST_DATABASE_URL" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
check() {  # check DESCRIPTION COMMAND...: one line per check
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    failed=$((failed + 1))
  fi
}

export KESSAI_DATABASE_URL="$db_url" KESSAI_DEMO_DIR="$work/demo" KESSAI_REPORTS_DIR="$work/reports"
unset KESSAI_DEMO_KEEP KESSAI_PORT
status=0
output=$("$root/ops/demo" --quick 2>"$work/stderr") || status=$?
echo "$output"
if [ "$status" != 0 ]; then
  echo "FAIL: ops/demo --quick exited $status"
  tail -n 40 "$work/stderr"
  [ -f "$work/demo/demo.log" ] && grep -m 20 UNEXPECTED "$work/demo/demo.log"
  exit 1
fi
echo "ok: ops/demo --quick exited 0"

# The business date is the one folder of reports.
dates=("$work/reports"/*)
check "one business date of reports" test "${#dates[@]}" = 1
day=${dates[0]##*/}
check "the business date $day is a date" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' <<<"$day"
for report in takings recon-summary exceptions cashless-status; do
  for format in csv xlsx html; do
    check "$report.$format written and not empty" test -s "$work/reports/$day/$report.$format"
  done
  check "$report.csv starts with the UTF-8 byte order mark" \
    test "$(head -c 3 "$work/reports/$day/$report.csv" | od -An -tx1 | tr -d ' \n')" = efbbbf
  check "$report.xlsx is a workbook (a zip)" test "$(head -c 2 "$work/reports/$day/$report.xlsx")" = PK
  check "$report.html is a page" grep -q '</html>' "$work/reports/$day/$report.html"
done

# Net takings: the summary's, the takings report's total row, the ledger's revenue accounts.
summary_net=$(sed -n 's/^  Net takings: *\([0-9,-]*\) yen.*/\1/p' <<<"$output" | tr -d ,)
csv_net=$(sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' "$work/reports/$day/takings.csv" |
  awk -F, '/^収納実績 \(takings\)$/ { t++ } t == 2 && /^合計 \(total\),/ { print $NF; exit }')
ledger_net=$("$KESSAI_BUILD_DIR/bin/kessai" ledger trial-balance |
  awk '$1 ~ /^revenue:fee:/ { gsub(",", "", $2); gsub(",", "", $3); sum += $3 - $2 } END { print sum + 0 }')
echo "net takings: summary $summary_net, takings.csv $csv_net, ledger $ledger_net"
check "the summary shows net takings" test -n "$summary_net"
check "the day took money" test "${summary_net:-0}" -gt 0
check "the summary's net takings are the takings report's total" test "$summary_net" = "$csv_net"
check "the summary's net takings are the ledger's revenue" test "$summary_net" = "$ledger_net"

# Exceptions: what kessai found against what the simulators injected (tests/e2e/recon_e2e_test.cpp maps
# them alike). A late line stays missing: the next day's file is never made.
truth="$work/demo/bank/truth.json"
check "the demo kept the injections' truth file" test -s "$truth"
expected=$(jq -r '.injected[] |
  ({"card-acquirer": "card-sim", "emoney-centre": "emoney-sim", "qr-provider": "qr-sim",
    "payeasy-centre": "payeasy-sim"}[.processor]) as $processor |
  if .reason == "deposit_short" or .reason == "deposit_missing" then "deposit_mismatch \($processor)"
  elif .reason == "missing" or .reason == "late" then "missing_in_settlement \(.reference)"
  elif .reason == "duplicate" then "duplicate_settlement \(.reference)"
  elif .reason == "unknown" then "unknown_in_ledger \(.reference)"
  else "\(.reason) \(.reference)" end' "$truth" | sort)
found=$("$KESSAI_BUILD_DIR/bin/kessai" recon exceptions list --format json |
  jq -r '.[] | if .reason == "deposit_mismatch" then "\(.reason) \(.processor)" else "\(.reason) \(.reference)" end' | sort)
printf 'injected:\n%s\nfound:\n%s\n' "$expected" "$found"
check "discrepancies were injected" test -n "$expected"
check "the reconciliation found exactly the injected discrepancies" test "$found" = "$expected"
summary_found=$(sed -n 's/^  Exceptions found: *\([0-9]*\).*/\1/p' <<<"$output")
check "the summary counts the exceptions found" test "$summary_found" = "$(grep -c . <<<"$expected")"
check "the summary says where the dashboard is, with the finance key" \
  grep -Eq '^  Dashboard: +http://127\.0\.0\.1:[0-9]+/dashboard — log in with the finance key ksk_' <<<"$output"

# Without --keep the demo stops what it started.
check "the demo's stack is down" bash -c "! KESSAI_STACK_DIR='$work/demo/stack' '$root/ops/stack' status >/dev/null 2>&1"

echo "$failed failed"
[ "$failed" = 0 ]

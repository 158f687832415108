#!/usr/bin/env bash
# The operator's path end to end: ops/stack up (against the test database server), a card payment
# with curl, status, down — and down really stops what up started.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)"
: "${KESSAI_TEST_DATABASE_URL:?run through ops/test, which provides a database}"

stack_dir=$(mktemp -d /tmp/kessai-stack-test-XXXXXX)
db="kessai_stack_$$"
db_url=$(printf '%s' "$KESSAI_TEST_DATABASE_URL" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
psql -q "$KESSAI_TEST_DATABASE_URL" -c "create database $db" >/dev/null
cleanup() {
  KESSAI_STACK_DIR="$stack_dir" "$root/ops/stack" down >/dev/null 2>&1 || true
  psql -q "$KESSAI_TEST_DATABASE_URL" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$stack_dir"
}
trap cleanup EXIT

export KESSAI_STACK_DIR="$stack_dir" KESSAI_DATABASE_URL="$db_url"
env_lines=$("$root/ops/stack" up)
echo "$env_lines"
KESSAI_URL=$(printf '%s\n' "$env_lines" | sed -n 's/^KESSAI_URL=//p')
[ -n "$KESSAI_URL" ] || { echo "FAIL: ops/stack up printed no KESSAI_URL"; exit 1; }
printf '%s\n' "$env_lines" | grep -q "^KESSAI_DATABASE_URL=$db_url\$" || { echo "FAIL: wrong KESSAI_DATABASE_URL"; exit 1; }

KESSAI_API_KEY=$(printf '%s\n' "$env_lines" | sed -n 's/^KESSAI_API_KEY=//p')
[ -n "$KESSAI_API_KEY" ] || { echo "FAIL: ops/stack up printed no KESSAI_API_KEY"; exit 1; }
response=$(curl -sS -w '\n%{http_code}' -X POST "$KESSAI_URL/v1/payment_intents" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $KESSAI_API_KEY" \
  -d '{"amount": 3000, "currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001",
       "confirm": true, "payment_method": {"card_token": "tok_visa"}}')
status=${response##*$'\n'}
body=${response%$'\n'*}
echo "POST /v1/payment_intents -> $status $body"
[ "$status" = 201 ] || { echo "FAIL: expected 201"; exit 1; }
[ "$(jq -r .status <<<"$body")" = succeeded ] || { echo "FAIL: expected succeeded"; exit 1; }

"$root/ops/stack" status || { echo "FAIL: status says not all up"; exit 1; }
kessaid_pid=$(cat "$stack_dir/pids/kessaid.pid")
"$root/ops/stack" down
# A zombie waiting for its reaper counts as stopped.
state=$(ps -o stat= -p "$kessaid_pid" 2>/dev/null || true)
if [ -n "$state" ] && [ "${state:0:1}" != Z ]; then echo "FAIL: kessaid still runs after down ($state)"; exit 1; fi
if "$root/ops/stack" status; then echo "FAIL: status says up after down"; exit 1; fi
echo "1 passed, 0 failed"

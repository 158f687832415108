#!/usr/bin/env bash
# ops/recon-nightly and the systemd timer: the script reconciles yesterday's business date in Asia/Tokyo
# (or --date), passes kessai's exit status through, and refuses bad input; the timer's schedule is one
# systemd reads. kessai itself is replaced by a recording stand-in here; the reconciliation is tested in
# recon_e2e_test.cpp.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/kessai" <<'FAKE'
#!/usr/bin/env bash
echo "$*" > "$(dirname "$0")/called"
exit "${FAKE_STATUS:-0}"
FAKE
chmod +x "$work/kessai"
export KESSAI_BIN="$work/kessai" KESSAI_RECON_CONFIG=/dev/null KESSAI_DATABASE_URL=postgresql://nowhere/x

fail() { echo "FAIL: $*" >&2; exit 1; }

"$root/ops/recon-nightly" > /dev/null
expected=$(TZ=Asia/Tokyo date -d 'yesterday 12:00' +%F)
[[ $(<"$work/called") == "recon run --date $expected" ]] || fail "default date: got '$(<"$work/called")', want $expected"

"$root/ops/recon-nightly" --date 2026-11-20 > /dev/null
[[ $(<"$work/called") == "recon run --date 2026-11-20" ]] || fail "--date not passed: $(<"$work/called")"

status=0
FAKE_STATUS=3 "$root/ops/recon-nightly" --date 2026-11-20 > /dev/null || status=$?
[[ $status == 3 ]] || fail "kessai's exit status 3 must come through, got $status"

status=0
"$root/ops/recon-nightly" --date 20261120 > /dev/null 2>&1 || status=$?
[[ $status == 2 ]] || fail "a malformed --date must exit 2, got $status"

status=0
env -u KESSAI_RECON_CONFIG "$root/ops/recon-nightly" > /dev/null 2>&1 || status=$?
[[ $status != 0 ]] || fail "without KESSAI_RECON_CONFIG it must refuse to run"

calendar=$(sed -n 's/^OnCalendar=//p' "$root/ops/systemd/kessai-recon.timer")
[[ -n $calendar ]] || fail "kessai-recon.timer has no OnCalendar"
systemd-analyze calendar "$calendar" > /dev/null || fail "systemd cannot read OnCalendar=$calendar"
grep -q '^ExecStart=/opt/kessai/ops/recon-nightly$' "$root/ops/systemd/kessai-recon.service" ||
  fail "kessai-recon.service does not run ops/recon-nightly"
grep -q '^Unit=kessai-recon.service$' "$root/ops/systemd/kessai-recon.timer" || fail "the timer starts another unit"
echo "ok: recon-nightly and kessai-recon.timer"

# shellcheck shell=bash
# Helpers shared by the ops/ scripts. Sourced, never run directly.
#
# Every path is derived from this file's own location, never from the caller's working directory,
# so the scripts behave the same whether run as `ops/pg up`, `./pg up` or `/abs/path/ops/pg up`.

# shellcheck disable=SC2034  # used by the scripts that source this file
KESSAI_OPS="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)"
KESSAI_ROOT="$(dirname "$KESSAI_OPS")"
# shellcheck disable=SC2034
KESSAI_VAR="$KESSAI_ROOT/var"
KESSAI_PROG="ops/${0##*/}"

# All chatter goes to stderr: stdout is reserved for machine-readable output (KEY=value lines).
log() {
  printf '%s: %s\n' "$KESSAI_PROG" "$*" >&2
}

die() {
  printf '%s: ERROR: %s\n' "$KESSAI_PROG" "$*" >&2
  exit 1
}

is_root() {
  [ "$(id -u)" -eq 0 ]
}

# Take an exclusive lock on FILE through file descriptor 9, waiting at most SECONDS.
# Anything long-lived started while the lock is held must not inherit fd 9 (see close_extra_fds),
# or it would keep the lock after this script exits.
take_lock() {
  local file=$1 seconds=${2:-120}
  exec 9>>"$file"
  if ! flock -w "$seconds" 9; then
    die "another ops script has held $file for more than ${seconds}s; is one stuck? (check with: fuser -v $file)"
  fi
}

# Close every descriptor above 2 of the current (sub)shell. Called in a subshell right before it
# execs a daemon, so the daemon holds neither our lock (fd 9) nor a pipe of whoever ran us: a
# caller such as `$(ops/stack up)` or a CI runner would otherwise wait for that pipe to close.
close_extra_fds() {
  local fd
  for fd in "/proc/$BASHPID/fd/"*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then
      exec {fd}>&-
    fi
  done
}

# The build directory whose bin/ holds kessaid, kessai and kessai-sim.
bin_dir() {
  printf '%s/bin\n' "${KESSAI_BUILD_DIR:-$KESSAI_ROOT/build/release}"
}

# proc_is PID NAME: true if PID is a live process whose program (argv[0]) is named NAME.
# Guards against signalling an unrelated process that reused a pid from an old pid file.
proc_is() {
  local pid=$1 name=$2 argv0
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # A zombie or a vanished process has an empty or unreadable cmdline.
  argv0=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -n 1) || return 1
  [ -n "$argv0" ] && [ "${argv0##*/}" = "$name" ]
}

# proc_alive PID: true while PID exists and is not a zombie. Used while a component starts: until
# it has exec'd, its argv[0] is still the shell, setsid or nohup, so proc_is would call it dead.
proc_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# read_port FILE: print the TCP port stored in FILE, or fail if FILE holds no valid port.
read_port() {
  local port
  port=$(tr -d '[:space:]' 2>/dev/null <"$1") || return 1
  [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || return 1
  printf '%s\n' "$port"
}

# stop_pidfile LABEL PIDFILE NAME: SIGTERM the process (and its process group, since we start
# daemons with setsid), wait up to 10 s, then SIGKILL. Removes the pid file.
stop_pidfile() {
  local label=$1 pidfile=$2 name=$3 pid i
  [ -f "$pidfile" ] || return 0
  pid=$(tr -d '[:space:]' <"$pidfile")
  if ! proc_is "$pid" "$name"; then
    log "$label was not running (removing stale pid file)"
    rm -f "$pidfile"
    return 0
  fi
  log "stopping $label (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    proc_is "$pid" "$name" || break
    sleep 0.2
  done
  if proc_is "$pid" "$name"; then
    log "$label (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 25; i++)); do
      proc_is "$pid" "$name" || break
      sleep 0.2
    done
    proc_is "$pid" "$name" && log "WARNING: $label (pid $pid) is still alive after SIGKILL"
  fi
  rm -f "$pidfile"
}

# Print the last lines of a log file to stderr, framed so it stands out in a terminal.
show_log_tail() {
  local file=$1 lines=${2:-30}
  [ -f "$file" ] || { log "(no log file at $file)"; return 0; }
  printf '%s: ----- last %s lines of %s -----\n' "$KESSAI_PROG" "$lines" "$file" >&2
  tail -n "$lines" "$file" >&2
  printf '%s: ----- end of %s -----\n' "$KESSAI_PROG" "$file" >&2
}

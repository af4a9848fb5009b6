# shellcheck shell=bash
# tm adapter for the anchor benchmarks (../shared/bench/anchors, interface in its README.md).
# Sourced by the anchors' lib.sh (bench_init), which provides $WORK, wait_for, track_daemon_tree, spec_opt.
#
# Which tm is measured:  TM_BIN (an executable, e.g. dist/tm) if set; else <repo>/dist/tm (the single
# executable) if present; else `node <repo>/dist/bin/tm.js` (run `npm run build` first).
# Private state: --home $WORK/tmhome (database, socket, daemon output), config $WORK/tm.yaml.
#
# Settings, the same in every workload (what the spec's options become in tm.yaml):
#   every program      starttime: 0 (running = spawned, like supervisord startsecs=0 / pm2 "online")
#   autorestart=X      autorestart: X (default true, as in the pm2 and supervisord adapters)
#   stdout/stderr=F    stdout/stderr: F, and log: {max_size: 0} (no rotation; tm's default rotates at 10 MiB)
#   crashloop=true     autorestart: true, startretries: 1000000, backoff: {initial: 0s, max: 0s, jitter: 0}
#   stopsignal=S       stopsignal: S (tm's default is already TERM)
# Bringing programs up: no daemon -> `tm up -c $WORK/tm.yaml` (daemon + programs; "cold");
#   daemon running -> rewrite $WORK/tm.yaml and `tm reload` (starts added, stops removed; "warm").
# The daemon's home is kept across `tm down` / `tm up` within one workload (tm keeps state in SQLite,
#   as a user's would); TM_FRESH_HOME=1 wipes it before every daemon start instead.

TM_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TM_FRESH_HOME="${TM_FRESH_HOME:-0}"

# tm's command line as an array (TM_CMD) and how it was chosen (TM_VIA)
tm_resolve_bin() {
  if [ -n "${TM_BIN:-}" ]; then
    local b="$TM_BIN"
    case "$b" in */*) b="$(readlink -f "$b")" ;; *) b="$(command -v "$b" || true)" ;; esac
    if [ -z "$b" ] || [ ! -x "$b" ]; then echo "tm adapter: TM_BIN=$TM_BIN is not an executable" >&2; return 2; fi
    TM_CMD=("$b"); TM_VIA="TM_BIN=$b"
  elif [ -x "$TM_REPO/dist/tm" ]; then
    TM_CMD=("$TM_REPO/dist/tm"); TM_VIA="$TM_REPO/dist/tm"
  elif [ -f "$TM_REPO/dist/bin/tm.js" ]; then
    local node; node="$(command -v node || true)"
    [ -n "$node" ] || { echo "tm adapter: node not found on PATH" >&2; return 2; }
    TM_CMD=("$node" "$TM_REPO/dist/bin/tm.js"); TM_VIA="node $TM_REPO/dist/bin/tm.js"
  else
    echo "tm adapter: no tm binary: set TM_BIN, or build $TM_REPO/dist/bin/tm.js (npm run build)" >&2
    return 2
  fi
}

sv_init() {
  tm_resolve_bin || exit 2
  TM_HOME_DIR="$WORK/tmhome"
  TM_CONF="$WORK/tm.yaml"
  TM_PIDFILE="$WORK/tm.pid"
  mkdir -p "$TM_HOME_DIR"
  # a unix socket path has at most 107 bytes
  [ "${#TM_HOME_DIR}" -le 90 ] || { echo "tm adapter: $TM_HOME_DIR is too long for a unix socket path; use a shorter TMPDIR" >&2; exit 2; }
  printf 'programs: {}\n' > "$TM_CONF"
  if command -v jq > /dev/null; then TM_JSON=jq; else TM_JSON=node; fi
}

# tm with the private home; output is the caller's business
tmc() { "${TM_CMD[@]}" --home "$TM_HOME_DIR" "$@"; }

# `tm version` never contacts the daemon
sv_version() {
  local v; v="$("${TM_CMD[@]}" version 2>&1)"
  echo "${v#tm } via $TM_VIA"
}

sv_daemon_pids() {
  local p; p="$(cat "$TM_PIDFILE" 2>/dev/null)" || return 0
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
  return 0
}

# the daemon of *this* run, found by its command line (`... up --foreground -c $WORK/tm.yaml`);
# only used when `tm up` did not report a pid (e.g. it timed out while the daemon came up late)
tm_find_daemon() {
  # the pattern goes through the environment so that awk's own command line does not match it
  ps -eo pid=,args= | TM_PAT="up --foreground -c $TM_CONF" awk 'index($0, ENVIRON["TM_PAT"]) { print $1; exit }'
}

# `tm up -c $TM_CONF` (the daemon detaches; the command returns once it answers on the socket)
tm_up() {
  local rc p
  if [ "$TM_FRESH_HOME" = 1 ]; then rm -rf "$TM_HOME_DIR"; mkdir -p "$TM_HOME_DIR"; fi
  tmc --json up -c "$TM_CONF" > "$WORK/tm-up.out" 2>> "$WORK/tm-up.err"
  rc=$?
  p="$(tm_json_get pid < "$WORK/tm-up.out")"
  [ -n "$p" ] && [ "$p" != null ] || p="$(tm_find_daemon)"
  if [ -n "$p" ]; then echo "$p" > "$TM_PIDFILE"; else rm -f "$TM_PIDFILE"; fi
  # Only the daemon here: walking its 100 children with one `ps` each costs ~1 s, which would be
  # counted in W4's command time (tm up returns after the children are spawned, supervisord before).
  # The workloads call track_daemon_tree themselves once they have measured, and at cleanup.
  [ -n "$p" ] && track_pids "$p"
  [ "$rc" = 0 ] || echo "tm adapter: tm up exited $rc: $(tail -n 3 "$WORK/tm-up.err")" >&2
  return "$rc"
}

# one top-level field of a JSON document on stdin (empty when absent or not JSON)
tm_json_get() {
  if [ "$TM_JSON" = jq ]; then
    jq -r --arg k "$1" '.[$k] // empty' 2>/dev/null
  else
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const v=JSON.parse(s)[process.argv[1]];if(v!=null)console.log(v)}catch{}})' "$1"
  fi
}

# daemon with 0 programs
sv_daemon_start() {
  printf 'programs: {}\n' > "$TM_CONF"
  tm_up
}

# YAML double-quoted scalar (JSON string syntax, which YAML accepts)
tm_q() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

# spec (TSV) -> $TM_CONF
sv_write_config() {
  local name cmd opts so se sig
  {
    echo "# written by bench/adapters/tm.sh from $1"
    echo "programs:"
    while IFS=$'\t' read -r name cmd opts; do
      [ -n "$name" ] || continue
      echo "  $(tm_q "$name"):"
      echo "    cmd: $(tm_q "$cmd")"
      echo "    starttime: 0"
      if [ "$(spec_opt "$opts" crashloop false)" = true ]; then
        echo "    autorestart: true"
        echo "    startretries: 1000000"
        echo "    backoff: {initial: 0s, max: 0s, jitter: 0}"
      else
        echo "    autorestart: $(spec_opt "$opts" autorestart true)"
      fi
      so="$(spec_opt "$opts" stdout '')"; se="$(spec_opt "$opts" stderr '')"
      [ -n "$so" ] && echo "    stdout: $(tm_q "$so")"
      [ -n "$se" ] && echo "    stderr: $(tm_q "$se")"
      if [ -n "$so$se" ]; then echo "    log: {max_size: 0}"; fi
      sig="$(spec_opt "$opts" stopsignal '')"
      [ -n "$sig" ] && echo "    stopsignal: $sig"
    done < "$1"
  } > "$TM_CONF.new"
  mv "$TM_CONF.new" "$TM_CONF"
}

# cold: `tm up -c` (daemon + programs); warm: rewrite the daemon's config file and `tm reload`
sv_load_and_start() {
  sv_write_config "$1"
  local rc
  if [ -n "$(sv_daemon_pids)" ]; then
    tmc reload > "$WORK/tm-reload.out" 2>&1
    rc=$?
    [ "$rc" = 0 ] || echo "tm adapter: tm reload exited $rc: $(tail -n 3 "$WORK/tm-reload.out")" >&2
  else
    tm_up; rc=$?
  fi
  return "$rc"
}

sv_count_online() {
  local n
  if [ "$TM_JSON" = jq ]; then
    n="$(tmc status --json 2>/dev/null | jq '[.tasks[] | select(.state == "running")] | length' 2>/dev/null)"
  else
    n="$(tmc status --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).tasks.filter(t=>t.state==="running").length)}catch{console.log(0)}})')"
  fi
  echo "${n:-0}"
}
# `tm stop/start` wait until every task got there (the default; --no-wait would return at once)
sv_stop_all()    { tmc stop all > "$WORK/tm-stop.out" 2>&1; }
sv_start_all()   { tmc start all > "$WORK/tm-start.out" 2>&1; local rc=$?; track_daemon_tree; return $rc; }
sv_stop_prog()   { tmc stop "$1" > /dev/null 2>&1; }
sv_status_cmd()  { echo "${TM_CMD[*]} --home $TM_HOME_DIR status --json"; }
# `tm version` is answered by the CLI alone (no socket), i.e. tm's start-up floor;
# `supervisorctl version` and `pm2 -v` do talk to their daemons.
sv_noop_cmd()    { echo "${TM_CMD[*]} version"; }

sv_shutdown() {
  local d; d="$(sv_daemon_pids)"; [ -z "$d" ] && d="$(tm_find_daemon)"
  [ -z "$d" ] && return 0
  timeout 60 "${TM_CMD[@]}" --home "$TM_HOME_DIR" down > "$WORK/tm-down.out" 2>&1
  wait_for 30 0.1 bash -c "! kill -0 $d 2>/dev/null"
  local rc=$?
  rm -f "$TM_PIDFILE"
  return $rc
}

#!/bin/bash
# npm run bench:anchors: tm against pm2 and supervisord on the six anchor workloads
# (../shared/bench/anchors), then the W5 loss probe, then docs/benchmarks.md.
#
# usage: bash bench/anchors.sh [TOOL...]          (default: tm pm2 supervisord; about 20 min on 2 cores)
#        bash bench/anchors.sh --report DIR        re-render docs/benchmarks.md from DIR/results.tsv
# env:   ANCHORS_DIR   the anchor scripts (default <repo>/../shared/bench/anchors)
#        RESULTS_DIR   where results.tsv, lossprobe/, meta.tsv and run.log go
#                      (default ${TMPDIR:-/tmp}/tm-anchors-<UTC time>; must be new or empty)
#        REPORT        the report file (default <repo>/docs/benchmarks.md)
#        TM_BIN        the tm executable to measure (default: dist/tm if present, else node dist/bin/tm.js)
#        SKIP_BUILD=1  do not run `npm run build` first (it runs unless TM_BIN is set)
#        PROBE=0       skip the W5 loss probe; PROBE_REPS=40 PROBE_LINES=100000 size it
#        WORKLOADS     some of the workloads only, e.g. "w1_idle w5_log_throughput" (default: all six, through run_all.sh)
#        N RUNS RESTARTS REPS LINES IDLE_S SETTLE_S SUP_STARTSECS TM_FRESH_HOME PM2_BIN SUPERVISORD_BIN
#                      SUPERVISORCTL_BIN: passed to the workload scripts (defaults: see the anchors' README)
# Every workload runs under `timeout`; every process started is killed by PID (see the anchors' lib.sh).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_used=""   # the settings given in the environment, for the report's "how to reproduce"
for v in ANCHORS_DIR WORKLOADS N RUNS RESTARTS REPS LINES IDLE_S SETTLE_S SUP_STARTSECS TM_FRESH_HOME TM_BIN PM2_BIN SUPERVISORD_BIN SUPERVISORCTL_BIN PROBE PROBE_REPS PROBE_LINES; do
  [ -n "${!v+x}" ] && env_used="$env_used $v=${!v}"
done
ANCHORS_DIR="${ANCHORS_DIR:-$REPO/../shared/bench/anchors}"
REPORT="${REPORT:-$REPO/docs/benchmarks.md}"
PROBE="${PROBE:-1}" PROBE_REPS="${PROBE_REPS:-40}" PROBE_LINES="${PROBE_LINES:-100000}"

die() { echo "bench:anchors: $*" >&2; exit 2; }
say() { echo "bench:anchors: $*" >&2; }

if [ ! -x "$ANCHORS_DIR/run_all.sh" ] || [ ! -f "$ANCHORS_DIR/lib.sh" ]; then
  die "the anchor benchmarks are not at $ANCHORS_DIR (run_all.sh, lib.sh); set ANCHORS_DIR to the folder that holds them (shared/bench/anchors)"
fi
ANCHORS_DIR="$(cd "$ANCHORS_DIR" && pwd)"

render() { # render <results dir>
  local dir="$1" tmp
  [ -s "$dir/results.tsv" ] || die "no results in $dir/results.tsv"
  mkdir -p "$(dirname "$REPORT")"
  tmp="$REPORT.tmp.$$"
  if (cd "$REPO" && npx tsx bench/anchors-report.ts "$dir/results.tsv" --meta "$dir/meta.tsv" --probe "$dir/lossprobe/results.tsv") > "$tmp"; then
    mv "$tmp" "$REPORT"; say "report: $REPORT"
  else
    rm -f "$tmp"; die "the report failed; the results stay in $dir"
  fi
}

if [ "${1:-}" = --report ]; then
  [ -d "${2:-}" ] || die "usage: bash bench/anchors.sh --report RESULTS_DIR (a folder holding results.tsv)"
  render "$(cd "$2" && pwd)"
  exit 0
fi

tools=("$@"); [ ${#tools[@]} -gt 0 ] || tools=(tm pm2 supervisord)
for t in "${tools[@]}"; do
  [ -f "$REPO/bench/adapters/$t.sh" ] || [ -f "$ANCHORS_DIR/adapters/$t.sh" ] || die "no adapter for $t (bench/adapters/$t.sh or $ANCHORS_DIR/adapters/$t.sh)"
done
has_tool() { local t; for t in "${tools[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

RESULTS_DIR="${RESULTS_DIR:-${TMPDIR:-/tmp}/tm-anchors-$(date -u +%Y%m%dT%H%M%SZ)}"
[ ! -e "$RESULTS_DIR/results.tsv" ] || die "$RESULTS_DIR already holds results.tsv; use a new RESULTS_DIR (the report would mix two runs)"
mkdir -p "$RESULTS_DIR"; RESULTS_DIR="$(cd "$RESULTS_DIR" && pwd)"
export RESULTS_DIR

# --------------------------------------------------------------- what the workloads need
pm2_bin() { echo "${PM2_BIN:-$(command -v pm2 || echo "$ANCHORS_DIR/.tools/node_modules/.bin/pm2")}"; }
sup_bin() { echo "${SUPERVISORD_BIN:-$(command -v supervisord || echo /usr/bin/supervisord)}"; }
missing() {
  local m=()
  has_tool pm2 && { [ -x "$(pm2_bin)" ] || m+=(pm2); }
  has_tool supervisord && { [ -x "$(sup_bin)" ] || m+=(supervisord); }
  command -v hyperfine > /dev/null || m+=(hyperfine)
  command -v perl > /dev/null || m+=(perl)
  echo "${m[*]}"
}
need="$(missing)"
if [ -n "$need" ]; then
  say "missing: $need; running $ANCHORS_DIR/setup.sh (pm2 into its .tools/ via npm, supervisor/hyperfine/perl via apt-get)"
  "$ANCHORS_DIR/setup.sh" || die "setup.sh failed; install $need by hand (or set PM2_BIN / SUPERVISORD_BIN / SUPERVISORCTL_BIN)"
  need="$(missing)"; [ -z "$need" ] || die "still missing after setup.sh: $need"
fi

if has_tool tm; then
  if [ -z "${TM_BIN:-}" ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
    say "npm run build (tsc -> dist/)"
    (cd "$REPO" && npm run build > /dev/null) || die "npm run build failed"
  fi
  if [ -z "${TM_BIN:-}" ] && [ -x "$REPO/dist/tm" ] && [ -n "$(find "$REPO/src" "$REPO/bin" -newer "$REPO/dist/tm" -name '*.ts' -print -quit)" ]; then
    say "WARNING: dist/tm is older than the sources and is what will be measured; rebuild it, or set TM_BIN"
  fi
fi

# --------------------------------------------------------------- meta.tsv

tm_version() { # the adapter's own answer: version and which binary
  (set +eu; WORK=/nonexistent; . "$REPO/bench/adapters/tm.sh" && tm_resolve_bin && sv_version) 2>&1 | tail -n 1
}
first_line() { "$@" 2>&1 | head -n 1 || true; }
meta() { printf '%s\t%s\n' "$1" "$2" >> "$RESULTS_DIR/meta.tsv"; }
: > "$RESULTS_DIR/meta.tsv"
meta started "$(date -u +%FT%TZ)"
meta nproc "$(nproc)"
meta cpu "$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)"
meta memory "$(awk '/^MemTotal:/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
meta kernel "$(uname -r)"
meta os "$( (. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}") || true)"
meta loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta node "$(node --version)"
has_tool tm && meta tm "$(tm_version)"
meta commit "$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)$(cd "$REPO" && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (uncommitted changes)')"
has_tool pm2 && meta pm2 "$(node -p "require('$(dirname "$(readlink -f "$(pm2_bin)")")/../package.json').version" 2>/dev/null)"
has_tool supervisord && meta supervisord "$(first_line "$(sup_bin)" -v)"
meta python3 "$(first_line /usr/bin/python3 --version)"
meta hyperfine "$(first_line hyperfine --version)"
meta perl "$(perl -e 'print $^V')"
meta command "npm run bench:anchors${*:+ -- $*}"
meta env "${env_used# }"
if [ "$PROBE" = 1 ]; then meta probe "LINES=$PROBE_LINES REPS=$PROBE_REPS BASELINE=0"; else meta probe off; fi
meta results_dir "$RESULTS_DIR"

load="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load" -v n="$(nproc)" 'BEGIN{exit !(l > n/2)}'; then
  say "WARNING: load average $load on $(nproc) cores: other work is running and the timings will be noisy"
fi

# --------------------------------------------------------------- the run
say "tools: ${tools[*]}; results: $RESULTS_DIR; console log: $RESULTS_DIR/run.log"
{
  if [ -z "${WORKLOADS:-}" ]; then
    (cd "$ANCHORS_DIR" && ADAPTER_DIR="$REPO/bench/adapters" ./run_all.sh "${tools[@]}")
  else
    # run_all.sh's loop over the chosen workloads only (tools side by side within each workload)
    for w in $WORKLOADS; do
      for t in "${tools[@]}"; do
        echo "=== $w $t  $(date -u +%T)"
        (cd "$ANCHORS_DIR" && ADAPTER_DIR="$REPO/bench/adapters" timeout 900 "./$w.sh" "$t") || echo "  !!! $w $t exited rc=$?"
      done
    done
  fi
  if [ "$PROBE" = 1 ]; then
    for t in "${tools[@]}"; do
      echo "=== w5 loss probe $t  LINES=$PROBE_LINES REPS=$PROBE_REPS  $(date -u +%T)"
      (cd "$ANCHORS_DIR" && ADAPTER_DIR="$REPO/bench/adapters" RESULTS_DIR="$RESULTS_DIR/lossprobe" LINES="$PROBE_LINES" REPS="$PROBE_REPS" BASELINE=0 \
        timeout 1800 ./w5_log_throughput.sh "$t") || echo "  !!! loss probe $t exited rc=$?"
    done
  fi
} 2>&1 | tee "$RESULTS_DIR/run.log" || say "the run ended with an error (see run.log); rendering what was measured"
meta finished "$(date -u +%FT%TZ)"

render "$RESULTS_DIR"
say "done: $REPORT (raw: $RESULTS_DIR/results.tsv)"

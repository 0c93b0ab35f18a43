#!/usr/bin/env bash
# The whole test suite, several times in a row, while every CPU core is kept busy by another
# process: does the suite hold on a loaded machine (tests wait on events, never on sleeps)?
#
#   benchmarks/stress_tests.sh                 # 3 runs
#   benchmarks/stress_tests.sh 5               # 5 runs
#   benchmarks/stress_tests.sh 3 -x tests/test_tui_chat.py    # extra pytest arguments after the count
#
# The load: stress-ng --cpu <cores> when stress-ng is installed, else one Python busy loop per
# core; started here and killed (by pid) when the script ends, however it ends. STRESS_LOAD=none
# starts no load of its own: for a machine that other work (a training run) already keeps busy;
# each run's line has the load average either way.
# Each run's wall time, exit code and pytest summary line go to the report
# (STRESS_REPORT, default benchmarks/stress_results.txt, appended), with the failed tests; the
# full pytest output of each run goes to a log in STRESS_LOGS (default a new /tmp/limi-stress.*).
# PYTHON picks the interpreter (default .venv/bin/python).
set -u
cd "$(dirname "$0")/.."

runs=${1:-3}
[ $# -gt 0 ] && shift
case $runs in '' | *[!0-9]*) echo "usage: $0 [RUNS] [PYTEST ARGS...]" >&2; exit 2 ;; esac
python=${PYTHON:-.venv/bin/python}
report=${STRESS_REPORT:-benchmarks/stress_results.txt}
cores=$(nproc)
logs=${STRESS_LOGS:-$(mktemp -d /tmp/limi-stress.XXXXXX)}
mkdir -p "$logs"
hogs=()

stop_load() {
  for pid in "${hogs[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${hogs[@]}"; do
    wait "$pid" 2>/dev/null
  done
  hogs=()
}
trap stop_load EXIT
trap 'stop_load; echo "   interrupted" >>"$report"; exit 130' INT TERM

if [ "${STRESS_LOAD:-}" = none ]; then
  load="none started here: other work keeps the cores busy (load average $(cut -d' ' -f1-3 /proc/loadavg) at the start)"
elif command -v stress-ng >/dev/null 2>&1; then
  load="stress-ng --cpu $cores"
  stress-ng --cpu "$cores" --quiet &
  hogs+=($!)
else
  load="$cores Python busy loop(s), one per core"
  for _ in $(seq "$cores"); do
    "$python" -c 'while True: pass' &
    hogs+=($!)
  done
fi

{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) stress run: $runs x '$python -m pytest -q -p no:randomly $*'"
  echo "   machine: $cores cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); load: $load (pids ${hogs[*]})"
} >>"$report"

failed=0
for n in $(seq "$runs"); do
  log="$logs/run-$n.log"
  start=$(date +%s.%N)
  "$python" -m pytest -q -p no:randomly "$@" >"$log" 2>&1
  code=$?
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  summary=$(grep -E '(passed|failed|error)' "$log" | tail -n 1)
  verdict=$([ "$code" = 0 ] && echo pass || echo FAIL)
  [ "$code" = 0 ] || failed=$((failed + 1))
  line="run $n/$runs: $verdict (exit $code) in ${wall} s, load average $(cut -d' ' -f1-3 /proc/loadavg): ${summary:-no summary} [$log]"
  echo "   $line" >>"$report"
  echo "$line"
  if [ "$code" != 0 ]; then
    grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/      /' >>"$report"
  fi
done
echo "   $((runs - failed))/$runs runs passed" >>"$report"
echo "$((runs - failed))/$runs runs passed; report: $report"
[ "$failed" = 0 ]

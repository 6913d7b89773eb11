#!/usr/bin/env bash
# The Functions app end to end: builds src/AgentFunctions.FunctionApp (Release), runs it under a Functions host
# beside a private Azurite, runs the LangGraph JS SDK compatibility tests (tests/compat, through eng/compat.sh)
# against it, and stops everything it started. Not part of the test command: it needs a Functions host.
#
#   eng/func-e2e.sh [--no-build] [--bench]
#
# The host, in this order:
#   - `func start` (Azure Functions Core Tools 4) when `func` is on PATH, run in the app's output folder;
#   - else AGENTFUNCTIONS_FUNC_HOST: a Functions host built from its public source with
#     ../shared/functions-host/functions-host.sh (that script's WORK folder, or the folder holding
#     Microsoft.Azure.WebJobs.Script.WebHost.dll), run the way `func start` runs it: the app's local.settings.json
#     Values as environment variables, every route anonymous, the worker started by the host.
# Either way the host listens on a free loopback port and AzureWebJobsStorage is the private Azurite.
# The host and the app's worker export their spans over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT, http/protobuf) to a free
# loopback port, where the trace tests of tests/AgentFunctions.FunctionApp.Tests (Host/, skipped without a host)
# listen: after the compatibility tests, they stream runs through the host (one, then 50 at once) and check that
# each request's exported trace is whole (see the README's "Tracing and metrics").
# --bench: after the tests, the streamed-run benchmark through the host against the standalone server on the same
#   storage (tests/AgentFunctions.Benchmarks, `functions`). The host and its worker still trace and export then (to
#   the port nobody listens on once the trace tests have ended); the standalone server does neither.
# Then the host once more with a bad setting (Http:SseHeartbeat=00:00:00): the app must stop at start (the setting
# named in the host's log, or the host giving up on a worker that exits at start) and no route answer (one check).
# The closing line is "func-e2e: N passed, N failed", the compatibility, trace and bad-setting tests together (a failed
# invocation in the host's log counts as a failure, but not one whose client went away mid-stream); the exit code is
# non-zero on any failure, or when the host did not start (its log is printed then).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app="$root/src/AgentFunctions.FunctionApp/bin/Release/net10.0"

# ---- inner part, run by eng/with-azurite.sh with AGENTFUNCTIONS_STORAGE_CONNECTION_STRING set ----
if [ "${1:-}" = "--inside-storage" ]; then
  kind="$2"; target="$3"; bench="$4"
  work="$(mktemp -d "${TMPDIR:-/tmp}/agentfunctions-func-e2e.XXXXXX")"
  log="$work/host.log"
  host_pid=""
  child_pid=""

  # Stops the host, then whatever it started (its worker), by pid.
  stop_host() {
    [ -n "$host_pid" ] || return 0
    local pids=("$host_pid") p c
    # The host's descendants (func start: the host; the host: the worker), collected before the host goes.
    local queue=("$host_pid")
    while [ ${#queue[@]} -gt 0 ]; do
      p="${queue[0]}"; queue=("${queue[@]:1}")
      for c in $(pgrep -P "$p" 2>/dev/null || true); do pids+=("$c"); queue+=("$c"); done
    done
    kill -TERM "$host_pid" 2>/dev/null || true
    for p in "${pids[@]}"; do
      for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null || true
    done
    wait "$host_pid" 2>/dev/null || true
    host_pid=""
  }
  cleanup() {
    local code=$?
    trap - EXIT INT TERM
    if [ -n "$child_pid" ] && kill -0 "$child_pid" 2>/dev/null; then
      kill -TERM "$child_pid" 2>/dev/null || true
      wait "$child_pid" 2>/dev/null || true
    fi
    stop_host
    rm -rf "$work"
    exit "$code"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # A free loopback port (never 2024).
  port=2024
  while [ "$port" = 2024 ]; do
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  done
  base="http://127.0.0.1:$port"
  storage="$AGENTFUNCTIONS_STORAGE_CONNECTION_STRING"
  # Where the host and the worker export their spans: the trace tests' OTLP receiver listens there once they run.
  otlp_port=2024
  while [ "$otlp_port" = 2024 ] || [ "$otlp_port" = "$port" ]; do
    otlp_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  done
  otlp=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)

  # Starts the host (with more settings when given, NAME=value) writing to $log; sets host_pid.
  start_host() {
    if [ "$kind" = func ]; then
      (cd "$app" && AzureWebJobsStorage="$storage" exec env "${otlp[@]}" "$@" func start --port "$port") >"$log" 2>&1 &
      host_pid=$!
    else
      # local.settings.json's Values as environment variables, as Core Tools sets them (empty ones are left unset).
      mapfile -t settings < <(python3 -c '
import json, sys
for key, value in json.load(open(sys.argv[1], encoding="utf-8")).get("Values", {}).items():
    if value not in ("", None):
        print(f"{key}={value}")' "$app/local.settings.json")
      mkdir -p "$work/secrets" "$work/logs" "$work/workers"
      (cd "$work" && exec env -u CONTAINER_NAME "${settings[@]}" "${otlp[@]}" \
        AzureWebJobsStorage="$storage" \
        AzureWebJobsScriptRoot="$app" \
        AZURE_FUNCTIONS_ENVIRONMENT=Development \
        FUNCTIONS_CORETOOLS_ENVIRONMENT=true \
        FNHOST_DISABLE_AUTH=true \
        AzureWebJobsSecretStorageType=files FUNCTIONS_SECRETS_PATH="$work/secrets" FUNCTIONS_LOGS_PATH="$work/logs" \
        languageWorkers__workersDirectory="$work/workers" \
        'AzureFunctionsJobHost__logging__logLevel__Azure.Core=Warning' \
        ASPNETCORE_URLS="$base" \
        DOTNET_ROLL_FORWARD=Major \
        "$@" \
        dotnet "$target") >"$log" 2>&1 &
      host_pid=$!
    fi
  }
  # The graph approval (its calculator calls wait for a person), declared in settings as a deployment would, for approval.test.mjs.
  start_host Graphs__approval__Tools__0=calculator Graphs__approval__ApproveTools__0=calculator
  echo "func-e2e: host (pid $host_pid, $kind) starting on $base ..." >&2

  # Ready: the host runs and has indexed the app's functions (its admin API lists them).
  ready=""
  for _ in $(seq 1 240); do
    kill -0 "$host_pid" 2>/dev/null || break
    if curl -s --max-time 2 "$base/admin/host/status" 2>/dev/null | grep -q '"state": *"Running"' \
      && [ "$(curl -s --max-time 2 "$base/admin/functions" 2>/dev/null | grep -o '"name": *"' | wc -l)" -gt 0 ]; then
      ready=1; break
    fi
    sleep 0.5
  done
  if [ -z "$ready" ]; then
    echo "func-e2e: the host did not start within 120 s; its log:" >&2
    tail -n 80 "$log" >&2
    echo "func-e2e: 0 passed, 1 failed"
    exit 1
  fi
  echo "func-e2e: host running after ${SECONDS} s: $(grep -c . <<<"$(curl -s "$base/admin/functions" | grep -o '"name": *"[^"]*"' | sort -u)") functions indexed" >&2

  status=0
  "$root/eng/compat.sh" --url "$base" --tap "$work/compat.tap" &
  child_pid=$!
  wait "$child_pid" || status=$?
  child_pid=""

  # The trace tests, against the running host (their receiver takes the OTLP port now; what was exported before is lost).
  AGENTFUNCTIONS_FUNCTIONS_URL="$base" AGENTFUNCTIONS_FUNCTIONS_OTLP_PORT="$otlp_port" \
    dotnet test "$root/tests/AgentFunctions.FunctionApp.Tests" -c Release --no-build --nologo \
      --filter "FullyQualifiedName~AgentFunctions.FunctionApp.Tests.Host." \
      --logger "trx;LogFileName=host-traces.trx" --logger "console;verbosity=detailed" --results-directory "$work/trx" >"$work/host-traces.log" 2>&1 &
  child_pid=$!
  wait "$child_pid" || status=$?
  child_pid=""
  # Each failure's message (without its stack trace), then the summary.
  awk '/\[FAIL\]/ { show = 1 } /Stack Trace:/ { show = 0 } show' "$work/host-traces.log" | head -n 80 >&2 || true
  grep -E '^\s*(Passed|Failed|Skipped)!' "$work/host-traces.log" >&2 || true

  if [ "$bench" = 1 ]; then
    AGENTFUNCTIONS_FUNCTIONS_URL="$base" dotnet "$root/tests/AgentFunctions.Benchmarks/bin/Release/net10.0/AgentFunctions.Benchmarks.dll" functions &
    child_pid=$!
    wait "$child_pid" || status=$?
    child_pid=""
  fi

  # A failure the host logged (an invocation that threw) shows here even when the client saw a clean answer. An
  # invocation whose client went away mid-stream (a test that stops reading) is logged as failed by the host's
  # proxy (ForwarderError RequestCanceled or ResponseBodyCanceled): counted apart, not a fault of the app.
  read -r failures aborted < <(python3 - "$log" "$work/failures.txt" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
faults = aborted = 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for i, line in enumerate(lines):
        if re.search(r"Executed '[^']*' \(Failed, ", line):
            block = [line]
            for more in lines[i + 1:i + 40]:
                if re.match(r"^(info|warn|fail|crit|dbug|trce): ", more):
                    break
                block.append(more)
            if re.search(r"ForwarderError: (RequestCanceled|ResponseBodyCanceled)", "\n".join(block)):
                aborted += 1
            else:
                faults += 1
                out.write("\n".join(block[:14]) + "\n")
print(faults, aborted)
PY
)
  if [ "$failures" != 0 ]; then
    echo "func-e2e: $failures failed invocations in the host's log:" >&2
    tail -n 80 "$work/failures.txt" >&2
  fi
  stop_host

  # A bad setting stops the app at start, named in the host's log (the worker's output), and no route answers.
  bad_setting=1
  log="$work/host-bad-setting.log"
  start_host Http__SseHeartbeat=00:00:00
  # The worker's own output names the setting; a host that does not relay it to its log still shows the worker
  # failing at start (its restarts exhausted) and never serving a route.
  named='Http:SseHeartbeat must be a positive duration'
  gave_up='Exceeded language worker restart retry count'
  for _ in $(seq 1 240); do
    grep -qE "$named|$gave_up" "$log" 2>/dev/null && break
    sleep 0.5
  done
  if grep -qE "$named|$gave_up" "$log" 2>/dev/null \
    && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/ok" 2>/dev/null || true)" != 200 ]; then
    bad_setting=0
    if grep -q "$named" "$log"; then how="the setting named in the host's log"; else how="the host gave up restarting the worker (its log does not relay the worker's message)"; fi
    echo "func-e2e: a bad setting (Http:SseHeartbeat=00:00:00) stopped the app at start: $how; no route answered" >&2
  else
    echo "func-e2e: with a bad setting the host's log did not name it, or a route answered; its log:" >&2
    tail -n 40 "$log" >&2
    status=1
  fi
  stop_host

  python3 - "$work/compat.tap" "$failures" "$SECONDS" "$kind" "$aborted" "$work/trx/host-traces.trx" "$bad_setting" <<'PY'
import os, re, sys
text = open(sys.argv[1], encoding="utf-8").read() if os.path.exists(sys.argv[1]) else ""
counts = dict(re.findall(r"^# (pass|fail|cancelled|skipped|todo) (\d+)$", text, re.M))
passed = int(counts.get("pass", 0))
# A fault of the app that the host logged counts as a failure too, though no client saw it.
failed = int(counts.get("fail", 0)) + int(counts.get("cancelled", 0)) + (0 if "pass" in counts else 1) + int(sys.argv[2])
# The trace tests (a run that left no results counts as one failure).
trx = open(sys.argv[6], encoding="utf-8").read() if os.path.exists(sys.argv[6]) else ""
summary = re.search(r'<Counters [^>]*\bpassed="(\d+)"[^>]*\bfailed="(\d+)"', trx) or re.search(r'<Counters [^>]*\bfailed="(\d+)"[^>]*\bpassed="(\d+)"', trx)
host_passed = host_failed = 0
if summary is None:
    failed += 1
else:
    values = dict(re.findall(r'\b(passed|failed)="(\d+)"', summary.group(0)))
    host_passed, host_failed = int(values["passed"]), int(values["failed"])
    passed += host_passed
    failed += host_failed + (1 if host_passed + host_failed == 0 else 0)
# The bad-setting start (one check).
if sys.argv[7] == "0":
    passed += 1
else:
    failed += 1
print(f"func-e2e: trace tests through the host: {host_passed} passed, {host_failed} failed", file=sys.stderr)
print(f"func-e2e: the app under {'func start' if sys.argv[4] == 'func' else 'the Functions host built from source'}, "
      f"{sys.argv[2]} failed invocations in the host's log (and {sys.argv[5]} whose client went away), {sys.argv[3]} s with the host",
      file=sys.stderr)
print(f"func-e2e: {passed} passed, {failed} failed")
PY
  [ "$failures" = 0 ] || status=1
  exit "$status"
fi

# ---- outer part ----
build=1
bench=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --bench) bench=1; shift ;;
    *) echo "usage: $0 [--no-build] [--bench]" >&2; exit 2 ;;
  esac
done
command -v dotnet >/dev/null || { echo "func-e2e: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }

if command -v func >/dev/null; then
  kind=func; target="$(command -v func)"
elif [ -n "${AGENTFUNCTIONS_FUNC_HOST:-}" ]; then
  kind=built
  for candidate in "$AGENTFUNCTIONS_FUNC_HOST/Microsoft.Azure.WebJobs.Script.WebHost.dll" \
                   "$AGENTFUNCTIONS_FUNC_HOST/host/out/bin/WebJobs.Script.WebHost/debug/Microsoft.Azure.WebJobs.Script.WebHost.dll" \
                   "$AGENTFUNCTIONS_FUNC_HOST/host/out/bin/WebJobs.Script.WebHost/release/Microsoft.Azure.WebJobs.Script.WebHost.dll"; do
    if [ -f "$candidate" ]; then target="$candidate"; break; fi
  done
  [ -n "${target:-}" ] || { echo "func-e2e: no Microsoft.Azure.WebJobs.Script.WebHost.dll in AGENTFUNCTIONS_FUNC_HOST ($AGENTFUNCTIONS_FUNC_HOST)." >&2; exit 1; }
else
  echo "func-e2e: no Functions host: install Azure Functions Core Tools 4 (func on PATH), or set AGENTFUNCTIONS_FUNC_HOST to a host built with ../shared/functions-host/functions-host.sh." >&2
  exit 1
fi

if [ "$build" = 1 ]; then
  # The app's tests build the app (Release) with them; the trace tests among them run against the host.
  dotnet build "$root/tests/AgentFunctions.FunctionApp.Tests" -c Release --nologo -clp:ErrorsOnly
  if [ "$bench" = 1 ]; then
    dotnet build "$root/src/AgentFunctions.Server" -c Release --nologo -clp:ErrorsOnly
    dotnet build "$root/tests/AgentFunctions.Benchmarks" -c Release --nologo -clp:ErrorsOnly
  fi
fi
[ -f "$app/functions.metadata" ] || { echo "func-e2e: $app/functions.metadata is missing; build the app (without --no-build)." >&2; exit 1; }
[ -f "$app/local.settings.json" ] || { echo "func-e2e: $app/local.settings.json is missing; the app's build copies local.settings.sample.json there." >&2; exit 1; }

exec "$root/eng/with-azurite.sh" "$root/eng/func-e2e.sh" --inside-storage "$kind" "$target" "$bench"

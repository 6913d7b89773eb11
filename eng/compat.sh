#!/usr/bin/env bash
# The compatibility tests: the official LangGraph JS SDK (pinned in tests/compat) against the real server.
#
#   eng/compat.sh [--no-build] [--tap <file>]
#   eng/compat.sh --url <base> [--tap <file>]     against a server already running there (eng/func-e2e.sh: the Functions app)
#
# Needs storage: AGENTFUNCTIONS_STORAGE_CONNECTION_STRING (eng/test.sh runs this beside its Azurite; by hand:
# eng/with-azurite.sh eng/compat.sh). Installs the SDK from tests/compat/package-lock.json when it is missing,
# builds the server (unless --no-build), starts it on a free loopback port with its own Storage:Prefix, waits for
# GET /ok, runs `node --test` with AGENTFUNCTIONS_URL set, and stops the server when the tests end, fail, or this
# script is interrupted. With --tap, the TAP results go to <file> as well (a failed set-up is written there as one
# failed test). The exit code is node's, or 1 when the server could not be started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
compat="$root/tests/compat"
dll="$root/src/AgentFunctions.Server/bin/Release/net10.0/AgentFunctions.Server.dll"

build=1
tap=""
url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --tap) tap="$2"; shift 2 ;;
    --url) url="${2%/}"; build=0; shift 2 ;;
    *) echo "usage: $0 [--no-build] [--tap <file>] | $0 --url <base> [--tap <file>]" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/agentfunctions-compat.XXXXXX")"
log="$work/server.log"
server_pid=""
node_pid=""

# A set-up failure still shows in the test count: one failed test in the TAP file.
setup_failed() {
  echo "compat: $1" >&2
  if [ -n "$tap" ]; then
    printf 'TAP version 13\nnot ok 1 - compat set-up: %s\n1..1\n# tests 1\n# pass 0\n# fail 1\n' "$1" >"$tap"
  fi
  exit 1
}

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -n "$url" ] || [ -n "${AGENTFUNCTIONS_STORAGE_CONNECTION_STRING:-}" ] \
  || setup_failed "AGENTFUNCTIONS_STORAGE_CONNECTION_STRING is not set; run eng/with-azurite.sh eng/compat.sh, or eng/test.sh"
command -v node >/dev/null || setup_failed "Node.js 20 or later is required (node not found)"

# The SDK from the lockfile, when it is missing or not the pinned version.
wanted="$(node -p "require('$compat/package.json').dependencies['@langchain/langgraph-sdk']")"
installed="$(node -p "try { require('$compat/node_modules/@langchain/langgraph-sdk/package.json').version } catch { '' }")"
if [ "$installed" != "$wanted" ]; then
  echo "compat: installing @langchain/langgraph-sdk $wanted from tests/compat/package-lock.json ..." >&2
  npm ci --prefix "$compat" --no-audit --no-fund --loglevel=error >&2 || setup_failed "npm ci in tests/compat failed"
fi

if [ -z "$url" ]; then
  if [ "$build" = 1 ]; then
    dotnet build "$root/src/AgentFunctions.Server" -c Release --nologo -clp:ErrorsOnly >&2 || setup_failed "the server did not build"
  fi
  [ -f "$dll" ] || setup_failed "$dll is missing; build the server first"

  # Port 0: Kestrel takes a free port and the server prints it. A prefix of its own keeps its tables apart. The demo
  # Agent Framework agent (graph af-agent) is served for agent-framework.test.mjs; the graph approval, whose calculator
  # calls wait for a person, for approval.test.mjs.
  (cd "$(dirname "$dll")" && PORT=0 HOST=127.0.0.1 AgentFramework__DemoAgent=true \
    Graphs__approval__Tools__0=calculator Graphs__approval__ApproveTools__0=calculator Storage__Prefix="compat$(date +%s)$RANDOM" exec dotnet "$dll") >"$log" 2>&1 &
  server_pid=$!

  url=""
  for _ in $(seq 1 600); do
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; setup_failed "the server exited during start-up"; }
    url="$(sed -n 's/^AgentFunctions is listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -n 1)"
    if [ -n "$url" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/ok" || true)" = "200" ]; then
      break
    fi
    url=""
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$log" >&2; setup_failed "the server did not answer GET /ok within 60 s"; }
  echo "compat: server (pid $server_pid) on $url; running the LangGraph SDK tests ..." >&2
else
  echo "compat: running the LangGraph SDK tests against $url ..." >&2
fi

# Files in parallel even on a two-core machine: the tests mostly wait for the server. A test that hangs fails on its
# own after a minute, by name, instead of holding the whole run until `timeout` ends it.
reporters=(--test-concurrency=4 --test-timeout=60000 --test-reporter=spec --test-reporter-destination=stdout)
[ -z "$tap" ] || reporters+=(--test-reporter=tap --test-reporter-destination="$tap")
cd "$compat"
# In the background and waited for, so that an interrupt reaches the traps at once; `timeout` bounds a hang.
AGENTFUNCTIONS_URL="$url" timeout 300 node --test "${reporters[@]}" ./*.test.mjs &
node_pid=$!
set +e
wait "$node_pid"
status=$?
set -e
node_pid=""
echo "compat: done in ${SECONDS} s (exit $status)." >&2
if [ "$status" -ne 0 ]; then
  echo "compat: the SDK tests failed (exit $status)." >&2
  if [ -n "$server_pid" ]; then
    echo "compat: the server's log:" >&2
    tail -n 60 "$log" >&2
  fi
fi
exit "$status"

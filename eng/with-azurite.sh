#!/usr/bin/env bash
# Runs a command beside a private Azurite (the storage emulator, pinned in eng/azurite).
#
#   eng/with-azurite.sh <command> [args...]
#
# Azurite starts in memory on free loopback ports chosen by the OS, this script waits until its
# blob, queue and table services all answer, exports the connection string as
# AGENTFUNCTIONS_STORAGE_CONNECTION_STRING, runs the command, and stops Azurite by its pid when
# the command ends, fails, or this script is interrupted (Ctrl+C, SIGTERM). The command's exit
# code is this script's exit code.
#
# When AGENTFUNCTIONS_STORAGE_CONNECTION_STRING is already set (a real storage account, or an
# emulator you run yourself), no Azurite is started and the command runs against that.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
azurite_dir="$here/azurite"
azurite_js="$azurite_dir/node_modules/azurite/dist/src/azurite.js"

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

if [ -n "${AGENTFUNCTIONS_STORAGE_CONNECTION_STRING:-}" ]; then
  echo "with-azurite: AGENTFUNCTIONS_STORAGE_CONNECTION_STRING is set; using that storage, not starting Azurite." >&2
  exec "$@"
fi

command -v node >/dev/null || { echo "with-azurite: Node.js is required to run Azurite (install Node 20 or later)." >&2; exit 1; }
if [ ! -f "$azurite_js" ]; then
  echo "with-azurite: installing Azurite from eng/azurite/package-lock.json ..." >&2
  npm ci --prefix "$azurite_dir" --no-audit --no-fund --loglevel=error >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/agentfunctions-azurite.XXXXXX")"
log="$work/azurite.log"
azurite_pid=""
child_pid=""

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$child_pid" ] && kill -0 "$child_pid" 2>/dev/null; then
    kill -TERM "$child_pid" 2>/dev/null || true
    wait "$child_pid" 2>/dev/null || true
  fi
  if [ -n "$azurite_pid" ] && kill -0 "$azurite_pid" 2>/dev/null; then
    kill -TERM "$azurite_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$azurite_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$azurite_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Port 0 lets the OS pick free ports; Azurite prints the ones it got.
(cd "$work" && exec node "$azurite_js" --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --silent \
  --blobHost 127.0.0.1 --blobPort 0 --queueHost 127.0.0.1 --queuePort 0 --tableHost 127.0.0.1 --tablePort 0) >"$log" 2>&1 &
azurite_pid=$!

port_of() { sed -n "s/^Azurite $1 service is successfully listening at http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p" "$log" 2>/dev/null | head -n 1; }  # the log may not exist yet

blob="" queue="" table=""
for _ in $(seq 1 600); do
  if ! kill -0 "$azurite_pid" 2>/dev/null; then
    echo "with-azurite: Azurite exited during start-up:" >&2
    cat "$log" >&2
    exit 1
  fi
  blob="$(port_of Blob)"; queue="$(port_of Queue)"; table="$(port_of Table)"
  [ -n "$blob" ] && [ -n "$queue" ] && [ -n "$table" ] && break
  sleep 0.1
done
if [ -z "$blob" ] || [ -z "$queue" ] || [ -z "$table" ]; then
  echo "with-azurite: Azurite did not report its ports within 60 s:" >&2
  cat "$log" >&2
  exit 1
fi

# Wait until every service answers HTTP (any status code counts as an answer).
for port in "$blob" "$queue" "$table"; do
  answered=""
  for _ in $(seq 1 300); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/devstoreaccount1" || true)"
    if [ -n "$code" ] && [ "$code" != "000" ]; then answered=1; break; fi
    sleep 0.1
  done
  [ -n "$answered" ] || { echo "with-azurite: Azurite on port $port does not answer" >&2; cat "$log" >&2; exit 1; }
done

account="devstoreaccount1"
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export AGENTFUNCTIONS_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/$account;QueueEndpoint=http://127.0.0.1:$queue/$account;TableEndpoint=http://127.0.0.1:$table/$account;"
echo "with-azurite: Azurite (pid $azurite_pid) on 127.0.0.1 ports blob $blob, queue $queue, table $table." >&2

"$@" &
child_pid=$!
set +e
wait "$child_pid"
status=$?
set -e
child_pid=""
exit "$status"

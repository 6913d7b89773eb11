#!/usr/bin/env bash
# The test command: installs what is missing (Azurite and the LangGraph JS SDK from npm), starts a private
# Azurite, runs every test project of AgentFunctions.sln (the Functions app's included), then the SDK compatibility tests
# against the built server (eng/compat.sh), stops Azurite, and exits non-zero on any failure. Set
# AGENTFUNCTIONS_STORAGE_CONNECTION_STRING to run the storage tests against a real account instead. Extra
# arguments go to `dotnet test` (e.g. --filter); AGENTFUNCTIONS_SKIP_COMPAT=1 leaves out the SDK tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Inner part, run by eng/with-azurite.sh with the storage set: dotnet test, then the SDK tests. Each runs in
# the background and is waited for, so that a TERM from with-azurite (interrupt, failure) reaches it.
if [ "${1:-}" = "--inside-storage" ]; then
  results="$2"
  shift 2
  child=""
  trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; wait; exit 143' TERM
  trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; wait; exit 130' INT
  run() {
    "$@" &
    child=$!
    local code=0
    wait "$child" || code=$?
    child=""
    return "$code"
  }
  status=0
  run dotnet test AgentFunctions.sln -c Release --no-build --nologo \
    --logger "trx" --results-directory "$results" "$@" || status=$?
  if [ "${AGENTFUNCTIONS_SKIP_COMPAT:-}" != "1" ]; then
    run eng/compat.sh --no-build --tap "$results/compat.tap" || status=$?
  fi
  exit "$status"
fi

command -v dotnet >/dev/null || { echo "test: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }

results="$(mktemp -d "${TMPDIR:-/tmp}/agentfunctions-tests.XXXXXX")"
trap 'rm -rf "$results"' EXIT

dotnet build AgentFunctions.sln -c Release --nologo -clp:ErrorsOnly
set +e
eng/with-azurite.sh "$root/eng/test.sh" --inside-storage "$results" "$@"
status=$?
set -e

# One closing line for the whole run, summed over every test project's results and the SDK tests' TAP summary.
python3 - "$results" <<'PY' || true
import glob, os, re, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
tap = os.path.join(sys.argv[1], "compat.tap")
if os.path.exists(tap):
    # node --test ends its TAP with "# pass N", "# fail N", "# cancelled N", "# skipped N", "# todo N" lines.
    counts = dict(re.findall(r"^# (pass|fail|cancelled|skipped|todo) (\d+)$", open(tap, encoding="utf-8").read(), re.M))
    passed += int(counts.get("pass", 0)); failed += int(counts.get("fail", 0)) + int(counts.get("cancelled", 0))
    skipped += int(counts.get("skipped", 0)) + int(counts.get("todo", 0))
    if "pass" not in counts:
        failed += 1  # the SDK tests did not finish (killed or timed out): count the run as one failure
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"

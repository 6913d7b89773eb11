#!/usr/bin/env bash
# The test command: installs what is missing (Azurite from npm), starts a private Azurite,
# runs every test project CI can build (AgentFunctions.CI.slnf), stops Azurite, and exits
# non-zero on any failure. Set AGENTFUNCTIONS_STORAGE_CONNECTION_STRING to run the storage
# tests against a real account instead. Extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v dotnet >/dev/null || { echo "test: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }

results="$(mktemp -d "${TMPDIR:-/tmp}/agentfunctions-tests.XXXXXX")"
trap 'rm -rf "$results"' EXIT

dotnet build AgentFunctions.CI.slnf -c Release --nologo -clp:ErrorsOnly
set +e
eng/with-azurite.sh dotnet test AgentFunctions.CI.slnf -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" "$@"
status=$?
set -e

# One closing line for the whole run, summed over every test project's results.
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"

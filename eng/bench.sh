#!/usr/bin/env bash
# Runs the on-demand benchmarks (Release build) beside a private Azurite and prints their figures.
#   eng/bench.sh            every benchmark
#   eng/bench.sh tables     one of them
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The server too: the http benchmark starts it as its own process from its Release build.
dotnet build src/AgentFunctions.Server -c Release --nologo -clp:ErrorsOnly
dotnet build tests/AgentFunctions.Benchmarks -c Release --nologo -clp:ErrorsOnly
exec eng/with-azurite.sh dotnet tests/AgentFunctions.Benchmarks/bin/Release/net10.0/AgentFunctions.Benchmarks.dll "$@"

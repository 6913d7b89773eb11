#!/usr/bin/env bash
# Runs the on-demand benchmarks (Release build) beside a private Azurite and prints their figures.
#   eng/bench.sh            every benchmark
#   eng/bench.sh tables     one of them
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build tests/AgentFunctions.Benchmarks -c Release --nologo -clp:ErrorsOnly
exec eng/with-azurite.sh dotnet tests/AgentFunctions.Benchmarks/bin/Release/net10.0/AgentFunctions.Benchmarks.dll "$@"

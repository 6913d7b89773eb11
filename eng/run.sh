#!/usr/bin/env bash
# The run command: builds the server, starts a private Azurite (unless a storage connection string
# is set), and runs the server with the offline model on http://127.0.0.1:${PORT:-8123}.
# Ctrl+C or SIGTERM stops the server and then Azurite. Extra arguments go to the server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v dotnet >/dev/null || { echo "run: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }

port="${PORT:-8123}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run: port $port is taken. Choose another with PORT=<port> $0" >&2
  exit 1
fi

dotnet build src/AgentFunctions.Server -c Release --nologo -clp:ErrorsOnly
export PORT="$port"
# A local server may post webhooks to local receivers (refused by default elsewhere).
export Webhooks__AllowPrivateNetworks="${Webhooks__AllowPrivateNetworks:-true}"
exec eng/with-azurite.sh dotnet src/AgentFunctions.Server/bin/Release/net10.0/AgentFunctions.Server.dll "$@"

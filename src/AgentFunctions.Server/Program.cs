using System.Net.Sockets;
using AgentFunctions.Server;

// Disposed at the end: the OpenTelemetry providers flush what they hold when the services are disposed.
await using var app = ServerApp.Build(args);
try
{
    await app.StartAsync();
}
catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    await Console.Error.WriteLineAsync($"The port is taken: {e.Message} Set PORT to a free port (for example PORT=8124).");
    return 1;
}

foreach (var address in app.Urls)
{
    Console.WriteLine($"AgentFunctions is listening on {address}");
}

await app.WaitForShutdownAsync();
return 0;

using AgentFunctions.Server;

// Disposed at the end: the OpenTelemetry providers flush what they hold when the services are disposed.
await using var app = await ServerApp.TryStartAsync(args, Console.Error);
if (app is null)
{
    // Why was written: a bad setting, or the port taken.
    return 1;
}

foreach (var address in app.Urls)
{
    Console.WriteLine($"AgentFunctions is listening on {address}");
}

await app.WaitForShutdownAsync();
return 0;

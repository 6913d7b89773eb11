namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// Streamed runs through a Functions host against the standalone server, on the same machine in the same run:
/// the Functions app already running at <c>AGENTFUNCTIONS_FUNCTIONS_URL</c> (eng/func-e2e.sh --bench starts it beside
/// this storage and sets it), the server started here as its own process on the same storage. The difference is the
/// host's hop: the host receives the request and proxies it to the worker's ASP.NET Core pipeline (ASP.NET Core
/// integration), and the worker answers the invocation over gRPC.
/// <code>
/// eng/func-e2e.sh --bench
/// </code>
/// The same run as <see cref="HttpBenchmark"/>'s one stream at a time (offline model, 200 tokens, no delay, values +
/// messages-tuple, a new thread each), alternating between the two so that both see the same machine load.
/// </summary>
internal static class FunctionsHostBenchmark
{
    private const int Runs = 15;

    public static async Task RunAsync(string connectionString)
    {
        if (Environment.GetEnvironmentVariable("AGENTFUNCTIONS_FUNCTIONS_URL") is not { Length: > 0 } functionsUrl)
        {
            Console.WriteLine("skipped: AGENTFUNCTIONS_FUNCTIONS_URL is not set (eng/func-e2e.sh --bench starts the Functions app and sets it).");
            return;
        }

        var prefix = "bfunc" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var server = await ServerProcess.StartAsync(connectionString, prefix);
            using var functions = Client(new Uri(functionsUrl.TrimEnd('/') + "/"));
            using var standalone = Client(server.BaseAddress);
            Console.WriteLine($"Functions host: {functions.BaseAddress}   standalone server: pid {server.Id} on {server.BaseAddress} (both Release, offline model)");

            // Warm up both (JIT on every side, the tables, the connections).
            for (var i = 0; i < 2; i++)
            {
                await HttpBenchmark.StreamAsync(functions, await HttpBenchmark.CreateThreadAsync(functions));
                await HttpBenchmark.StreamAsync(standalone, await HttpBenchmark.CreateThreadAsync(standalone));
            }

            var viaHost = new List<HttpBenchmark.StreamResult>();
            var direct = new List<HttpBenchmark.StreamResult>();
            for (var i = 0; i < Runs; i++)
            {
                viaHost.Add(await HttpBenchmark.StreamAsync(functions, await HttpBenchmark.CreateThreadAsync(functions)));
                direct.Add(await HttpBenchmark.StreamAsync(standalone, await HttpBenchmark.CreateThreadAsync(standalone)));
            }

            Console.WriteLine($"one stream at a time, alternating, median of {Runs} each ({viaHost[0].Events} events, {viaHost[0].TokenEvents} token events per run):");
            Console.WriteLine($"  {string.Empty,-18} {"first event",12} {"first token",12} {"whole run",12} {"events/s",10}");
            var host = Print("Functions host", viaHost);
            var alone = Print("standalone server", direct);
            Console.WriteLine($"  Functions host against the server: first event {host.FirstEvent - alone.FirstEvent:+0.0;-0.0} ms ({host.FirstEvent / alone.FirstEvent:F2}x), " +
                $"first token {host.FirstToken - alone.FirstToken:+0.0;-0.0} ms, {host.Rate / alone.Rate:F2}x the events/s");
        }
        finally
        {
            await HttpBenchmark.DeleteStorageAsync(connectionString, prefix);
        }
    }

    private static (double FirstEvent, double FirstToken, double Rate) Print(string name, List<HttpBenchmark.StreamResult> results)
    {
        var firstEvent = HttpBenchmark.Median(results.Select(r => r.FirstEventMs));
        var firstToken = HttpBenchmark.Median(results.Select(r => r.FirstTokenMs));
        var total = HttpBenchmark.Median(results.Select(r => r.TotalMs));
        var rate = HttpBenchmark.Median(results.Select(r => r.Events / (r.TotalMs / 1000)));
        Console.WriteLine($"  {name,-18} {firstEvent,9:F1} ms {firstToken,9:F1} ms {total,9:F1} ms {rate,10:N0}");
        return (firstEvent, firstToken, rate);
    }

    private static HttpClient Client(Uri baseAddress)
        => new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
}

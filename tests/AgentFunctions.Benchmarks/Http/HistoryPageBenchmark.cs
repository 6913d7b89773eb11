using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;
using AgentFunctions.Storage.Checkpoints;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// One large page of history: the standalone server as its own process, a thread of 3,000 checkpoints
/// (written straight to its table, one human message of about 200 characters each, so that the newest state
/// is about 700 KB), then <c>GET /threads/{id}/history?limit=1000</c> with values, read to the end.
/// <code>
/// eng/bench.sh historypage
/// </code>
/// Per request: the time to the response headers and to the first byte of the body, the whole time and
/// bytes, and how far the server's resident memory rose above where it was before the request (its peak,
/// VmHWM, reset before each request through /proc/&lt;pid&gt;/clear_refs; VmRSS polled every 5 ms where
/// that is not allowed). Then two such requests at once, and, for comparison, the whole history as NDJSON.
/// </summary>
internal static class HistoryPageBenchmark
{
    private const int Checkpoints = 3000;
    private const int Limit = 1000;
    private const int Passes = 3;

    // The caller under the server's default Auth:Mode None.
    private const string Owner = "local";

    public static async Task RunAsync(string connectionString)
    {
        var prefix = "bhpage" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var server = await ServerProcess.StartAsync(connectionString, prefix);
            using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
            Console.WriteLine($"server: pid {server.Id} on {server.BaseAddress} (dotnet AgentFunctions.Server.dll, Release)");

            var thread = await HttpBenchmark.CreateThreadAsync(client);
            var writing = Stopwatch.StartNew();
            await WriteHistoryAsync(connectionString, prefix, thread, Checkpoints);
            writing.Stop();
            var latest = await client.GetByteArrayAsync(new Uri($"/threads/{thread}/state", UriKind.Relative));
            Console.WriteLine($"a thread of {Checkpoints:N0} checkpoints written straight to the server's checkpoints table in {writing.Elapsed.TotalSeconds:F1} s; its latest state is {latest.Length / 1024.0:N0} KB");

            // Warm-up: JIT on both sides, the connection.
            await PageAsync(client, thread, limit: 10);
            var canReset = server.ResetPeak();
            Console.WriteLine($"GET /threads/{{id}}/history?limit={Limit} (values), read to the end; memory growth from {(canReset ? "VmHWM reset before each request" : "VmRSS polled every 5 ms")}:");
            Console.WriteLine($"  {"",-10} {"headers",9} {"1st byte",9} {"total",9} {"body",10} {"RSS before",11} {"growth",9}");
            for (var pass = 1; pass <= Passes; pass++)
            {
                var (result, growth, before) = await MeasureAsync(server, canReset, () => PageAsync(client, thread, Limit));
                Console.WriteLine($"  {"pass " + pass,-10} {result.HeadersMs,7:F0} ms {result.FirstByteMs,6:F0} ms {result.TotalMs,6:F0} ms {Mb(result.Bytes),7:F0} MB {Mb(before),8:F0} MB {Mb(growth),6:F0} MB");
            }

            var (both, bothGrowth, bothBefore) = await MeasureAsync(server, canReset, async () =>
            {
                var results = await Task.WhenAll(PageAsync(client, thread, Limit), PageAsync(client, thread, Limit));
                return results.MaxBy(r => r.TotalMs)!;
            });
            Console.WriteLine($"  {"2 at once",-10} {both.HeadersMs,7:F0} ms {both.FirstByteMs,6:F0} ms {both.TotalMs,6:F0} ms {Mb(both.Bytes),7:F0} MB {Mb(bothBefore),8:F0} MB {Mb(bothGrowth),6:F0} MB   (the slower of the two)");

            var (ndjson, ndjsonGrowth, ndjsonBefore) = await MeasureAsync(server, canReset, () => ReadAsync(client, $"/threads/{thread}/history/stream"));
            Console.WriteLine($"for comparison, the whole history as NDJSON (GET /threads/{{id}}/history/stream, {Checkpoints:N0} checkpoints with values):");
            Console.WriteLine($"  {"NDJSON",-10} {ndjson.HeadersMs,7:F0} ms {ndjson.FirstByteMs,6:F0} ms {ndjson.TotalMs,6:F0} ms {Mb(ndjson.Bytes),7:F0} MB {Mb(ndjsonBefore),8:F0} MB {Mb(ndjsonGrowth),6:F0} MB");

            var (peak, now) = server.Memory();
            Console.WriteLine($"server memory at the end: VmRSS {Mb(now):F0} MB, VmHWM {Mb(peak):F0} MB; log: {server.Warnings} warnings, {server.Errors} errors");
            if (server.FirstError is { } error)
            {
                Console.WriteLine($"  the first error:{Environment.NewLine}{error.TrimEnd()}");
            }
        }
        finally
        {
            await HttpBenchmark.DeleteStorageAsync(connectionString, prefix);
        }
    }

    /// <summary>
    /// The thread's checkpoints, written straight to the server's table with the checkpoint store (through the
    /// API, every update_state reads the whole state first, which makes 3,000 of them take many minutes).
    /// </summary>
    internal static async Task WriteHistoryAsync(string connectionString, string prefix, string thread, int checkpoints)
    {
        var store = new TableCheckpointStore(new TableServiceClient(connectionString), new CheckpointStoreOptions { TableName = prefix + "checkpoints" });
        var pad = new string('x', 170);
        string? parent = null;
        for (var i = 0; i < checkpoints; i++)
        {
            var delta = StateUpdate.FromMessages(new HumanMessage { Content = $"message {i} {pad}", Id = "msg-" + i });
            var written = await store.PutAsync(new CheckpointWrite
            {
                OwnerId = Owner,
                ThreadId = thread,
                ParentCheckpointId = parent,
                Step = i,
                Source = CheckpointSource.Update,
                Delta = delta,
                Metadata = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["source"] = "update", ["step"] = i, ["parents"] = new Dictionary<string, string>() }),
            });
            parent = written.CheckpointId;
        }
    }

    /// <summary>Runs <paramref name="request"/> and measures how far the server's resident memory rose above where it was before.</summary>
    private static async Task<(PageResult Result, long Growth, long Before)> MeasureAsync(ServerProcess server, bool canReset, Func<Task<PageResult>> request)
    {
        await Task.Delay(500); // let the server settle after the request before
        if (canReset)
        {
            server.ResetPeak();
        }

        var before = server.Memory().CurrentBytes;
        var polled = before;
        using var stop = new CancellationTokenSource();
        var polling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                polled = Math.Max(polled, server.Memory().CurrentBytes);
                await Task.Delay(5, CancellationToken.None);
            }
        });
        var result = await request();
        await stop.CancelAsync();
        await polling;
        var peak = canReset ? Math.Max(server.Memory().PeakBytes, polled) : polled;
        return (result, peak - before, before);
    }

    /// <summary>One page read to the end.</summary>
    private static Task<PageResult> PageAsync(HttpClient client, string thread, int limit)
        => ReadAsync(client, $"/threads/{thread}/history?limit={limit}");

    /// <summary>A response read to the end: when its headers came, when its first body byte came, and when its last did.</summary>
    private static async Task<PageResult> ReadAsync(HttpClient client, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        var headersMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await EnsureOkAsync(response, "GET history");
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        var read = await body.ReadAsync(buffer);
        var firstByteMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        long bytes = read;
        while (read > 0)
        {
            read = await body.ReadAsync(buffer);
            bytes += read;
        }

        return new PageResult(headersMs, firstByteMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds, bytes);
    }

    private static async Task EnsureOkAsync(HttpResponseMessage response, string what)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);

    private sealed record PageResult(double HeadersMs, double FirstByteMs, double TotalMs, long Bytes);
}

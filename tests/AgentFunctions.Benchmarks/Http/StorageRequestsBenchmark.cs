using System.Diagnostics;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// The storage requests of one streamed run: how many, and how many of them one after another before its first event.
/// <code>
/// eng/bench.sh requests
/// </code>
/// A server process whose storage spans (the pipeline policy's, one per request to Table or Queue storage) are recorded
/// by the startup hook, with start and end on the machine's one monotonic clock; a fresh thread per run, streamed with
/// <see cref="HttpBenchmark.StreamAsync"/> (200 tokens, values + messages-tuple), then a second for the writes that
/// end it. Printed, median of <see cref="Runs"/>: the requests the run made; those that started before the first event
/// arrived; the sequential round trips among them (the longest chain of requests each of which began after the one
/// before it had ended: what the first event waited for); and the requests of the median run, in order, each with what it was (a query and its filter, a point read or write, a transaction: <see cref="StorageSpan.Kind"/>).
/// </summary>
internal static class StorageRequestsBenchmark
{
    private const int Runs = 7;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(string connectionString)
    {
        var prefix = "breq" + Guid.NewGuid().ToString("N")[..8];
        var request = Path.Combine(Path.GetTempPath(), prefix + ".storage");
        try
        {
            await using var server = await ServerProcess.StartAsync(connectionString, prefix, new Dictionary<string, string>
            {
                ["DOTNET_STARTUP_HOOKS"] = typeof(StorageRequestsBenchmark).Assembly.Location,
                [StartupHook.StorageRequestVariable] = request,
            });
            using var handler = new SocketsHttpHandler { UseProxy = false };
            using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

            // Warm up: tables and queues created, code paths jitted.
            for (var i = 0; i < 2; i++)
            {
                await HttpBenchmark.StreamAsync(client, await HttpBenchmark.CreateThreadAsync(client));
            }

            var runs = new List<RunRequests>();
            for (var i = 0; i < Runs; i++)
            {
                var thread = await HttpBenchmark.CreateThreadAsync(client);
                await Task.Delay(Settle);
                _ = await StorageSpan.TakeAsync(request);
                var stream = await HttpBenchmark.StreamAsync(client, thread);
                await Task.Delay(Settle);
                var spans = (await StorageSpan.TakeAsync(request)).Where(s => s.Start >= stream.StartedTicks).OrderBy(s => s.Start).ToList();
                var beforeFirst = spans.Where(s => s.Start < stream.FirstEventTicks).ToList();
                runs.Add(new RunRequests(spans, beforeFirst.Count, SequentialRoundTrips(beforeFirst.Where(s => s.End <= stream.FirstEventTicks)), stream));
            }

            var median = runs.OrderBy(r => r.Spans.Count).ElementAt(runs.Count / 2);
            Console.WriteLine($"storage requests of one streamed run ({Runs} runs, a fresh thread each, 200 tokens, values + messages-tuple; median):");
            Console.WriteLine($"  requests per run                                {Median(runs.Select(r => (double)r.Spans.Count)),5:F0}   (runs: {string.Join(", ", runs.Select(r => r.Spans.Count))})");
            Console.WriteLine($"  of them started before the first event          {Median(runs.Select(r => (double)r.BeforeFirstEvent)),5:F0}");
            Console.WriteLine($"  sequential round trips before the first event   {Median(runs.Select(r => (double)r.RoundTripsBeforeFirstEvent)),5:F0}");
            Console.WriteLine($"  first event                                     {Median(runs.Select(r => r.Stream.FirstEventMs)),7:F1} ms");
            Console.WriteLine("  the median run's requests, in the order they started (ms from the request; * before the first event):");
            foreach (var span in median.Spans)
            {
                var at = Stopwatch.GetElapsedTime(median.Stream.StartedTicks, span.Start).TotalMilliseconds;
                Console.WriteLine($"    {(span.Start < median.Stream.FirstEventTicks ? '*' : ' ')} {at,7:F1} ms  {span.Ms,6:F1} ms  {span.Kind(prefix)}");
            }
        }
        finally
        {
            File.Delete(request + ".spans");
            await HttpBenchmark.DeleteStorageAsync(connectionString, prefix);
        }
    }

    /// <summary>The longest chain of requests each of which started after the one before it ended.</summary>
    private static int SequentialRoundTrips(IEnumerable<StorageSpan> spans)
    {
        var chain = 0;
        var end = long.MinValue;
        foreach (var span in spans.OrderBy(s => s.End))
        {
            if (span.Start >= end)
            {
                chain++;
                end = span.End;
            }
        }

        return chain;
    }

    private static double Median(IEnumerable<double> values) => HttpBenchmark.Median(values);

    private sealed record RunRequests(List<StorageSpan> Spans, int BeforeFirstEvent, int RoundTripsBeforeFirstEvent, HttpBenchmark.StreamResult Stream);
}

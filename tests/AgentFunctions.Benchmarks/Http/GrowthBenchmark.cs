using System.Diagnostics;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// Whether a run gets slower as the store fills: the same sequential runs on a fresh store and on one that holds
/// <see cref="FillRuns"/> runs, measured by turns in the same minutes, so that both meet the same load.
/// <code>
/// eng/bench.sh growth
/// </code>
/// Two stores in the same storage (two table prefixes), each served by its own server process whose storage requests
/// are recorded by the startup hook (as for <see cref="StorageRequestsBenchmark"/>). The filled store first gets
/// <see cref="FillRuns"/> runs like the measured ones (their event logs too: a stream that falls behind its run's events
/// has them written to the log and reads on from there), <see cref="FillConcurrency"/> at a time, a fresh thread each, one in <see cref="FollowUpEvery"/> followed by
/// a second run on its thread. Then both servers are started anew (warmed up alike, <see cref="WarmUpThreads"/> threads
/// of two runs each), and <see cref="MeasuredThreads"/> fresh threads on each store, taking turns, are each streamed twice
/// with <see cref="HttpBenchmark.StreamAsync"/> (200 tokens, values + messages-tuple: a first run, then a follow-up on the
/// same thread), one run at a time, with a pause after each so that its last writes are in before the next begins.
/// Printed: time to the first event, median and p95, fresh and filled, and their ratio; and per kind of storage request
/// (<see cref="StorageSpan.Kind"/>) how many a run makes and its median latency fresh and filled, the requests that grew
/// most first.
/// </summary>
internal static class GrowthBenchmark
{
    private const int WarmUpThreads = 10;
    private const int MeasuredThreads = 20;
    private const int FillRuns = 5000;
    private const int FillConcurrency = 16;
    private const int FollowUpEvery = 10;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    public static async Task RunAsync(string connectionString)
    {
        var fresh = new Store("bgrowa" + Guid.NewGuid().ToString("N")[..8]);
        var filled = new Store("bgrowb" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Console.WriteLine($"filling a store with {FillRuns:N0} runs, {FillConcurrency} at a time (load {Load()}) ...");
            await using (var server = await filled.StartAsync(connectionString))
            {
                using var client = Client(server);
                var filling = Stopwatch.StartNew();
                await FillAsync(client);
                Console.WriteLine($"  filled in {filling.Elapsed.TotalSeconds:F0} s ({FillRuns / filling.Elapsed.TotalSeconds:F0} runs/s; load {Load()})");
            }

            Console.WriteLine($"  rows: {await RowCountsAsync(connectionString, filled.Prefix)}");
            await using (var freshServer = await fresh.StartAsync(connectionString))
            await using (var filledServer = await filled.StartAsync(connectionString))
            {
                using var freshClient = Client(freshServer);
                using var filledClient = Client(filledServer);
                await WarmUpAsync(freshClient);
                await WarmUpAsync(filledClient);
                Console.WriteLine($"measuring, the two stores by turns (load {Load()}) ...");
                for (var i = 0; i < MeasuredThreads; i++)
                {
                    var (first, second) = i % 2 == 0 ? ((fresh, freshClient), (filled, filledClient)) : ((filled, filledClient), (fresh, freshClient));
                    await MeasureThreadAsync(first.Item2, first.Item1);
                    await MeasureThreadAsync(second.Item2, second.Item1);
                }

                Console.WriteLine($"  measured (load {Load()})");
            }

            Print(fresh, filled);
        }
        finally
        {
            foreach (var store in new[] { fresh, filled })
            {
                File.Delete(store.Request + ".spans");
                await HttpBenchmark.DeleteStorageAsync(connectionString, store.Prefix);
            }
        }
    }

    private static HttpClient Client(ServerProcess server)
        => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

    private static async Task WarmUpAsync(HttpClient client)
    {
        for (var i = 0; i < WarmUpThreads; i++)
        {
            var thread = await HttpBenchmark.CreateThreadAsync(client);
            await HttpBenchmark.StreamAsync(client, thread);
            await HttpBenchmark.StreamAsync(client, thread);
        }
    }

    /// <summary>A fresh thread streamed twice, its two runs' first events and storage requests recorded.</summary>
    private static async Task MeasureThreadAsync(HttpClient client, Store store)
    {
        var thread = await HttpBenchmark.CreateThreadAsync(client);
        await Task.Delay(Settle);
        _ = await StorageSpan.TakeAsync(store.Request); // the thread's creation and anything before
        store.FirstRuns.Add((await HttpBenchmark.StreamAsync(client, thread)).FirstEventMs);
        await Task.Delay(Settle);
        store.Spans.AddRange(await StorageSpan.TakeAsync(store.Request));
        store.FollowUps.Add((await HttpBenchmark.StreamAsync(client, thread)).FirstEventMs);
        await Task.Delay(Settle);
        store.Spans.AddRange(await StorageSpan.TakeAsync(store.Request));
    }

    /// <summary><see cref="FillRuns"/> streamed runs, <see cref="FillConcurrency"/> at a time, on fresh threads and some follow-ups.</summary>
    private static async Task FillAsync(HttpClient client)
    {
        var left = FillRuns;
        await Task.WhenAll(Enumerable.Range(0, FillConcurrency).Select(async worker =>
        {
            for (var n = 0; ; n++)
            {
                var started = FillRuns - Interlocked.Decrement(ref left);
                if (started > FillRuns)
                {
                    return;
                }

                if (started % 1000 == 0)
                {
                    Console.WriteLine($"  {started:N0} runs started (load {Load()})");
                }

                var thread = await HttpBenchmark.CreateThreadAsync(client);
                await HttpBenchmark.StreamAsync(client, thread);
                if (n % FollowUpEvery == FollowUpEvery - 1 && Interlocked.Decrement(ref left) >= 0)
                {
                    await HttpBenchmark.StreamAsync(client, thread);
                }
            }
        }));
    }

    private static async Task<string> RowCountsAsync(string connectionString, string prefix)
    {
        var tables = new TableServiceClient(connectionString);
        var counts = new List<string>();
        await foreach (var table in tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0))
        {
            var rows = 0;
            await foreach (var _ in tables.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["PartitionKey"]))
            {
                rows++;
            }

            counts.Add($"{table.Name[prefix.Length..]} {rows:N0}");
        }

        return string.Join(", ", counts);
    }

    private static void Print(Store fresh, Store filled)
    {
        Console.WriteLine($"time to the first event, {MeasuredThreads} fresh threads on each store one after another, a first run and a follow-up each (200 tokens, values + messages-tuple):");
        Console.WriteLine("                        fresh median    p95   filled median    p95   ratio (medians)");
        Row("first run on a thread", fresh.FirstRuns, filled.FirstRuns);
        Row("follow-up run", fresh.FollowUps, filled.FollowUps);

        var runs = 2 * MeasuredThreads;
        var before = fresh.Spans.GroupBy(s => s.Kind(fresh.Prefix)).ToDictionary(g => g.Key, g => g.Select(s => s.Ms).ToList());
        var after = filled.Spans.GroupBy(s => s.Kind(filled.Prefix)).ToDictionary(g => g.Key, g => g.Select(s => s.Ms).ToList());
        var kinds = before.Keys.Union(after.Keys).Select(kind =>
        {
            var a = before.GetValueOrDefault(kind) ?? [];
            var b = after.GetValueOrDefault(kind) ?? [];
            var perRun = (a.Count + b.Count) / (2.0 * runs);
            var grown = a.Count > 0 && b.Count > 0 ? (HttpBenchmark.Median(b) - HttpBenchmark.Median(a)) * perRun : double.NaN;
            return (Kind: kind, Fresh: a, Filled: b, PerRun: perRun, Grown: grown);
        }).OrderByDescending(k => double.IsNaN(k.Grown) ? double.MinValue : k.Grown).ToList();

        Console.WriteLine($"storage requests by kind ({runs} runs on each store; latency from the server's storage span, median; the kinds that added most per run first):");
        Console.WriteLine("   per run   fresh ms  filled ms   ratio   +ms/run   kind");
        foreach (var k in kinds)
        {
            var a = k.Fresh.Count > 0 ? HttpBenchmark.Median(k.Fresh) : double.NaN;
            var b = k.Filled.Count > 0 ? HttpBenchmark.Median(k.Filled) : double.NaN;
            Console.WriteLine($"   {k.PerRun,7:F2}   {a,8:F2}  {b,9:F2}  {b / a,6:F2}x  {k.Grown,8:F2}   {k.Kind}");
        }

        Console.WriteLine($"   {fresh.Spans.Count / (double)runs,7:F2}   {Sum(fresh),8:F1}  {Sum(filled),9:F1}  {Sum(filled) / Sum(fresh),6:F2}x            every request of a run, summed (ms per run, mean)");

        double Sum(Store store) => store.Spans.Sum(s => s.Ms) / runs;

        static void Row(string what, List<double> a, List<double> b)
        {
            double ma = HttpBenchmark.Median(a), mb = HttpBenchmark.Median(b);
            Console.WriteLine($"  {what,-22} {ma,8:F1} ms {HttpBenchmark.Percentile(a, 0.95),6:F1}   {mb,8:F1} ms {HttpBenchmark.Percentile(b, 0.95),6:F1}   {mb / ma,5:F2}x");
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>One of the two stores: its tables' prefix, its server's storage-request file, what was measured on it.</summary>
    private sealed class Store(string prefix)
    {
        public string Prefix { get; } = prefix;

        public string Request { get; } = Path.Combine(Path.GetTempPath(), prefix + ".storage");

        public List<double> FirstRuns { get; } = [];

        public List<double> FollowUps { get; } = [];

        public List<StorageSpan> Spans { get; } = [];

        public Task<ServerProcess> StartAsync(string connectionString) => ServerProcess.StartAsync(connectionString, Prefix, new Dictionary<string, string>
        {
            ["DOTNET_STARTUP_HOOKS"] = typeof(GrowthBenchmark).Assembly.Location,
            [StartupHook.StorageRequestVariable] = Request,
        });
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentFunctions.Storage.Runs;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// The HTTP API end to end: the standalone server as its own process on loopback, driven over real HTTP.
/// <code>
/// eng/bench.sh http
/// </code>
/// Streamed runs of the offline model (200 tokens, no delay, stream modes values + messages-tuple):
/// time to the first SSE event and to the first token event, events per second, one at a time and
/// 50 at once (each on its own thread); a thread's history of 1,000 checkpoints (written with
/// update_state) read in pages of 100 following the cursor and as NDJSON, checkpoints per second;
/// the server's resident memory (VmRSS) after each part and its peak (VmHWM), from /proc.
/// </summary>
internal static class HttpBenchmark
{
    private const int Tokens = 200;
    private const int SingleRuns = 15;
    private const int Concurrent = 50;
    private const int ConcurrentRounds = 3;
    private const int Checkpoints = 1000;
    private const int PageSize = 100;
    private const int HistoryPasses = 5;

    private static readonly string RunBody =
        $$"""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"tokens={{Tokens}}"}]},"stream_mode":["values","messages-tuple"]}""";

    public static async Task RunAsync(string connectionString)
    {
        var prefix = "bhttp" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var server = await ServerProcess.StartAsync(connectionString, prefix);
            using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            Console.WriteLine($"server: pid {server.Id} on {server.BaseAddress} (dotnet AgentFunctions.Server.dll, offline model, Release)");

            var memory = new List<(string Phase, long Rss, long Peak)>();
            void Sample(string phase)
            {
                var (peak, rss) = server.Memory();
                memory.Add((phase, rss, peak));
            }

            Sample("started, idle");
            var single = await SingleStreamsAsync(client);
            Sample($"after {SingleRuns + 2} single streams");
            await ConcurrentStreamsAsync(client, single);
            Sample($"after {ConcurrentRounds + 1} rounds of {Concurrent} concurrent streams");
            await HistoryAsync(client);
            Sample($"after the {Checkpoints:N0}-checkpoint history");

            Console.WriteLine("server memory (/proc/<pid>/status):");
            foreach (var (phase, rss, peak) in memory)
            {
                Console.WriteLine($"  {phase,-44} VmRSS {Mb(rss),7:F1} MB   VmHWM {Mb(peak),7:F1} MB");
            }

            var (serverPeak, serverNow) = server.Memory();
            using var self = Process.GetCurrentProcess();
            Console.WriteLine($"  server peak (VmHWM) {Mb(serverPeak):F1} MB, at the end (VmRSS) {Mb(serverNow):F1} MB; the client (this process) peaked at {Mb(self.PeakWorkingSet64):F1} MB");
            Console.WriteLine($"server log: {server.OutputLines:N0} lines, {server.Warnings} warnings (one is the start-up notice that Auth:Mode is None), {server.Errors} errors");
            if (server.FirstError is { } error)
            {
                Console.WriteLine($"  the first error:{Environment.NewLine}{error.TrimEnd()}");
            }
        }
        finally
        {
            await DeleteStorageAsync(connectionString, prefix);
        }
    }

    // ---- streamed runs ----

    private static async Task<StreamSummary> SingleStreamsAsync(HttpClient client)
    {
        // Warm up (JIT on both sides, tables, the connection).
        for (var i = 0; i < 2; i++)
        {
            await StreamAsync(client, await CreateThreadAsync(client));
        }

        var results = new List<StreamResult>();
        for (var i = 0; i < SingleRuns; i++)
        {
            results.Add(await StreamAsync(client, await CreateThreadAsync(client)));
        }

        var summary = new StreamSummary(
            Median(results.Select(r => r.FirstEventMs)),
            Median(results.Select(r => r.FirstTokenMs)),
            Median(results.Select(r => r.Events / (r.TotalMs / 1000))),
            Median(results.Select(r => r.TotalMs)));
        Console.WriteLine($"one stream at a time: POST /threads/{{id}}/runs/stream, offline model, {Tokens} tokens, no delay, stream modes values + messages-tuple, a new thread each, median of {SingleRuns}:");
        Console.WriteLine($"  first SSE event   {summary.FirstEventMs,8:F1} ms");
        Console.WriteLine($"  first token event {summary.FirstTokenMs,8:F1} ms");
        Console.WriteLine($"  whole run         {summary.TotalMs,8:F1} ms   {results[0].Events} events ({results[0].TokenEvents} token events)   {summary.EventsPerSecond,9:N0} events/s");
        return summary;
    }

    private static async Task ConcurrentStreamsAsync(HttpClient client, StreamSummary single)
    {
        await ConcurrentRoundAsync(client); // warm-up: opens the connections
        var streams = new List<StreamResult>();
        var rates = new List<double>();
        var walls = new List<double>();
        for (var round = 0; round < ConcurrentRounds; round++)
        {
            var (results, wallMs) = await ConcurrentRoundAsync(client);
            streams.AddRange(results);
            rates.Add(results.Sum(r => r.Events) / (wallMs / 1000));
            walls.Add(wallMs);
        }

        var firstEvent = streams.Select(r => r.FirstEventMs).ToList();
        var firstToken = streams.Select(r => r.FirstTokenMs).ToList();
        var rate = Median(rates);
        Console.WriteLine($"{Concurrent} streams at once, each on its own thread, {ConcurrentRounds} rounds ({streams.Count} streams; after a warm-up round):");
        Console.WriteLine($"  first SSE event   median {Median(firstEvent),8:F1} ms   p95 {Percentile(firstEvent, 0.95),8:F1} ms");
        Console.WriteLine($"  first token event median {Median(firstToken),8:F1} ms   p95 {Percentile(firstToken, 0.95),8:F1} ms   max {firstToken.Max(),8:F1} ms");
        Console.WriteLine($"  all {Concurrent} to their end      {Median(walls),8:F1} ms (median round)   {rate,9:N0} events/s in total (median round)");
        Console.WriteLine($"  against one at a time: {rate / single.EventsPerSecond:F2}x the events/s, {Median(firstToken) / single.FirstTokenMs:F2}x the time to the first token (median)");
    }

    private static async Task<(List<StreamResult> Results, double WallMs)> ConcurrentRoundAsync(HttpClient client)
    {
        var threads = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => CreateThreadAsync(client)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = threads.Select(async thread =>
        {
            await gate.Task;
            return await StreamAsync(client, thread);
        }).ToList();
        var started = Stopwatch.GetTimestamp();
        gate.SetResult();
        var results = await Task.WhenAll(tasks);
        return (results.ToList(), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Streams one run to its end, reading the SSE frames as they arrive.</summary>
    internal static async Task<StreamResult> StreamAsync(HttpClient client, string threadId, string? traceParent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent(RunBody, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await EnsureOkAsync(response, "POST runs/stream");
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);

        double firstEvent = 0, firstToken = 0;
        long firstEventAt = 0;
        int events = 0, tokens = 0;
        string? name = null, data = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    events++;
                    if (events == 1)
                    {
                        firstEventAt = Stopwatch.GetTimestamp();
                        firstEvent = Stopwatch.GetElapsedTime(started, firstEventAt).TotalMilliseconds;
                    }

                    if (name == "messages")
                    {
                        tokens++;
                        if (tokens == 1)
                        {
                            firstToken = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        }
                    }
                    else if (name == "error")
                    {
                        throw new InvalidOperationException($"The run streamed an error: {data}");
                    }
                }

                name = data = null;
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = data is null ? line[5..] : data + "\n" + line[5..];
            }
        }

        if (tokens == 0)
        {
            throw new InvalidOperationException($"The run streamed {events} events and no token event.");
        }

        return new StreamResult(firstEvent, firstToken, events, tokens, Stopwatch.GetElapsedTime(started).TotalMilliseconds, started, firstEventAt);
    }

    // ---- history ----

    private static async Task HistoryAsync(HttpClient client)
    {
        var thread = await CreateThreadAsync(client);
        var writing = Stopwatch.StartNew();
        for (var i = 0; i < Checkpoints; i++)
        {
            var body = $$$"""{"values":{"messages":[{"role":"user","content":"message {{{i}}} of the history benchmark"}]}}""";
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(new Uri($"/threads/{thread}/state", UriKind.Relative), content);
            await EnsureOkAsync(response, "POST state");
        }

        writing.Stop();
        Console.WriteLine($"a thread of {Checkpoints:N0} checkpoints, one human message each (the newest holds {Checkpoints:N0} messages):");
        Console.WriteLine($"  written with update_state (POST /threads/{{id}}/state), one after another: {writing.Elapsed.TotalSeconds:F1} s, {Checkpoints / writing.Elapsed.TotalSeconds,7:N0} checkpoints/s");

        var paged = await HistoryPassesAsync(() => PagedHistoryAsync(client, thread));
        var summaries = await HistoryPassesAsync(() => NdjsonHistoryAsync(client, thread, values: false));
        var full = await HistoryPassesAsync(() => NdjsonHistoryAsync(client, thread, values: true));
        Console.WriteLine($"  reading the whole history, median of {HistoryPasses} passes (after one warm-up):");
        Print($"GET /history?limit={PageSize}, following X-Next-Cursor", paged);
        Print("GET /history/stream?values=false (NDJSON)", summaries);
        Print("GET /history/stream?values=true (NDJSON)", full);
        Console.WriteLine($"  NDJSON against pages: {summaries.Rate / paged.Rate:F1}x the checkpoints/s without values, {full.Rate / paged.Rate:F2}x with them (the same snapshots as the pages)");

        static void Print(string what, HistoryPass pass)
            => Console.WriteLine($"    {what,-48} {pass.Ms,8:F1} ms  {pass.Rate,9:N0} checkpoints/s   {pass.Checkpoints:N0} checkpoints in {pass.Requests} request(s), {Mb(pass.Bytes),6:F1} MB");
    }

    private static async Task<HistoryPass> HistoryPassesAsync(Func<Task<HistoryPass>> pass)
    {
        await pass();
        var passes = new List<HistoryPass>();
        for (var i = 0; i < HistoryPasses; i++)
        {
            passes.Add(await pass());
        }

        return passes.OrderBy(p => p.Ms).ElementAt(passes.Count / 2);
    }

    /// <summary>Pages of <see cref="PageSize"/> snapshots, each request sending the cursor the previous answer gave.</summary>
    private static async Task<HistoryPass> PagedHistoryAsync(HttpClient client, string thread)
    {
        var started = Stopwatch.GetTimestamp();
        int checkpoints = 0, requests = 0;
        long bytes = 0;
        string? cursor = null;
        do
        {
            var path = $"/threads/{thread}/history?limit={PageSize}" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            await EnsureOkAsync(response, "GET history");
            var body = await response.Content.ReadAsByteArrayAsync();
            using var page = JsonDocument.Parse(body);
            checkpoints += page.RootElement.GetArrayLength();
            bytes += body.Length;
            requests++;
            cursor = response.Headers.TryGetValues("X-Next-Cursor", out var values) ? values.FirstOrDefault() : null;
        }
        while (cursor is not null);

        return HistoryPass.Of(started, checkpoints, requests, bytes);
    }

    /// <summary>The whole history as NDJSON in one request, a line per checkpoint.</summary>
    private static async Task<HistoryPass> NdjsonHistoryAsync(HttpClient client, string thread, bool values)
    {
        var started = Stopwatch.GetTimestamp();
        var path = $"/threads/{thread}/history/stream?values={(values ? "true" : "false")}";
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        await EnsureOkAsync(response, "GET history/stream");
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);
        var checkpoints = 0;
        long bytes = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            bytes += Encoding.UTF8.GetByteCount(line) + 1;
            if (line.Length > 0)
            {
                checkpoints++;
            }
        }

        return HistoryPass.Of(started, checkpoints, 1, bytes);
    }

    // ---- helpers ----

    internal static async Task<string> CreateThreadAsync(HttpClient client)
    {
        var id = Guid.NewGuid().ToString("D");
        using var content = new StringContent($$"""{"thread_id":"{{id}}"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/threads", UriKind.Relative), content);
        await EnsureOkAsync(response, "POST threads");
        return id;
    }

    private static async Task EnsureOkAsync(HttpResponseMessage response, string what)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    internal static async Task DeleteStorageAsync(string connectionString, string prefix)
    {
        var tables = new TableServiceClient(connectionString);
        foreach (var name in new[] { "threads", "assistants", "checkpoints", "runs", "runevents" })
        {
            await tables.DeleteTableAsync(prefix + name);
        }

        await new QueueServiceClient(connectionString).GetQueueClient((prefix + QueueRunScheduler.DefaultQueueName).ToLowerInvariant()).DeleteIfExistsAsync();
    }

    internal static double Median(IEnumerable<double> values) => Percentile(values.ToList(), 0.5);

    internal static double Percentile(IReadOnlyCollection<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        var index = Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1);
        return sorted[index];
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);

    internal sealed record StreamResult(double FirstEventMs, double FirstTokenMs, int Events, int TokenEvents, double TotalMs, long StartedTicks, long FirstEventTicks);

    private sealed record StreamSummary(double FirstEventMs, double FirstTokenMs, double EventsPerSecond, double TotalMs);

    private sealed record HistoryPass(double Ms, int Checkpoints, int Requests, long Bytes)
    {
        public double Rate => Checkpoints / (Ms / 1000);

        public static HistoryPass Of(long started, int checkpoints, int requests, long bytes)
            => new(Stopwatch.GetElapsedTime(started).TotalMilliseconds, checkpoints, requests, bytes);
    }
}

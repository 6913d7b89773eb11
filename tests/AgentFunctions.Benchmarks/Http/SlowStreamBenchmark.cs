using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// Slow stream consumers against fast ones: what a stream costs the server's memory when its client does not keep up.
/// <code>
/// eng/bench.sh slowstreams
/// </code>
/// <see cref="Streams"/> streamed runs at once of the offline model (<see cref="Tokens"/> tokens, no delay, stream modes
/// values + messages-tuple), each on its own thread, on a fresh server process each time:
/// <list type="bullet">
/// <item>fast consumers read every stream as it comes;</item>
/// <item>slow consumers read the first event, then nothing until every run has ended (a client on a stalled network:
/// sockets with a 4 KB receive buffer, so the loopback does not take the stream off the server's hands), then read
/// the rest.</item>
/// </list>
/// The server runs with the workstation GC, whose heap follows what is alive more closely than the server GC's.
/// Printed: the time until every run has ended; the live managed heap (a full collection, asked of the server through
/// its startup hook) once every run has ended, above that before the streams, per stream: what a stream holds while its
/// consumer has not read it (the figure slow consumers are about); the server's resident memory (VmRSS) before the streams (after a
/// warm-up) and its highest sample (every 50 ms) while they run and, for the slow consumers, until they read on; the
/// growth per stream; how many consumers fell behind (read on from the run's event log, from the server's log); and a
/// check that every consumer got every event once, ids 0, 1, 2… to the end.
/// Then what the peak is made of, from the server's own samples (its startup hook, every 20 ms): at its highest VmRSS,
/// the GC's committed memory, heap, LOH and gen2, what the last full collection found alive, what is not the GC's
/// (code, stacks, native buffers), the bytes allocated meanwhile by heap and type; and, for the slow consumers, VmRSS
/// while they read on from the runs' logs. <c>BENCH_SERVER_DOTNET_GC…</c> variables set GC settings for the server alone.
/// </summary>
internal static class SlowStreamBenchmark
{
    private const int Streams = 50;
    private const int Tokens = 10_000;

    private static readonly string RunBody =
        $$"""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"tokens={{Tokens}}"}]},"stream_mode":["values","messages-tuple"]}""";

    public static async Task RunAsync(string connectionString)
    {
        Console.WriteLine($"{Streams} streamed runs at once, offline model, {Tokens:N0} tokens each, stream modes values + messages-tuple; a fresh server process for each kind of consumer:");
        var fast = await PhaseAsync(connectionString, slow: false);
        var slow = await PhaseAsync(connectionString, slow: true);
        Console.WriteLine($"  {"consumers",-10} {"all runs ended",15} {"events/stream",14} {"held per stream",16} {"VmRSS before",13} {"VmRSS peak",11} {"growth",9} {"per stream",11}");
        foreach (var (name, phase) in new[] { ("fast", fast), ("slow", slow) })
        {
            Console.WriteLine(
                $"  {name,-10} {phase.RunsEndedSeconds,13:F1} s {phase.EventsPerStream,14:N0} {Mb(phase.HeapHeld / Streams),13:F2} MB {Mb(phase.Before),10:F1} MB {Mb(phase.Peak),8:F1} MB {Mb(phase.Growth),6:F1} MB {Mb(phase.Growth / Streams),8:F2} MB");
        }

        Console.WriteLine($"  slow consumers reading on from the logs once every run had ended: {slow.ReadOnSeconds:F1} s, VmRSS peak {Mb(slow.ReadOnPeak ?? 0):F1} MB, {Mb(Math.Max(0, (slow.ReadOnPeak ?? 0) - slow.Before) / Streams):F2} MB per stream above before the streams");
        Console.WriteLine("  at the server's own highest VmRSS sample (every 20 ms) against just before the streams (MB; GC figures as of its last collection then):");
        Console.WriteLine($"  {"consumers",-10} {"VmRSS",14} {"GC committed",14} {"GC heap",14} {"in use now",14} {"gen0 budget",12} {"LOH",14} {"not GC",14} {"threads",10} {"allocated",10} {"GCs 0/1/2",12}");
        foreach (var (name, phase) in new[] { ("fast", fast), ("slow", slow) })
        {
            var (b, p) = (phase.SampleBefore, phase.SamplePeak);
            string Pair(string key) => $"{Mb(b[key]),6:F0} > {Mb(p[key]),5:F0}";
            Console.WriteLine(
                $"  {name,-10} {Pair("rss"),14} {Pair("gc_committed"),14} {Pair("gc_heap_size"),14} {Pair("heap_in_use_now"),14} {Mb(p["gen0_before"]),12:F0} {Pair("loh_after"),14} "
                + $"{$"{Mb(b["rss"] - b["gc_committed"]),6:F0} > {Mb(p["rss"] - p["gc_committed"]),5:F0}",14} {$"{b["threads"]} > {p["threads"]}",10} {Mb(p["allocated_total"] - b["allocated_total"]),10:F0} "
                + $"{$"{p["gen0_collections"] - b["gen0_collections"]}/{p["gen1_collections"] - b["gen1_collections"]}/{p["gen2_collections"] - b["gen2_collections"]}",12}");
        }

        foreach (var (name, phase) in new[] { ("fast", fast), ("slow", slow) })
        {
            var p = phase.SamplePeak;
            var gcs = p["gc_index"] - p["full_gc_index"];
            Console.WriteLine(
                $"  {name}: at the peak, the last full collection ({gcs} collections before) had found {Mb(p["full_gc_promoted"]):F0} MB alive ({Mb(p["full_gc_promoted"] - phase.SampleBefore["full_gc_promoted"]) / Streams:F2} MB per stream more than before the streams); "
                + $"the GC heap held {Mb(p["gc_heap_size"] - p["full_gc_promoted"]):F0} MB more, objects that died since (or were born since) and that only a full collection frees; gen2 {Mb(p["gen2_after"]):F0} MB, LOH {Mb(p["loh_after"]):F0} MB after the last collection");
        }

        Console.WriteLine("  GC committed: memory the GC has committed; GC heap: its heap after its last collection, with fragmentation; in use now: bytes allocated and not known free; gen0 budget: gen0's size when its last collection began; not GC: VmRSS less GC committed (code, stacks, native buffers); allocated: managed bytes allocated from before the streams to the peak");
        foreach (var (name, phase) in new[] { ("fast", fast), ("slow", slow) })
        {
            var top = phase.SamplePeak.Where(p => p.Key.StartsWith("alloc:", StringComparison.Ordinal)).OrderByDescending(p => p.Value).Take(10);
            Console.WriteLine($"  allocated while the runs went on ({name}), by heap and type, as sampled: {string.Join(", ", top.Select(p => $"{p.Key["alloc:".Length..]} {Mb(p.Value):F0} MB"))}");
        }

        Console.WriteLine($"  the server's GC settings: {string.Join(", ", fast.SamplePeak.Where(p => p.Key.StartsWith("config_", StringComparison.Ordinal) && p.Value != 0).Select(p => $"{p.Key["config_".Length..]}={p.Value}"))}");
        Console.WriteLine("  held per stream: the live managed heap (after a full collection) once every run has ended, less the same before the streams, per stream: what a stream keeps while its consumer has not read it");

        Console.WriteLine($"  slow against fast: {slow.RunsEndedSeconds / fast.RunsEndedSeconds:F2}x the time until every run ended, {(slow.Growth / (double)Math.Max(1, fast.Growth)):F2}x the memory growth, {Mb((slow.Growth - fast.Growth) / Streams):F2} MB more per stream");
        foreach (var (name, phase) in new[] { ("fast", fast), ("slow", slow) })
        {
            Console.WriteLine($"  server log ({name}): {phase.FellBehind} of {Streams} consumers fell behind and read on from the event log, {phase.Errors} errors, {phase.Warnings} warnings{(phase.FirstError is { } error ? Environment.NewLine + error.TrimEnd() : string.Empty)}");
        }
    }

    private static async Task<Phase> PhaseAsync(string connectionString, bool slow)
    {
        var prefix = "bslow" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // Workstation GC: its heap follows what is alive more closely than the server GC's. The startup hook tells the live heap.
            var heapRequest = Path.Combine(Path.GetTempPath(), prefix + ".heap");
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_gcServer"] = "0",
                ["DOTNET_STARTUP_HOOKS"] = typeof(SlowStreamBenchmark).Assembly.Location,
                [StartupHook.HeapRequestVariable] = heapRequest,
            };
            foreach (var (name, value) in ServerGcSettings())
            {
                environment[name] = value;
            }

            await using var server = await ServerProcess.StartAsync(connectionString, prefix, environment);
            using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };
            using var streamHandler = slow ? SmallReceiveBuffers() : new SocketsHttpHandler { UseProxy = false };
            using var streamClient = new HttpClient(streamHandler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };

            // Warm up (JIT, tables, connections), then let the server settle.
            for (var i = 0; i < 2; i++)
            {
                await StreamAsync(client, await HttpBenchmark.CreateThreadAsync(client), Task.CompletedTask, api: null, ended: null);
            }

            var threads = await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => HttpBenchmark.CreateThreadAsync(client)));
            await Task.Delay(TimeSpan.FromSeconds(2));
            var heapBefore = await LiveHeapAsync(heapRequest);
            var before = server.Memory().CurrentBytes;
            await PeakSampleAsync(heapRequest); // starts the server's own sampling over
            await Task.Delay(100);
            var sampleBefore = await PeakSampleAsync(heapRequest);

            using var sampling = new CancellationTokenSource();
            var peak = before;
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, server.Memory().CurrentBytes);
                    await Task.Delay(50, CancellationToken.None);
                }
            });

            var readOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ended = new int[1];
            var allEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OneEnded()
            {
                if (Interlocked.Increment(ref ended[0]) == Streams)
                {
                    allEnded.TrySetResult();
                }
            }

            var started = Stopwatch.GetTimestamp();
            var streams = threads.Select(thread => StreamAsync(streamClient, thread, slow ? readOn.Task : Task.CompletedTask, slow ? client : null, OneEnded)).ToList();
            if (slow)
            {
                await allEnded.Task;
            }

            var counts = slow ? null : await Task.WhenAll(streams);
            var runsEnded = Stopwatch.GetElapsedTime(started).TotalSeconds;
            peak = Math.Max(peak, server.Memory().CurrentBytes);
            var samplePeak = await PeakSampleAsync(heapRequest);
            var heapEnded = await LiveHeapAsync(heapRequest); // the slow consumers have read one event each so far
            await sampling.CancelAsync();
            await sampler;

            // The slow consumers read on (from the runs' logs): the server's resident memory while they do.
            var readOnPeak = server.Memory().CurrentBytes;
            var readingOn = Stopwatch.GetTimestamp();
            readOn.SetResult();
            if (counts is null)
            {
                var all = Task.WhenAll(streams);
                while (!all.IsCompleted)
                {
                    readOnPeak = Math.Max(readOnPeak, server.Memory().CurrentBytes);
                    await Task.WhenAny(all, Task.Delay(50));
                }

                counts = await all;
            }

            var readOnSeconds = Stopwatch.GetElapsedTime(readingOn).TotalSeconds;
            if (counts.Distinct().Count() != 1)
            {
                throw new InvalidOperationException($"The streams did not all get the same number of events: {string.Join(", ", counts.Distinct())}.");
            }

            return new Phase(runsEnded, counts[0], before, peak, heapEnded - heapBefore, server.FellBehind, server.Errors, server.Warnings, server.FirstError)
            {
                SampleBefore = sampleBefore,
                SamplePeak = samplePeak,
                ReadOnPeak = slow ? readOnPeak : null,
                ReadOnSeconds = readOnSeconds,
            };
        }
        finally
        {
            await HttpBenchmark.DeleteStorageAsync(connectionString, prefix);
        }
    }

    /// <summary>
    /// Streams one run: reads its first event, waits for <paramref name="readOn"/> (after telling <paramref name="ended"/>
    /// that the run has ended, as <paramref name="api"/> reads its record, when given), then reads the rest; checks that
    /// the ids are 0, 1, 2… and that no error came; returns the number of events.
    /// </summary>
    private static async Task<int> StreamAsync(HttpClient client, string threadId, Task readOn, HttpClient? api, Action? ended)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent(RunBody, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST runs/stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);
        long expected = 0;
        string? name = null, data = null, id = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
                switch (colon < 0 ? line : line[..colon])
                {
                    case "event": name = value; break;
                    case "data": data = value; break;
                    case "id": id = value; break;
                }

                continue;
            }

            if (data is null)
            {
                continue;
            }

            if (name == "error" || id != expected.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException($"Expected event {expected}, got {name} (id {id}): {data[..Math.Min(data.Length, 200)]}");
            }

            if (expected == 0 && api is not null)
            {
                var runId = JsonDocument.Parse(data).RootElement.GetProperty("run_id").GetString()!;
                await WaitForEndAsync(api, threadId, runId);
            }

            if (expected == 0)
            {
                ended?.Invoke();
                await readOn;
            }

            expected++;
            name = data = id = null;
        }

        return (int)expected;
    }

    private static async Task WaitForEndAsync(HttpClient api, string threadId, string runId)
    {
        while (true)
        {
            var run = await api.GetFromJsonAsync<JsonElement>($"/threads/{threadId}/runs/{runId}");
            if (run.GetProperty("status").GetString() is not ("pending" or "running"))
            {
                return;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>
    /// GC settings for the server alone, to see what they change: the benchmark's environment variables
    /// <c>BENCH_SERVER_DOTNET_GC…</c>, without the <c>BENCH_SERVER_</c> (e.g. <c>BENCH_SERVER_DOTNET_GCHeapHardLimit=0x10000000</c>).
    /// </summary>
    private static IEnumerable<(string Name, string Value)> ServerGcSettings()
    {
        const string Prefix = "BENCH_SERVER_";
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string name && name.StartsWith(Prefix + "DOTNET_GC", StringComparison.Ordinal) && variable.Value is string value)
            {
                Console.WriteLine($"  the server runs with {name[Prefix.Length..]}={value}");
                yield return (name[Prefix.Length..], value);
            }
        }
    }

    /// <summary>The server's live managed heap after a full collection, as its startup hook tells it.</summary>
    private static async Task<long> LiveHeapAsync(string request)
        => long.Parse(await AskAsync(request, string.Empty), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The server's memory sample with the highest VmRSS since the last ask, as its startup hook tells it (and starts
    /// over): the resident set and what the GC had at that moment.
    /// </summary>
    private static async Task<Dictionary<string, long>> PeakSampleAsync(string request)
        => (await AskAsync(request, StartupHook.PeakRequest))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (Line: line, Space: line.LastIndexOf(' ')))
            .Where(l => l.Space > 0)
            .GroupBy(l => l.Line[..l.Space], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(l => long.Parse(l.Line.AsSpan(l.Space + 1), System.Globalization.CultureInfo.InvariantCulture)), StringComparer.Ordinal);

    private static async Task<string> AskAsync(string request, string question)
    {
        var answer = request + ".bytes";
        File.Delete(answer);
        await File.WriteAllTextAsync(request, question);
        while (!File.Exists(answer))
        {
            await Task.Delay(50);
        }

        var text = await File.ReadAllTextAsync(answer);
        File.Delete(answer);
        return text;
    }

    /// <summary>Connections whose sockets receive 4 KB at a time: what the server sends beyond that waits on its side.</summary>
    private static SocketsHttpHandler SmallReceiveBuffers() => new()
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);

    private sealed record Phase(double RunsEndedSeconds, int EventsPerStream, long Before, long Peak, long HeapHeld, int FellBehind, int Errors, int Warnings, string? FirstError)
    {
        public long Growth => Math.Max(0, Peak - Before);

        /// <summary>The server's own memory sample just before the streams.</summary>
        public required IReadOnlyDictionary<string, long> SampleBefore { get; init; }

        /// <summary>The server's own memory sample with the highest VmRSS while the runs went on.</summary>
        public required IReadOnlyDictionary<string, long> SamplePeak { get; init; }

        /// <summary>Slow consumers: the highest VmRSS while they read on, after every run had ended.</summary>
        public long? ReadOnPeak { get; init; }

        public double ReadOnSeconds { get; init; }
    }
}

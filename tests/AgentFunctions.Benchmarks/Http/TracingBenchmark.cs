using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// What tracing costs a streamed run, end to end over loopback HTTP:
/// <code>
/// eng/bench.sh tracing
/// </code>
/// Three server processes at once, the same build over the same storage: tracing off (nothing listens), with a
/// listener (every span of the library sampled and recorded in the process, none exported: the
/// <see cref="StartupHook"/>), and with OTLP export on (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> to a loopback sink in
/// this process that accepts every post). Each round streams one run at a time on each server in turn (the order
/// rotating), then a burst at once on each, with a <c>traceparent</c> on every request. Printed: the CPU time each
/// server used per run over all rounds (from /proc: the steadiest figure on a shared machine), times to the first
/// event and token, events per second, the ratios against tracing off, measured in the same run (wall-clock
/// ratios paired by round), and what the sink received: spans per run (a run is one <c>invoke_agent</c> span), by
/// name, with their bytes and attributes, and the metric and log posts.
/// </summary>
internal static class TracingBenchmark
{
    private const int WarmUpRounds = 3;
    private const int Rounds = 30;
    private const int SinglePerRound = 4;
    private const int Burst = 20;
    private const string HttpBenchmarkRun = "offline model, 200 tokens, no delay, values + messages-tuple";

    public static async Task RunAsync(string connectionString)
    {
        await using var sink = OtlpSink.Start();
        var configurations = new (string Name, Dictionary<string, string> Environment)[]
        {
            ("tracing off", []),
            ("listener", new() { ["DOTNET_STARTUP_HOOKS"] = typeof(TracingBenchmark).Assembly.Location }),
            ("OTLP export", new()
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Endpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            }),
        };

        var prefixes = configurations.Select(_ => "btrace" + Guid.NewGuid().ToString("N")[..8]).ToArray();
        var servers = new List<ServerProcess>();
        var clients = new List<HttpClient>();
        try
        {
            for (var i = 0; i < configurations.Length; i++)
            {
                servers.Add(await ServerProcess.StartAsync(connectionString, prefixes[i], configurations[i].Environment));
            }

            foreach (var server in servers)
            {
                clients.Add(new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
                {
                    BaseAddress = server.BaseAddress,
                    Timeout = TimeSpan.FromMinutes(5),
                });
            }

            var results = configurations.Select(_ => new Measurements()).ToArray();

            // Warm-up: JIT on both sides, tables, connections, the exporter's first posts.
            // Three rounds, so that the JIT's second tier has compiled the hot paths of every server before anything is counted.
            var warmUp = configurations.Select(_ => new Measurements()).ToArray();
            for (var round = 0; round < WarmUpRounds; round++)
            {
                await RoundAsync(clients, warmUp, round);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            var cpuBefore = servers.Select(s => s.CpuTime()).ToArray();
            for (var round = 0; round < Rounds; round++)
            {
                await RoundAsync(clients, results, round);
            }

            var cpuPerRun = servers.Select((s, i) => (s.CpuTime() - cpuBefore[i]).TotalMilliseconds / (results[i].Single.Count + results[i].BurstFirstEvents.Count)).ToArray();

            Console.WriteLine($"streamed runs ({HttpBenchmarkRun}), a traceparent on each; {Rounds} rounds of {SinglePerRound} streams one at a time on each server (interleaved, one stream each in turn), then {Burst} at once on each server in turn");
            Console.WriteLine($"  {"",-12} {"server CPU/run",15} {"first event",12} {"first token",12} {"events/s, one",14} {"events/s, burst",16} {"burst first event p95",22}");
            for (var i = 0; i < results.Length; i++)
            {
                var m = results[i];
                Console.WriteLine($"  {configurations[i].Name,-12} {cpuPerRun[i],12:F2} ms {m.FirstEventMs,9:F1} ms {m.FirstTokenMs,9:F1} ms {m.SingleRate,14:N0} {m.BurstRate,16:N0} {m.BurstFirstEventP95,19:F1} ms");
            }

            // The CPU a run costs the server is the steadiest measure on a shared machine; the wall-clock ratios below sway with its load.
            for (var i = 1; i < results.Length; i++)
            {
                Console.WriteLine($"  {configurations[i].Name} against off: server CPU per run {cpuPerRun[i] / cpuPerRun[0]:F3}x (overhead {(cpuPerRun[i] / cpuPerRun[0] - 1) * 100:F1}%)");
            }

            // Ratios paired by round (the same moments of this machine's load), then the median over the rounds.
            var off = results[0];
            foreach (var (name, m) in configurations.Select(c => c.Name).Zip(results).Skip(1))
            {
                var single = HttpBenchmark.Median(m.SingleRates.Zip(off.SingleRates, (a, b) => a / b));
                var burst = HttpBenchmark.Median(m.BurstRates.Zip(off.BurstRates, (a, b) => a / b));
                var firstEvent = HttpBenchmark.Median(m.FirstEvents.Zip(off.FirstEvents, (a, b) => a / b));
                var firstToken = HttpBenchmark.Median(m.FirstTokens.Zip(off.FirstTokens, (a, b) => a / b));
                Console.WriteLine(
                    $"  {name} against off (median of per-round ratios): throughput {single:F3}x one at a time, {burst:F3}x in bursts " +
                    $"(overhead {(1 / single - 1) * 100:F1}% / {(1 / burst - 1) * 100:F1}%); time to first event {firstEvent:F3}x, to first token {firstToken:F3}x");
            }

            // What was exported, per run (a run is one invoke_agent span): the volume the exporter serializes and posts.
            var traces = sink.Signal("traces");
            var runs = Math.Max(1, traces.Names.GetValueOrDefault("invoke_agent agent"));
            Console.WriteLine(
                $"  OTLP sink: traces {traces.Posts:N0} posts, {traces.Bytes / 1024.0:N0} KiB, {traces.Items:N0} spans ({(double)traces.Items / runs:F1} per run, " +
                $"{(double)traces.Bytes / Math.Max(1, traces.Items):F0} bytes and {(double)traces.Attributes / Math.Max(1, traces.Items):F1} attributes per span); " +
                $"metrics {sink.Signal("metrics").Posts:N0} posts, {sink.Signal("metrics").Bytes / 1024.0:N0} KiB; logs {sink.Signal("logs").Posts:N0} posts, {sink.Signal("logs").Items:N0} records ({(double)sink.Signal("logs").Items / runs:F1} per run)");
            Console.WriteLine($"  spans per run by name: {string.Join(", ", traces.Names.OrderByDescending(n => n.Value).Select(n => $"{n.Key} {(double)n.Value / runs:F1}"))}");
            Console.WriteLine("  goal: under 5% overhead with export on");
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            foreach (var prefix in prefixes)
            {
                await HttpBenchmark.DeleteStorageAsync(connectionString, prefix);
            }
        }
    }

    /// <summary>One round: single streams interleaved across the servers (the order rotating), then a burst on each in turn.</summary>
    private static async Task RoundAsync(List<HttpClient> clients, Measurements[] into, int round)
    {
        var singles = into.Select(_ => new List<HttpBenchmark.StreamResult>()).ToArray();
        for (var n = 0; n < SinglePerRound; n++)
        {
            for (var k = 0; k < clients.Count; k++)
            {
                var i = (round + n + k) % clients.Count;
                var thread = await HttpBenchmark.CreateThreadAsync(clients[i]);
                singles[i].Add(await HttpBenchmark.StreamAsync(clients[i], thread, TraceParent()));
            }
        }

        for (var k = 0; k < clients.Count; k++)
        {
            var i = (round + k) % clients.Count;
            var client = clients[i];
            var threads = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => HttpBenchmark.CreateThreadAsync(client)));
            var started = Stopwatch.GetTimestamp();
            var burst = await Task.WhenAll(threads.Select(t => Task.Run(() => HttpBenchmark.StreamAsync(client, t, TraceParent()))));
            var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            into[i].BurstRates.Add(burst.Sum(r => r.Events) / wall);
            into[i].BurstFirstEvents.AddRange(burst.Select(r => r.FirstEventMs));
            into[i].Single.AddRange(singles[i]);
            into[i].SingleRates.Add(HttpBenchmark.Median(singles[i].Select(r => r.Events / (r.TotalMs / 1000))));
            into[i].FirstEvents.Add(HttpBenchmark.Median(singles[i].Select(r => r.FirstEventMs)));
            into[i].FirstTokens.Add(HttpBenchmark.Median(singles[i].Select(r => r.FirstTokenMs)));
        }
    }

    private static string TraceParent() => $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";

    private sealed class Measurements
    {
        public List<HttpBenchmark.StreamResult> Single { get; } = [];

        public List<double> BurstRates { get; } = [];

        /// <summary>Per round: the median rate of its single streams, and their median times to the first event and token.</summary>
        public List<double> SingleRates { get; } = [];

        public List<double> FirstEvents { get; } = [];

        public List<double> FirstTokens { get; } = [];

        public List<double> BurstFirstEvents { get; } = [];

        public double FirstEventMs => HttpBenchmark.Median(Single.Select(r => r.FirstEventMs));

        public double FirstTokenMs => HttpBenchmark.Median(Single.Select(r => r.FirstTokenMs));

        public double SingleRate => HttpBenchmark.Median(Single.Select(r => r.Events / (r.TotalMs / 1000)));

        public double BurstRate => HttpBenchmark.Median(BurstRates);

        public double BurstFirstEventP95 => HttpBenchmark.Percentile(BurstFirstEvents, 0.95);
    }

    /// <summary>
    /// A loopback OTLP/HTTP endpoint that accepts every post (200, empty body) and counts, per signal, the posts, their
    /// bytes, the items they carry (spans, metrics, log records) with their attributes, and the spans by name, with
    /// <see cref="OtlpCensus"/>.
    /// </summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        private readonly Dictionary<string, OtlpCensus> _signals = [];

        private OtlpSink(int port)
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Endpoint.ToString());
            _listener.Start();
            _serving = ServeAsync();
        }

        public Uri Endpoint { get; }

        public static OtlpSink Start()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return new OtlpSink(port);
        }

        /// <summary>What was received for one signal (<c>traces</c>, <c>metrics</c>, <c>logs</c>), as counted so far.</summary>
        public OtlpCensus Signal(string signal)
        {
            lock (_signals)
            {
                return _signals.TryGetValue(signal, out var census) ? census.Copy() : new OtlpCensus();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
            }

            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    var signal = context.Request.Url?.AbsolutePath.Split('/')[^1] ?? string.Empty;
                    lock (_signals)
                    {
                        if (!_signals.TryGetValue(signal, out var census))
                        {
                            _signals[signal] = census = new OtlpCensus();
                        }

                        census.Add(body.GetBuffer().AsMemory(0, (int)body.Length), countNames: signal == "traces");
                    }

                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                    context.Response.Close();
                });
            }
        }
    }

    /// <summary>
    /// Counts what OTLP export requests carry. Traces, metrics and logs requests have one shape (resource items, field 1;
    /// their scope items, field 2; the spans, metrics or log records, field 2); a span's name is its field 5 and its
    /// attributes field 9, a log record's attributes field 6, a metric's none here. Only the protobuf wire format is read.
    /// </summary>
    private sealed class OtlpCensus
    {
        public long Posts { get; private set; }

        public long Bytes { get; private set; }

        public long Items { get; private set; }

        public long Attributes { get; private set; }

        public Dictionary<string, long> Names { get; private init; } = new(StringComparer.Ordinal);

        public OtlpCensus Copy() => new() { Posts = Posts, Bytes = Bytes, Items = Items, Attributes = Attributes, Names = new(Names, StringComparer.Ordinal) };

        public void Add(ReadOnlyMemory<byte> request, bool countNames)
        {
            Posts++;
            Bytes += request.Length;
            foreach (var resource in Fields(request, 1))
            {
                foreach (var scope in Fields(resource, 2))
                {
                    foreach (var item in Fields(scope, 2))
                    {
                        Items++;
                        Attributes += Fields(item, countNames ? 9 : 6).Count;
                        if (countNames && Fields(item, 5).FirstOrDefault() is { Length: > 0 } name)
                        {
                            var key = System.Text.Encoding.UTF8.GetString(name.Span);
                            key = key.StartsWith("Table ", StringComparison.Ordinal) || key.StartsWith("Queue ", StringComparison.Ordinal)
                                ? string.Join(' ', key.Split(' ').Take(2)) // the table's name without its benchmark prefix
                                : key;
                            Names[key] = Names.GetValueOrDefault(key) + 1;
                        }
                    }
                }
            }
        }

        /// <summary>The length-delimited fields numbered <paramref name="number"/> of a protobuf message.</summary>
        private static List<ReadOnlyMemory<byte>> Fields(ReadOnlyMemory<byte> message, int number)
        {
            var found = new List<ReadOnlyMemory<byte>>();
            var span = message.Span;
            var at = 0;
            while (at < span.Length)
            {
                var key = Varint(span, ref at);
                switch (key & 7)
                {
                    case 0:
                        Varint(span, ref at);
                        break;
                    case 1:
                        at += 8;
                        break;
                    case 5:
                        at += 4;
                        break;
                    case 2:
                        var length = (int)Varint(span, ref at);
                        if ((int)(key >> 3) == number)
                        {
                            found.Add(message.Slice(at, length));
                        }

                        at += length;
                        break;
                    default:
                        throw new InvalidDataException($"Unexpected protobuf wire type {key & 7}.");
                }
            }

            return found;
        }

        private static ulong Varint(ReadOnlySpan<byte> span, ref int at)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = span[at++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }
    }
}

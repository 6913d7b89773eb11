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
/// this process that accepts every post). Each round measures each server in turn (the order rotating), one
/// stream at a time then a burst at once, with a <c>traceparent</c> on every request; the figures are medians
/// over the rounds, and the ratios are against tracing off, measured in the same run.
/// </summary>
internal static class TracingBenchmark
{
    private const int Rounds = 6;
    private const int SinglePerRound = 6;
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
            foreach (var client in clients)
            {
                await MeasureAsync(client, new Measurements());
            }

            for (var round = 0; round < Rounds; round++)
            {
                for (var k = 0; k < servers.Count; k++)
                {
                    var i = (round + k) % servers.Count;
                    await MeasureAsync(clients[i], results[i]);
                }
            }

            Console.WriteLine($"streamed runs ({HttpBenchmarkRun}), a traceparent on each; {Rounds} rounds, each server in turn: {SinglePerRound} streams one at a time, then {Burst} at once");
            Console.WriteLine($"  {"",-12} {"first event",12} {"first token",12} {"events/s, one",14} {"events/s, burst",16} {"burst first event p95",22}");
            foreach (var (name, m) in configurations.Select(c => c.Name).Zip(results))
            {
                Console.WriteLine($"  {name,-12} {m.FirstEventMs,9:F1} ms {m.FirstTokenMs,9:F1} ms {m.SingleRate,14:N0} {m.BurstRate,16:N0} {m.BurstFirstEventP95,19:F1} ms");
            }

            var off = results[0];
            foreach (var (name, m) in configurations.Select(c => c.Name).Zip(results).Skip(1))
            {
                Console.WriteLine(
                    $"  {name} against off: throughput {m.SingleRate / off.SingleRate:F3}x one at a time, {m.BurstRate / off.BurstRate:F3}x in bursts " +
                    $"(overhead {Overhead(off.SingleRate, m.SingleRate),5:F1}% / {Overhead(off.BurstRate, m.BurstRate),5:F1}%); " +
                    $"time to first event {m.FirstEventMs / off.FirstEventMs:F3}x, to first token {m.FirstTokenMs / off.FirstTokenMs:F3}x");
            }

            Console.WriteLine($"  OTLP sink: {sink.Posts:N0} posts, {sink.Bytes / 1024.0:N0} KiB received (traces {sink.TracePosts:N0} posts); goal: under 5% overhead with export on");
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

    /// <summary>Slower is positive: how much lower the throughput is than with tracing off, in percent.</summary>
    private static double Overhead(double off, double on) => (off / on - 1) * 100;

    private static async Task MeasureAsync(HttpClient client, Measurements into)
    {
        for (var i = 0; i < SinglePerRound; i++)
        {
            var thread = await HttpBenchmark.CreateThreadAsync(client);
            into.Single.Add(await HttpBenchmark.StreamAsync(client, thread, TraceParent()));
        }

        var threads = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => HttpBenchmark.CreateThreadAsync(client)));
        var started = Stopwatch.GetTimestamp();
        var burst = await Task.WhenAll(threads.Select(t => Task.Run(() => HttpBenchmark.StreamAsync(client, t, TraceParent()))));
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        into.BurstRates.Add(burst.Sum(r => r.Events) / wall);
        into.BurstFirstEvents.AddRange(burst.Select(r => r.FirstEventMs));
    }

    private static string TraceParent() => $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";

    private sealed class Measurements
    {
        public List<HttpBenchmark.StreamResult> Single { get; } = [];

        public List<double> BurstRates { get; } = [];

        public List<double> BurstFirstEvents { get; } = [];

        public double FirstEventMs => HttpBenchmark.Median(Single.Select(r => r.FirstEventMs));

        public double FirstTokenMs => HttpBenchmark.Median(Single.Select(r => r.FirstTokenMs));

        public double SingleRate => HttpBenchmark.Median(Single.Select(r => r.Events / (r.TotalMs / 1000)));

        public double BurstRate => HttpBenchmark.Median(BurstRates);

        public double BurstFirstEventP95 => HttpBenchmark.Percentile(BurstFirstEvents, 0.95);
    }

    /// <summary>A loopback OTLP/HTTP endpoint that accepts every post (200, empty body) and counts them.</summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        private long _posts;
        private long _tracePosts;
        private long _bytes;

        private OtlpSink(int port)
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Endpoint.ToString());
            _listener.Start();
            _serving = ServeAsync();
        }

        public Uri Endpoint { get; }

        public long Posts => Interlocked.Read(ref _posts);

        public long TracePosts => Interlocked.Read(ref _tracePosts);

        public long Bytes => Interlocked.Read(ref _bytes);

        public static OtlpSink Start()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return new OtlpSink(port);
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
                    Interlocked.Increment(ref _posts);
                    Interlocked.Add(ref _bytes, body.Length);
                    if (context.Request.Url?.AbsolutePath == "/v1/traces")
                    {
                        Interlocked.Increment(ref _tracePosts);
                    }

                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                    context.Response.Close();
                });
            }
        }
    }
}

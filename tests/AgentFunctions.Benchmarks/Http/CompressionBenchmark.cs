using System.Diagnostics;
using System.Net.Http.Headers;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// Compressed history pages: the standalone server as its own process, a thread of 1,000 checkpoints (written
/// straight to its table, as in <see cref="HistoryPageBenchmark"/>), then <c>GET /threads/{id}/history?limit=100</c>
/// with values, as is, with Brotli and with gzip, in turns, read to the end.
/// <code>
/// eng/bench.sh compression
/// </code>
/// Prints the bytes on the wire and the median time of each, and their ratios to the uncompressed page (goal: at
/// most 1/20 of the bytes, within 1.5x of the time).
/// </summary>
internal static class CompressionBenchmark
{
    private const int Checkpoints = 1000;
    private const int Limit = 100;
    private const int Passes = 9;

    public static async Task RunAsync(string connectionString)
    {
        var prefix = "bcomp" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var server = await ServerProcess.StartAsync(connectionString, prefix);
            // No automatic decompression: the bytes read are the bytes on the wire, and the client does not pay to decode them.
            using var handler = new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None };
            using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            Console.WriteLine($"server: pid {server.Id} on {server.BaseAddress} (dotnet AgentFunctions.Server.dll, Release)");

            var thread = await HttpBenchmark.CreateThreadAsync(client);
            await HistoryPageBenchmark.WriteHistoryAsync(connectionString, prefix, thread, Checkpoints);
            var path = $"/threads/{thread}/history?limit={Limit}";
            string?[] encodings = [null, "br", "gzip"];
            foreach (var encoding in encodings)
            {
                await ReadAsync(client, path, encoding); // warm-up: JIT on both sides, the connection
            }

            var times = encodings.ToDictionary(e => e ?? "identity", _ => new List<double>());
            var bytes = new Dictionary<string, long>();
            for (var pass = 0; pass < Passes; pass++)
            {
                foreach (var encoding in encodings)
                {
                    var (ms, read) = await ReadAsync(client, path, encoding);
                    times[encoding ?? "identity"].Add(ms);
                    bytes[encoding ?? "identity"] = read;
                }
            }

            var plainMs = Median(times["identity"]);
            var plainBytes = bytes["identity"];
            Console.WriteLine($"GET /threads/{{id}}/history?limit={Limit} (values) of a {Checkpoints:N0}-checkpoint thread, {Passes} passes in turns, median:");
            Console.WriteLine($"  {"encoding",-10} {"on the wire",14} {"ratio",8} {"time",10} {"ratio",7}");
            foreach (var (name, list) in times)
            {
                var ms = Median(list);
                Console.WriteLine($"  {name,-10} {bytes[name],14:N0} {(double)bytes[name] / plainBytes,8:F3} {ms,7:F0} ms {ms / plainMs,6:F2}x");
            }

            Console.WriteLine($"goal: compressed at most 1/20 of the bytes (0.050), in at most 1.5x the time; server log: {server.Warnings} warnings, {server.Errors} errors");
        }
        finally
        {
            await HttpBenchmark.DeleteStorageAsync(connectionString, prefix);
        }
    }

    private static async Task<(double Ms, long Bytes)> ReadAsync(HttpClient client, string path, string? encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (encoding is not null)
        {
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        if (encoding is not null && !response.Content.Headers.ContentEncoding.Contains(encoding))
        {
            throw new InvalidOperationException($"Asked for {encoding}, got '{string.Join(",", response.Content.Headers.ContentEncoding)}'.");
        }

        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, total);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}

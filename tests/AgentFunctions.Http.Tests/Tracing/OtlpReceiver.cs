using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>
/// A loopback OTLP/HTTP endpoint (protobuf): keeps every body posted to <c>/v1/traces</c>, <c>/v1/metrics</c>
/// and <c>/v1/logs</c>, and answers 200 with an empty export response.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The bodies received, by path (<c>/v1/traces</c>, …).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<byte[]>> Posts { get; } = new();

    /// <summary>Listens on <paramref name="port"/> on the loopback interface (a free port for 0).</summary>
    public async Task StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(FormattableString.Invariant($"http://127.0.0.1:{port}"));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
        {
            using var body = new MemoryStream();
            var source = context.Request.Headers.ContentEncoding.ToString() == "gzip"
                ? new GZipStream(context.Request.Body, CompressionMode.Decompress)
                : context.Request.Body;
            await source.CopyToAsync(body);
            Posts.GetOrAdd("/v1/" + signal, _ => new ConcurrentQueue<byte[]>()).Enqueue(body.ToArray());
            return Results.Bytes([], "application/x-protobuf");
        });
        await _app.StartAsync();
        Endpoint = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Every span received: its trace id, span id, parent span id (hex, empty for none) and name.</summary>
    public IReadOnlyList<OtlpSpan> Spans()
        => Posts.TryGetValue("/v1/traces", out var posts) ? posts.SelectMany(OtlpSpan.Decode).ToList() : [];

    /// <summary>Every log record received: its trace id, span id (hex, empty for none) and body.</summary>
    public IReadOnlyList<OtlpLogRecord> LogRecords()
        => Posts.TryGetValue("/v1/logs", out var posts) ? posts.SelectMany(OtlpLogRecord.Decode).ToList() : [];

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// A span as OTLP sends it, decoded from an <c>ExportTraceServiceRequest</c> by reading just the fields needed:
/// resource_spans (1) → scope_spans (2) → spans (2) → trace_id (1), span_id (2), parent_span_id (4), name (5).
/// </summary>
public sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name)
{
    public static IEnumerable<OtlpSpan> Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    string Hex(int field) => Convert.ToHexStringLower(Fields(span, field).FirstOrDefault() ?? []);
                    var name = Fields(span, 5).FirstOrDefault() is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : string.Empty;
                    yield return new OtlpSpan(Hex(1), Hex(2), Hex(4), name);
                }
            }
        }
    }

    /// <summary>The length-delimited values of field <paramref name="number"/> in a protobuf message (other fields skipped).</summary>
    internal static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var (field, type) = ((int)(key >> 3), (int)(key & 7));
            switch (type)
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (field == number)
                    {
                        found.Add(message[at..(at + length)]);
                    }

                    at += length;
                    break;
                default:
                    throw new FormatException($"Unexpected protobuf wire type {type}.");
            }
        }

        return found;
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}

/// <summary>
/// A log record as OTLP sends it, decoded from an <c>ExportLogsServiceRequest</c> by reading just the fields needed:
/// resource_logs (1) → scope_logs (2) → log_records (2) → body (5, a string AnyValue: 1), trace_id (9), span_id (10).
/// </summary>
public sealed record OtlpLogRecord(string TraceId, string SpanId, string Body)
{
    public static IEnumerable<OtlpLogRecord> Decode(byte[] request)
    {
        foreach (var resourceLogs in OtlpSpan.Fields(request, 1))
        {
            foreach (var scopeLogs in OtlpSpan.Fields(resourceLogs, 2))
            {
                foreach (var record in OtlpSpan.Fields(scopeLogs, 2))
                {
                    string Hex(int field) => Convert.ToHexStringLower(OtlpSpan.Fields(record, field).FirstOrDefault() ?? []);
                    var body = OtlpSpan.Fields(record, 5).FirstOrDefault() is { } value && OtlpSpan.Fields(value, 1).FirstOrDefault() is { } text
                        ? System.Text.Encoding.UTF8.GetString(text)
                        : string.Empty;
                    yield return new OtlpLogRecord(Hex(9), Hex(10), body);
                }
            }
        }
    }
}

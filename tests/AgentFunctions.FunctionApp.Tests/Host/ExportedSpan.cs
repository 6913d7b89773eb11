using System.Text;
using AgentFunctions.Http.Tests.Tracing;

namespace AgentFunctions.FunctionApp.Tests.Host;

/// <summary>
/// A span as an OTLP backend gets it, with what a trace view needs: ids, name, the exporting service and its
/// instrumentation scope, start and end (Unix nanoseconds), and the string and integer attributes. Decoded from the
/// <c>ExportTraceServiceRequest</c> bodies an <see cref="OtlpReceiver"/> keeps, reading just these fields:
/// resource_spans (1) → resource (1) → attributes (1); scope_spans (2) → scope (1) → name (1); spans (2) → trace_id (1),
/// span_id (2), parent_span_id (4), name (5), start_time_unix_nano (7), end_time_unix_nano (8), attributes (9).
/// </summary>
public sealed record ExportedSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    string Service,
    string Scope,
    ulong Start,
    ulong End,
    IReadOnlyDictionary<string, object> Attributes)
{
    public bool IsRoot => ParentSpanId.Length == 0;

    public object? Attribute(string key) => Attributes.GetValueOrDefault(key);

    public override string ToString() => $"{Service}/{Scope} '{Name}' {SpanId} <- {(IsRoot ? "(root)" : ParentSpanId)}";

    /// <summary>Every span in the receiver's trace posts.</summary>
    public static IReadOnlyList<ExportedSpan> All(OtlpReceiver receiver)
        => receiver.Posts.TryGetValue("/v1/traces", out var posts) ? [.. posts.ToArray().SelectMany(Decode)] : [];

    public static IEnumerable<ExportedSpan> Decode(byte[] request)
    {
        foreach (var resourceSpans in Message(request).Where(f => f.Number == 1))
        {
            var fields = Message(resourceSpans.Bytes);
            var resource = FirstOfEach(fields.Where(f => f.Number == 1).SelectMany(r => DecodeAttributes(Message(r.Bytes))));
            var service = resource.GetValueOrDefault("service.name") as string ?? string.Empty;
            foreach (var scopeSpans in fields.Where(f => f.Number == 2))
            {
                var scopeFields = Message(scopeSpans.Bytes);
                var scope = scopeFields.Where(f => f.Number == 1).Select(s => Text(Message(s.Bytes), 1)).FirstOrDefault() ?? string.Empty;
                foreach (var span in scopeFields.Where(f => f.Number == 2))
                {
                    var s = Message(span.Bytes);
                    yield return new ExportedSpan(
                        Hex(s, 1),
                        Hex(s, 2),
                        Hex(s, 4),
                        Text(s, 5),
                        service,
                        scope,
                        s.FirstOrDefault(f => f.Number == 7).Value,
                        s.FirstOrDefault(f => f.Number == 8).Value,
                        FirstOfEach(DecodeAttributes(s.Where(f => f.Number == 9))));
                }
            }
        }
    }

    /// <summary>The attributes by key; a key sent twice (<c>faas.name</c> comes twice from the Functions exporters) keeps its first value.</summary>
    private static Dictionary<string, object> FirstOfEach(IEnumerable<KeyValuePair<string, object>> attributes)
    {
        var byKey = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in attributes)
        {
            byKey.TryAdd(key, value);
        }

        return byKey;
    }

    /// <summary>KeyValue (key 1, value 2: an AnyValue of which strings (1), booleans (2) and integers (3) are kept).</summary>
    private static IEnumerable<KeyValuePair<string, object>> DecodeAttributes(IEnumerable<Field> keyValues)
    {
        foreach (var keyValue in keyValues.Where(f => f.Number is 1 or 9))
        {
            var kv = Message(keyValue.Bytes);
            var key = Text(kv, 1);
            var value = kv.Where(f => f.Number == 2).Select(v => Message(v.Bytes)).FirstOrDefault() ?? [];
            object? decoded = value.FirstOrDefault() is { Number: > 0 } any
                ? any.Number switch
                {
                    1 => Encoding.UTF8.GetString(any.Bytes),
                    2 => any.Value != 0,
                    3 => (long)any.Value,
                    _ => null,
                }
                : null;
            if (decoded is not null)
            {
                yield return new(key, decoded);
            }
        }
    }

    private static string Hex(List<Field> fields, int number)
        => Convert.ToHexStringLower(fields.Where(f => f.Number == number).Select(f => f.Bytes).FirstOrDefault() ?? []);

    private static string Text(List<Field> fields, int number)
        => fields.Where(f => f.Number == number).Select(f => f.Bytes).FirstOrDefault() is { } bytes ? Encoding.UTF8.GetString(bytes) : string.Empty;

    /// <summary>A protobuf message's fields: varint and fixed values as <see cref="Field.Value"/>, length-delimited ones as <see cref="Field.Bytes"/> (empty for the others).</summary>
    private static List<Field> Message(byte[] message)
    {
        var fields = new List<Field>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var (number, type) = ((int)(key >> 3), (int)(key & 7));
            switch (type)
            {
                case 0:
                    fields.Add(new Field(number, Varint(message, ref at), []));
                    break;
                case 1:
                    fields.Add(new Field(number, BitConverter.ToUInt64(message, at), []));
                    at += 8;
                    break;
                case 5:
                    fields.Add(new Field(number, BitConverter.ToUInt32(message, at), []));
                    at += 4;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    fields.Add(new Field(number, 0, message[at..(at + length)]));
                    at += length;
                    break;
                default:
                    throw new FormatException($"Unexpected protobuf wire type {type}.");
            }
        }

        return fields;
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

    private readonly record struct Field(int Number, ulong Value, byte[] Bytes);
}

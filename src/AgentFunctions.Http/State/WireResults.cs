using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.State;

/// <summary>JSON responses written with a <see cref="Utf8JsonWriter"/>, in the encoding the runtime's wire JSON uses.</summary>
internal static class WireResults
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A 200 response whose JSON body <paramref name="write"/> builds.</summary>
    public static IResult Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return Results.Bytes(buffer.WrittenMemory, "application/json");
    }
}

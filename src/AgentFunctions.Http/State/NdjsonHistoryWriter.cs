using System.Buffers;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runtime;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.State;

/// <summary>
/// Writes a history as NDJSON (<c>application/x-ndjson</c>): one JSON object per line, straight from the
/// store's pages: a page is read only when the one before it has been written, the output is flushed at
/// least once a page (and every <see cref="FlushBytes"/>), and nothing is kept once written. Writing stops
/// as soon as the client goes away. The first page is read before the response starts, so that a failure
/// there is still an ordinary problem response; a failure later cuts the connection, so that a client
/// never takes a partial history for a whole one.
/// </summary>
internal sealed class NdjsonHistoryWriter(HttpResponse response, ILogger logger)
{
    /// <summary>Checkpoints with values per page: each page materialises its states in one read of the state rows.</summary>
    public const int ValuesPageSize = 100;

    /// <summary>Summaries per page: the most one Table Storage query returns.</summary>
    public const int SummaryPageSize = 1000;

    private const int FlushBytes = 32 * 1024;

    public async Task WriteAsync<T>(IAsyncEnumerable<Page<T>> pages, Action<Utf8JsonWriter, T> write, CancellationToken cancellationToken)
        where T : notnull
    {
        var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        await using var disposeEnumerator = enumerator.ConfigureAwait(false);
        var more = await enumerator.MoveNextAsync().ConfigureAwait(false);

        response.ContentType = "application/x-ndjson; charset=utf-8";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken).ConfigureAwait(false);

        var body = response.BodyWriter;
        var lines = 0L;
        try
        {
            using var json = new Utf8JsonWriter(body, WireResults.WriterOptions);
            long unflushed = 0;
            while (more)
            {
                foreach (var item in enumerator.Current.Values)
                {
                    write(json, item);
                    json.Flush();
                    unflushed += json.BytesCommitted + 1;
                    json.Reset();
                    body.Write("\n"u8);
                    lines++;
                    if (unflushed >= FlushBytes)
                    {
                        unflushed = 0;
                        if ((await body.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                        {
                            logger.HistoryStreamClientLeft(lines);
                            return;
                        }
                    }
                }

                unflushed = 0;
                if ((await body.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                {
                    logger.HistoryStreamClientLeft(lines);
                    return;
                }

                more = await enumerator.MoveNextAsync().ConfigureAwait(false);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            logger.HistoryStreamClientLeft(lines);
        }
        catch (Exception e)
        {
            logger.HistoryStreamFailed(lines, e);
            response.HttpContext.Abort();
        }
    }

    /// <summary>A checkpoint without its state: the snapshot's members but <c>values</c>, and its metadata without <c>writes</c>.</summary>
    public static void WriteSummary(Utf8JsonWriter writer, CheckpointSummary checkpoint)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("next");
        foreach (var node in checkpoint.Next)
        {
            writer.WriteStringValue(node);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("tasks");
        checkpoint.Tasks.WriteTo(writer);
        writer.WriteStartObject("metadata");
        foreach (var property in checkpoint.Metadata.EnumerateObject())
        {
            if (!property.NameEquals("writes"))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
        writer.WriteString("created_at", checkpoint.CreatedAt);
        writer.WritePropertyName("checkpoint");
        WireJson.WriteCheckpointReference(writer, checkpoint.ThreadId, checkpoint.CheckpointId);
        writer.WritePropertyName("parent_checkpoint");
        if (checkpoint.ParentCheckpointId is { } parent)
        {
            WireJson.WriteCheckpointReference(writer, checkpoint.ThreadId, parent);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndObject();
    }
}

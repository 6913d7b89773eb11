using System.Buffers;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Sse;

/// <summary>
/// Writes a run's events as server-sent events: <c>event:</c>, <c>data:</c> (JSON) and <c>id:</c> on
/// every frame, framed by the runtime's <see cref="SseFormatter"/>, flushed one by one, with a comment
/// line while nothing happens so proxies keep the connection. The response ends when the events end.
/// </summary>
public static class SseResponse
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    /// <summary>Sets the headers of an event stream and sends them.</summary>
    public static async Task StartAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="events"/> until they end or the client goes away (<paramref name="cancellationToken"/>).
    /// A failure while producing events ends the stream with a generic <c>error</c> event; its details go to the log.
    /// </summary>
    public static Task WriteAsync(HttpResponse response, IAsyncEnumerable<RunEvent> events, TimeSpan heartbeat, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return WriteAsync(response, Frames(events, cancellationToken), heartbeat, logger, NextRunEventId, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="events"/>, each with its own id (or none), as <see cref="WriteAsync(HttpResponse, IAsyncEnumerable{RunEvent}, TimeSpan, ILogger, CancellationToken)"/>
    /// does; a failure's <c>error</c> event has no id, so a client that resumes goes on after the last event it got.
    /// </summary>
    public static Task WriteAsync(HttpResponse response, IAsyncEnumerable<ServerSentEvent> events, TimeSpan heartbeat, ILogger logger, CancellationToken cancellationToken)
        => WriteAsync(response, events, heartbeat, logger, _ => null, cancellationToken);

    private static async Task WriteAsync(
        HttpResponse response, IAsyncEnumerable<ServerSentEvent> events, TimeSpan heartbeat, ILogger logger, Func<string?, string?> errorId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(events);
        if (!response.HasStarted)
        {
            await StartAsync(response, cancellationToken).ConfigureAwait(false);
        }

        var body = response.Body;
        string? lastId = null;
        var enumerator = events.GetAsyncEnumerator(cancellationToken);
        Task<bool>? pending = null;
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    var next = enumerator.MoveNextAsync();
                    if (next.IsCompleted)
                    {
                        more = next.Result;
                    }
                    else
                    {
                        // One timer per wait, dropped as soon as the event comes (a Task.Delay per event would stay
                        // armed for the whole heartbeat interval: thousands of timers per fast stream).
                        pending = next.AsTask();
                        while (true)
                        {
                            try
                            {
                                await pending.WaitAsync(heartbeat, cancellationToken).ConfigureAwait(false);
                                break;
                            }
                            catch (TimeoutException)
                            {
                                if (pending.IsCompleted)
                                {
                                    break; // the event came as the heartbeat was due, or the events ended in a TimeoutException of their own
                                }

                                await body.WriteAsync(Heartbeat, cancellationToken).ConfigureAwait(false);
                                await body.FlushAsync(cancellationToken).ConfigureAwait(false);
                            }
                        }

                        more = await pending.ConfigureAwait(false);
                        pending = null;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    pending = null;
                    logger.EventStreamFailed(e);
                    var error = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["error"] = "InternalError", ["message"] = "The run failed." });
                    await WriteEventAsync(body, new ServerSentEvent(errorId(lastId), RunEvent.Error, error), cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (!more)
                {
                    return;
                }

                lastId = enumerator.Current.Id ?? lastId;
                await WriteEventAsync(body, enumerator.Current, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // An async iterator cannot be disposed while a MoveNext is running: let it see the cancellation first.
            if (pending is not null)
            {
                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || cancellationToken.IsCancellationRequested)
                {
                }
            }

            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A run's error event takes the id after the last one sent (0 when none was).</summary>
    private static string NextRunEventId(string? lastId)
        => ((lastId is null ? -1 : long.Parse(lastId, CultureInfo.InvariantCulture)) + 1).ToString(CultureInfo.InvariantCulture);

    private static async IAsyncEnumerable<ServerSentEvent> Frames(IAsyncEnumerable<RunEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var runEvent in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new ServerSentEvent(runEvent.Sequence.ToString(CultureInfo.InvariantCulture), runEvent.Event, runEvent.Data);
        }
    }

    private static async Task WriteEventAsync(Stream body, ServerSentEvent sse, CancellationToken cancellationToken)
    {
        var item = new SseItem<ServerSentEvent>(sse, sse.Event) { EventId = sse.Id };
        await SseFormatter.WriteAsync(One(item), body, WriteData, cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteData(SseItem<ServerSentEvent> item, IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer);
        item.Data.Data.WriteTo(writer);
    }

#pragma warning disable CS1998 // one item, no awaiting: the formatter takes an async sequence
    private static async IAsyncEnumerable<SseItem<ServerSentEvent>> One(SseItem<ServerSentEvent> item)
    {
        yield return item;
    }
#pragma warning restore CS1998
}

/// <summary>One server-sent event: its id (none when null), its name and its JSON data.</summary>
public readonly record struct ServerSentEvent(string? Id, string Event, JsonElement Data);

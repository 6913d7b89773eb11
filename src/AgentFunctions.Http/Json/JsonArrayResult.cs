using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Json;

/// <summary>
/// A 200 response whose body is a JSON array written item by item as <c>items</c> yields them: an item is
/// read only when the one before it has been written, the output goes through the response's
/// <see cref="HttpResponse.BodyWriter"/> (so a response compressor streams too) and is flushed every
/// <see cref="FlushBytes"/> and at the end, and nothing is kept once written. The bytes are those one
/// <see cref="Utf8JsonWriter"/> writing the whole array into a buffer would give. The first item is read
/// before the response starts, so that a failure there is still an ordinary problem response, unless
/// <see cref="StartsAtOnce"/>; a failure once it has started cuts the connection, so that a client never takes
/// a partial page for a whole one. What goes in headers must be set before this result runs.
/// </summary>
internal sealed class JsonArrayResult<T>(IAsyncEnumerable<T> items, Action<Utf8JsonWriter, T> write, JsonWriterOptions options, string contentType) : IResult
{
    /// <summary>
    /// True: the response (status and headers) starts before the first item is read, for a page whose reading
    /// has already gone to the store once to decide its headers, and whose first item is slow to read.
    /// </summary>
    public bool StartsAtOnce { get; init; }

    /// <summary>Output is flushed to the client at least this often (and after every larger item).</summary>
    public const int FlushBytes = 32 * 1024;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var cancellationToken = httpContext.RequestAborted;
        var response = httpContext.Response;
        var logger = JsonArray.Logger(httpContext);
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        await using var disposeEnumerator = enumerator.ConfigureAwait(false);
        var more = !StartsAtOnce && await enumerator.MoveNextAsync().ConfigureAwait(false);

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        await response.StartAsync(cancellationToken).ConfigureAwait(false);

        var body = response.BodyWriter;
        var written = 0L;
        try
        {
            if (StartsAtOnce)
            {
                // Starting a response only queues its headers: they go out with a flush.
                await body.FlushAsync(cancellationToken).ConfigureAwait(false);
                more = await enumerator.MoveNextAsync().ConfigureAwait(false);
            }

            using var json = new Utf8JsonWriter(body, options);
            json.WriteStartArray();
            long flushed = 0;
            while (more)
            {
                write(json, enumerator.Current);
                written++;
                json.Flush();
                if (json.BytesCommitted - flushed >= FlushBytes)
                {
                    flushed = json.BytesCommitted;
                    if ((await body.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                    {
                        logger.JsonArrayClientLeft(written);
                        return;
                    }
                }

                more = await enumerator.MoveNextAsync().ConfigureAwait(false);
            }

            json.WriteEndArray();
            json.Flush();
            await body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            logger.JsonArrayClientLeft(written);
        }
        catch (Exception e)
        {
            logger.JsonArrayWriteFailed(written, e);
            httpContext.Abort();
        }
    }
}

/// <summary>What the JSON array responses share: fitting a page into a byte budget, and their logs.</summary>
internal static class JsonArray
{
    /// <summary>JSON as ASP.NET Core's JSON results write it (the default encoder), for the routes that answered with them.</summary>
    public static readonly JsonWriterOptions AspNetCoreEncoding = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>
    /// How many of <paramref name="items"/>, from the first, fit in <paramref name="budget"/> bytes written as a
    /// JSON array (at least one, so that a page always moves on), the last of those, and whether the budget
    /// left items out. Each item is written to a counter and let go: memory is one item, whatever the budget.
    /// </summary>
    public static async Task<(int Count, T? Last, bool Cut)> FitAsync<T>(
        IAsyncEnumerable<T> items, Action<Utf8JsonWriter, T> write, JsonWriterOptions options, long budget, CancellationToken cancellationToken)
    {
        using var json = new Utf8JsonWriter(Stream.Null, options);
        json.WriteStartArray();
        var count = 0;
        T? last = default;
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            write(json, item);
            json.Flush();
            if (count > 0 && json.BytesCommitted + 1 > budget)
            {
                return (count, last, true);
            }

            count++;
            last = item;
        }

        return (count, last, false);
    }

    public static ILogger Logger(HttpContext context)
        => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(JsonArrayResult<>).Namespace + ".JsonArrayResult");
}

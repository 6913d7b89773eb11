using System.Diagnostics;
using System.Net;
using AgentFunctions.Core.Telemetry;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage;

/// <summary>
/// A client span per storage call (<c>{Table|Queue} {METHOD} {table or queue}</c>, retries included), with the
/// HTTP method, the service, the table or queue, the server and the status code. Only inside a trace: a call with
/// no current span (a queue poll, a background flush) makes none, so idle polling exports nothing; with nothing
/// listening it costs two checks. Added to a client's options as a per-call policy
/// (<c>options.AddPolicy(new StorageTracingPolicy(service), HttpPipelinePosition.PerCall)</c>).
/// </summary>
/// <remarks>
/// The table or queue is the message's <see cref="ResourceProperty"/> when set (see <see cref="NameResource"/>),
/// else a table is read from the request's URI (<c>/{table}(…)</c>, <c>/{table}()</c>, <c>/Tables('{table}')</c>).
/// A table's creation (<c>POST /Tables</c>) and a transaction (<c>POST /$batch</c>) do not name it in their URI:
/// make them inside <see cref="NameResource"/>.
/// </remarks>
internal sealed class StorageTracingPolicy(StorageService service) : HttpPipelinePolicy
{
    /// <summary>The message property naming the table or queue a request addresses; without it, the request URI names it.</summary>
    public const string ResourceProperty = "AgentFunctions.Storage.Resource";

    /// <summary>
    /// Names <paramref name="resource"/> as the table or queue of every request the SDK creates on this flow
    /// until disposed (<see cref="HttpPipeline.CreateHttpMessagePropertiesScope"/>).
    /// </summary>
    public static IDisposable NameResource(string resource)
        => HttpPipeline.CreateHttpMessagePropertiesScope(new Dictionary<string, object?>(1) { [ResourceProperty] = resource });

    private readonly string _service = service == StorageService.Table ? "table" : "queue";
    private readonly string _prefix = service == StorageService.Table ? "Table " : "Queue ";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var activity = Start(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (Exception e) when (Failed(activity, e))
        {
            throw;
        }

        Finish(activity, message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var activity = Start(message);
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (Exception e) when (Failed(activity, e))
        {
            throw;
        }

        Finish(activity, message);
    }

    private Activity? Start(HttpMessage message)
    {
        if (Activity.Current is null || !AgentTelemetry.Source.HasListeners())
        {
            return null;
        }

        var request = message.Request;
        var method = request.Method.Method;
        var resource = message.TryGetProperty(ResourceProperty, out var value) && value is string name ? name
            : service == StorageService.Table ? TableOf(request.Uri.Path)
            : QueueOf(request.Uri);
        var activity = AgentTelemetry.Source.StartActivity(_prefix + method + (resource.Length > 0 ? " " + resource : string.Empty), ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryAttributes.HttpRequestMethod, method);
            activity.SetTag(TelemetryAttributes.StorageService, _service);
            activity.SetTag(TelemetryAttributes.StorageResource, resource);
            activity.SetTag(TelemetryAttributes.ServerAddress, request.Uri.Host);
            activity.SetTag(TelemetryAttributes.ServerPort, request.Uri.Port);
        }

        return activity;
    }

    /// <summary>
    /// The queue a request addresses, from its path: the first segment (after the account name when the
    /// host is an IP address or <c>localhost</c>, the emulator's path-style addressing), up to any <c>(</c>.
    /// </summary>
    private static string QueueOf(RequestUriBuilder uri)
    {
        var path = uri.Path.AsSpan().TrimStart('/');
        if (uri.Host is { } host && (host == "localhost" || IPAddress.TryParse(host, out _)))
        {
            var account = path.IndexOf('/');
            path = account < 0 ? [] : path[(account + 1)..];
        }

        var end = path.IndexOfAny('/', '(');
        return Uri.UnescapeDataString(end < 0 ? path : path[..end]);
    }

    /// <summary>The table a Table service path names: its last segment up to a parenthesis, or the name quoted in <c>Tables('…')</c>.</summary>
    private static string TableOf(string path)
    {
        var segment = path.AsSpan(path.LastIndexOf('/') + 1);
        var parenthesis = segment.IndexOf('(');
        if (parenthesis < 0)
        {
            return segment is "Tables" or "$batch" ? string.Empty : segment.ToString();
        }

        var table = segment[..parenthesis];
        if (table is "Tables")
        {
            var quoted = segment[(parenthesis + 1)..].Trim("')");
            return Uri.UnescapeDataString(quoted.ToString());
        }

        return table.ToString();
    }

    private static void Finish(Activity? activity, HttpMessage message)
    {
        if (activity is null || !message.HasResponse)
        {
            return;
        }

        var status = message.Response.Status;
        activity.SetTag(TelemetryAttributes.HttpResponseStatusCode, status);
        if (status >= 400)
        {
            // A 404 or 409 is often an answer (not found, already exists), but it is still the call's failure.
            activity.SetTag(TelemetryAttributes.ErrorType, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>Marks the span (never catches: always false).</summary>
    private static bool Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            activity.SetTag(TelemetryAttributes.ErrorType, exception.GetType().FullName);
            if (exception is not OperationCanceledException)
            {
                activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            }
        }

        return false;
    }
}

/// <summary>The storage service a client calls, for its spans.</summary>
internal enum StorageService
{
    Table,
    Queue,
}

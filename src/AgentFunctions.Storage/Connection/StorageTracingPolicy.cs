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
/// listening it costs two checks.
/// </summary>
internal sealed class StorageTracingPolicy(StorageService service) : HttpPipelinePolicy
{
    /// <summary>The message property naming the table or queue a request addresses; without it, the request URI names it.</summary>
    public const string ResourceProperty = "AgentFunctions.Storage.Resource";

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
        var resource = message.TryGetProperty(ResourceProperty, out var value) && value is string name ? name : ResourceFromPath(request.Uri);
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
    /// The table or queue a request addresses, from its path: the first segment (after the account name when the
    /// host is an IP address or <c>localhost</c>, the emulator's path-style addressing), up to any <c>(</c>.
    /// </summary>
    private static string ResourceFromPath(RequestUriBuilder uri)
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

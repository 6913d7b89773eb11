using System.Net.Sockets;
using AgentFunctions.Core.Stores;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Stores;

/// <summary>
/// Turns every way a storage call can fail for want of storage into one <see cref="StorageUnavailableException"/>:
/// a transport failure (refused, reset, a timeout: the SDK's <see cref="RequestFailedException"/> with status 0,
/// <see cref="IOException"/>, <see cref="SocketException"/>, a <see cref="TaskCanceledException"/> the caller did not
/// ask for), the <see cref="AggregateException"/> the retry policy throws once every try has failed, and a server
/// error (5xx) left after the retries. Added per call, outside the retry policy, so it sees what the retries leave;
/// a call the caller cancelled stays cancelled.
/// </summary>
internal sealed class StorageAvailabilityPolicy(string service) : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (Exception e) when (IsUnavailable(message, e))
        {
            throw Unavailable(message, e);
        }

        ThrowOnServerError(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(message, e))
        {
            throw Unavailable(message, e);
        }

        ThrowOnServerError(message);
    }

    private void ThrowOnServerError(HttpMessage message)
    {
        if (message.HasResponse && message.Response.Status >= 500)
        {
            throw new StorageUnavailableException(
                $"The {service} service answered {message.Response.Status} ({message.Response.ReasonPhrase}) to {message.Request.Method} after every retry.");
        }
    }

    private static bool IsUnavailable(HttpMessage message, Exception exception)
    {
        if (message.CancellationToken.IsCancellationRequested || exception is StorageUnavailableException)
        {
            return false;
        }

        return exception switch
        {
            AggregateException aggregate => aggregate.InnerExceptions.All(inner => IsUnavailable(message, inner)),
            RequestFailedException { Status: 0 } => true,
            IOException or SocketException or HttpRequestException => true,
            TaskCanceledException => true, // the SDK's network timeout, not the caller's token (checked above)
            _ => false,
        };
    }

    private StorageUnavailableException Unavailable(HttpMessage message, Exception exception)
        => new($"The {service} service could not be reached for {message.Request.Method} {message.Request.Uri.Path}: {Innermost(exception).Message}", exception);

    private static Exception Innermost(Exception exception)
    {
        while (true)
        {
            exception = exception is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[^1] : exception;
            if (exception.InnerException is null || exception is not (AggregateException or RequestFailedException))
            {
                return exception;
            }

            exception = exception.InnerException;
        }
    }
}

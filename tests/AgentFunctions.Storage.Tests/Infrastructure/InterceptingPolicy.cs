using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tests;

/// <summary>
/// Runs a callback before each request a client sends (add it per call, so that an exception it throws is
/// not retried): to pause a client at a chosen request while the test does something else, or to kill
/// it there, as a crash would; and, when given, one after its response came back, before the client sees it.
/// </summary>
public sealed class InterceptingPolicy(Func<HttpMessage, ValueTask> before, Func<HttpMessage, ValueTask>? after = null) : HttpPipelinePolicy
{
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await before(message);
        await ProcessNextAsync(message, pipeline);
        if (after is not null)
        {
            await after(message);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        => throw new NotSupportedException("The clients under test are asynchronous.");

    /// <summary>Whether the request is an entity-group transaction.</summary>
    public static bool IsBatch(HttpMessage message) => message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal);
}

/// <summary>Thrown by a test policy where the process under test is "killed".</summary>
public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException()
        : base("Killed by the test.")
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

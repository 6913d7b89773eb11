using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tests;

/// <summary>Counts the requests a client sends (add it to the client options' per-retry policies).</summary>
public sealed class CountingPolicy : HttpPipelineSynchronousPolicy
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public List<string> Methods { get; } = [];

    public override void OnSendingRequest(HttpMessage message)
    {
        Interlocked.Increment(ref _count);
        lock (Methods)
        {
            Methods.Add(message.Request.Method.Method);
        }
    }

    public void Reset()
    {
        Volatile.Write(ref _count, 0);
        lock (Methods)
        {
            Methods.Clear();
        }
    }
}

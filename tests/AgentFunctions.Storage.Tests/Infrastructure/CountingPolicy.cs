using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tests;

/// <summary>Counts the requests a client sends (add it to the client options' per-retry policies).</summary>
public sealed class CountingPolicy : HttpPipelineSynchronousPolicy
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public List<string> Methods { get; } = [];

    /// <summary>Each request's method and URI, as sent (under a lock on <see cref="Methods"/>).</summary>
    public List<(string Method, Uri Uri)> Requests { get; } = [];

    public override void OnSendingRequest(HttpMessage message)
    {
        Interlocked.Increment(ref _count);
        lock (Methods)
        {
            Methods.Add(message.Request.Method.Method);
            Requests.Add((message.Request.Method.Method, message.Request.Uri.ToUri()));
        }
    }

    public void Reset()
    {
        Volatile.Write(ref _count, 0);
        lock (Methods)
        {
            Methods.Clear();
            Requests.Clear();
        }
    }
}

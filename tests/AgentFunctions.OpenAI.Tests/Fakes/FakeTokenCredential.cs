using System.Collections.Concurrent;
using Azure.Core;

namespace AgentFunctions.OpenAI.Tests.Fakes;

/// <summary>A credential that hands out a fixed token and records how often, and for which scopes, it was asked.</summary>
internal sealed class FakeTokenCredential(string token) : TokenCredential
{
    private readonly ConcurrentQueue<string> _requestedScopes = new();
    private int _calls;

    public IReadOnlyList<string> RequestedScopes => [.. _requestedScopes];

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>When the tokens handed out expire.</summary>
    public DateTimeOffset ExpiresOn { get; set; } = DateTimeOffset.UtcNow.AddHours(1);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        foreach (var scope in requestContext.Scopes)
        {
            _requestedScopes.Enqueue(scope);
        }

        return new AccessToken(token, ExpiresOn);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

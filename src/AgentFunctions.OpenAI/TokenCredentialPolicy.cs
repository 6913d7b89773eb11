using System.ClientModel.Primitives;
using Azure.Core;

namespace AgentFunctions.OpenAI;

/// <summary>
/// Authenticates each request with an Entra ID token from an Azure.Core <see cref="TokenCredential"/>,
/// as <c>Authorization: Bearer &lt;token&gt;</c>. The token is reused until it is due for refresh
/// (its <see cref="AccessToken.RefreshOn"/>, or five minutes before it expires). Callers that find
/// it due at the same moment may each fetch one; credentials cache tokens themselves, so that
/// costs little and needs no lock. Tokens go only to https addresses, or to loopback ones for
/// local servers and tests.
/// </summary>
internal sealed class TokenCredentialPolicy : AuthenticationPolicy
{
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly TokenCredential _credential;
    private readonly TokenRequestContext _context;
    private readonly TimeProvider _timeProvider;
    private CachedToken? _cached;

    public TokenCredentialPolicy(TokenCredential credential, string scope, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        _credential = credential;
        _context = new TokenRequestContext([scope]);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureSecure(message.Request.Uri);
        var token = CurrentToken() ?? Store(_credential.GetToken(_context, message.CancellationToken));
        message.Request.Headers.Set("Authorization", "Bearer " + token);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureSecure(message.Request.Uri);
        var token = CurrentToken() ?? Store(await _credential.GetTokenAsync(_context, message.CancellationToken).ConfigureAwait(false));
        message.Request.Headers.Set("Authorization", "Bearer " + token);
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
    }

    private string? CurrentToken()
    {
        var cached = Volatile.Read(ref _cached);
        return cached is not null && _timeProvider.GetUtcNow() < cached.RefreshAt ? cached.Token : null;
    }

    private string Store(AccessToken token)
    {
        var refreshAt = token.RefreshOn ?? token.ExpiresOn - RefreshMargin;
        Volatile.Write(ref _cached, new CachedToken(token.Token, refreshAt));
        return token.Token;
    }

    private static void EnsureSecure(Uri? uri)
    {
        if (uri is null || uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback)
        {
            return;
        }

        throw new InvalidOperationException("Entra ID tokens are only sent over https (or to a loopback address).");
    }

    private sealed record CachedToken(string Token, DateTimeOffset RefreshAt);
}

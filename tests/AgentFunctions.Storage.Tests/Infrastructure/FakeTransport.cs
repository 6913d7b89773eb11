using System.Net;
using System.Net.Http.Headers;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tests;

/// <summary>
/// A transport that never touches the network: the pipeline's real HTTP transport over a handler
/// that records each request as it would go on the wire and answers from a script.
/// </summary>
internal sealed class FakeTransport
{
    private readonly Queue<Func<HttpResponseMessage>> _responses = new();

    public FakeTransport()
    {
        Transport = new HttpClientTransport(new HttpClient(new Handler(this)));
    }

    public HttpPipelineTransport Transport { get; }

    public List<RecordedRequest> Requests { get; } = [];

    /// <summary>Answers the next request with <paramref name="status"/> and an XML body; when nothing is scripted, requests get 204.</summary>
    public FakeTransport Then(HttpStatusCode status, string? xml = null, params (string Name, string Value)[] headers)
        => ThenBody(status, xml, "application/xml", headers);

    /// <summary>Answers the next request with <paramref name="status"/> and a JSON body.</summary>
    public FakeTransport ThenJson(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
        => ThenBody(status, json, "application/json", headers);

    private FakeTransport ThenBody(HttpStatusCode status, string? body, string contentType, (string Name, string Value)[] headers)
    {
        _responses.Enqueue(() =>
        {
            var response = new HttpResponseMessage(status);
            if (body is not null)
            {
                response.Content = new StringContent(body, new MediaTypeHeaderValue(contentType));
            }

            foreach (var (name, value) in headers)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }

            return response;
        });
        return this;
    }

    internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers);

    private sealed class Handler(FakeTransport owner) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            lock (owner.Requests)
            {
                owner.Requests.Add(new RecordedRequest(request.Method, request.RequestUri!, headers));
            }

            var next = owner._responses.TryDequeue(out var respond) ? respond() : new HttpResponseMessage(HttpStatusCode.NoContent);
            next.RequestMessage = request;
            return Task.FromResult(next);
        }
    }
}

/// <summary>A token credential that hands out a fixed token and records the scopes it was asked for.</summary>
internal sealed class FakeTokenCredential(string token) : TokenCredential
{
    public List<string[]> RequestedScopes { get; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (RequestedScopes)
        {
            RequestedScopes.Add(requestContext.Scopes);
        }

        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        => new(GetToken(requestContext, cancellationToken));
}

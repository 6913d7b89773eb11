using System.Diagnostics.CodeAnalysis;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage.Tests;

/// <summary>A transport that answers from a function and records what was sent: for logic Azurite cannot show (tokens over https, odd pages).</summary>
public sealed class FakeTransport(Func<Request, FakeResponse> respond) : HttpPipelineTransport
{
    public List<(string Method, Uri Uri, Dictionary<string, string> Headers)> Sent { get; } = [];

    public override Request CreateRequest() => new FakeRequest();

    public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message)
    {
        var request = message.Request;
        Sent.Add((request.Method.Method, request.Uri.ToUri(), request.Headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase)));
        message.Response = respond(request);
        return ValueTask.CompletedTask;
    }

    private sealed class FakeRequest : Request
    {
        private readonly Dictionary<string, List<string>> _headers = new(StringComparer.OrdinalIgnoreCase);

        public override string ClientRequestId { get; set; } = Guid.NewGuid().ToString();

        public override void Dispose()
        {
        }

        protected override void AddHeader(string name, string value) => Values(name).Add(value);

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders()
            => _headers.Select(h => new HttpHeader(h.Key, string.Join(",", h.Value)));

        protected override bool RemoveHeader(string name) => _headers.Remove(name);

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = _headers.TryGetValue(name, out var values) ? string.Join(",", values) : null;
            return value is not null;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = _headers.TryGetValue(name, out var list) ? list : null;
            return values is not null;
        }

        protected override void SetHeader(string name, string value) => _headers[name] = [value];

        private List<string> Values(string name) => _headers.TryGetValue(name, out var list) ? list : _headers[name] = [];
    }
}

/// <summary>A canned response.</summary>
public sealed class FakeResponse(int status, string body = "", params (string Name, string Value)[] headers) : Response
{
    private readonly Dictionary<string, string> _headers = headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);

    public override int Status => status;

    public override string ReasonPhrase => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override Stream? ContentStream { get; set; } = new MemoryStream(Encoding.UTF8.GetBytes(body));

    public override string ClientRequestId { get; set; } = string.Empty;

    public override void Dispose()
    {
    }

    protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        values = _headers.TryGetValue(name, out var value) ? [value] : null;
        return values is not null;
    }
}

using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage;

/// <summary>
/// Signs every attempt of a request with Shared Key authorization, as the Table service
/// (<see cref="StorageService.Table"/>) or the Queue service (<see cref="StorageService.Queue"/>)
/// expects it. It runs per retry, so every attempt carries a fresh <c>x-ms-date</c>.
/// </summary>
internal sealed class SharedKeyPolicy(StorageSharedKeyCredential credential, StorageService service) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        var stringToSign = service == StorageService.Table ? TableStringToSign(request, date) : BlobQueueStringToSign(request);
        request.Headers.SetValue(
            HttpHeader.Names.Authorization,
            $"SharedKey {credential.AccountName}:{credential.ComputeSignature(stringToSign)}");
    }

    private string TableStringToSign(Request request, string date)
    {
        // VERB, Content-MD5, Content-Type, Date, CanonicalizedResource (with ?comp= only).
        var resource = new StringBuilder("/").Append(credential.AccountName).Append(request.Uri.Path);
        var comp = QueryParameters(request.Uri).FirstOrDefault(p => p.Name == "comp");
        if (comp.Name is not null)
        {
            resource.Append("?comp=").Append(comp.Value);
        }

        return string.Join('\n',
            request.Method.Method,
            Header(request, "Content-MD5"),
            Header(request, HttpHeader.Names.ContentType),
            date,
            resource.ToString());
    }

    private string BlobQueueStringToSign(Request request)
    {
        var contentLength = request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0
            ? length.ToString(CultureInfo.InvariantCulture)
            : string.Empty;

        var builder = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(Header(request, "Content-Encoding")).Append('\n')
            .Append(Header(request, "Content-Language")).Append('\n')
            .Append(contentLength).Append('\n')
            .Append(Header(request, "Content-MD5")).Append('\n')
            .Append(Header(request, HttpHeader.Names.ContentType)).Append('\n')
            .Append(string.Empty).Append('\n') // Date: x-ms-date is used instead.
            .Append(Header(request, "If-Modified-Since")).Append('\n')
            .Append(Header(request, "If-Match")).Append('\n')
            .Append(Header(request, "If-None-Match")).Append('\n')
            .Append(Header(request, "If-Unmodified-Since")).Append('\n')
            .Append(Header(request, "Range")).Append('\n');

        foreach (var header in request.Headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(header.Name).Append(':').Append(header.Value).Append('\n');
        }

        builder.Append('/').Append(credential.AccountName).Append(request.Uri.Path);
        foreach (var group in QueryParameters(request.Uri)
            .GroupBy(p => p.Name.ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            builder.Append('\n').Append(group.Key).Append(':')
                .Append(string.Join(',', group.Select(p => p.Value).Order(StringComparer.Ordinal)));
        }

        return builder.ToString();
    }

    private static string Header(Request request, string name)
        => request.Headers.TryGetValue(name, out var value) ? value : string.Empty;

    private static IEnumerable<(string Name, string Value)> QueryParameters(RequestUriBuilder uri)
    {
        var query = uri.Query;
        if (string.IsNullOrEmpty(query))
        {
            yield break;
        }

        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            yield return equals < 0
                ? (Uri.UnescapeDataString(pair), string.Empty)
                : (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..]));
        }
    }
}

/// <summary>Which storage service a request goes to; the services sign requests differently.</summary>
internal enum StorageService
{
    Table,
    Queue,
}

using System.Net.Http.Headers;
using System.Text.Json;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The baseline the table clients are measured against: the least a client must do to read a query — GET,
/// parse each page, follow the continuation headers. It authenticates with a read-only SAS that the SDK
/// generates (<c>TableClient.GenerateSasUri</c>), so there is no signing of its own and nothing per request.
/// </summary>
internal static class RawQuery
{
    /// <summary>
    /// Reads every entity the filter matches in the table <paramref name="tableSasUri"/> names, only the columns
    /// <paramref name="select"/> names when it is given; returns how many <paramref name="read"/> accepted.
    /// </summary>
    public static async Task<int> CountAsync(HttpClient http, Uri tableSasUri, string filter, Func<JsonElement, bool>? read = null, IEnumerable<string>? select = null)
    {
        var count = 0;
        string? nextPartition = null, nextRow = null;
        var path = tableSasUri.GetLeftPart(UriPartial.Path) + "()";
        var signature = tableSasUri.Query.TrimStart('?');
        do
        {
            var query = "?" + signature + "&$filter=" + Uri.EscapeDataString(filter);
            if (select is not null)
            {
                query += "&$select=" + Uri.EscapeDataString(string.Join(',', select));
            }

            if (nextPartition is not null)
            {
                query += "&NextPartitionKey=" + Uri.EscapeDataString(nextPartition) + "&NextRowKey=" + Uri.EscapeDataString(nextRow ?? string.Empty);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path + query));
            request.Headers.Add("x-ms-version", "2019-02-02");
            request.Headers.Add("DataServiceVersion", "3.0");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json") { Parameters = { new NameValueHeaderValue("odata", "minimalmetadata") } });

            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsByteArrayAsync();
            using (var document = JsonDocument.Parse(body))
            {
                foreach (var entity in document.RootElement.GetProperty("value").EnumerateArray())
                {
                    count += read is null || read(entity) ? 1 : 0;
                }
            }

            nextPartition = response.Headers.TryGetValues("x-ms-continuation-NextPartitionKey", out var p) ? p.First() : null;
            nextRow = response.Headers.TryGetValues("x-ms-continuation-NextRowKey", out var r) ? r.First() : null;
        }
        while (nextPartition is not null);

        return count;
    }
}

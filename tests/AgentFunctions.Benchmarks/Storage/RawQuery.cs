using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentFunctions.Storage;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The baseline the table client is measured against: the least a hand-written client must do to
/// read a query — sign, GET, parse each page, follow the continuation headers.
/// </summary>
internal static class RawQuery
{
    /// <summary>Reads every entity the filter matches; returns how many <paramref name="read"/> accepted.</summary>
    public static async Task<int> CountAsync(HttpClient http, StorageConnectionString connection, string tableName, string filter, Func<JsonElement, bool>? read = null)
    {
        var count = 0;
        string? nextPartition = null, nextRow = null;
        var path = $"{connection.TableEndpoint.AbsolutePath.TrimEnd('/')}/{tableName}()";
        var key = connection.SharedKeyCredential ?? throw new InvalidOperationException("The raw query signs with the account key.");
        do
        {
            var query = "?$filter=" + Uri.EscapeDataString(filter);
            if (nextPartition is not null)
            {
                query += "&NextPartitionKey=" + Uri.EscapeDataString(nextPartition) + "&NextRowKey=" + Uri.EscapeDataString(nextRow ?? string.Empty);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(connection.TableEndpoint, path + query));
            var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
            request.Headers.Add("x-ms-date", date);
            request.Headers.Add("x-ms-version", TableClientOptions.ServiceVersion);
            request.Headers.Add("DataServiceVersion", "3.0");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json") { Parameters = { new NameValueHeaderValue("odata", "minimalmetadata") } });
            request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", $"{key.AccountName}:{key.ComputeSignature($"GET\n\n\n{date}\n/{key.AccountName}{path}")}");

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

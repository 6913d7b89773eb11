using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The baseline an entity-group transaction is measured against: the least a client must send to delete
/// entities of one partition in one <c>$batch</c> request — a multipart body with one DELETE per entity, each
/// with <c>If-Match: *</c>. It authenticates with an account SAS that the SDK generates (Azurite refuses a
/// table SAS on <c>$batch</c>), so there is no signing of its own.
/// </summary>
internal static class RawBatch
{
    /// <summary>Deletes the entities <paramref name="rowKeys"/> names in <paramref name="partition"/> of <paramref name="table"/> in one transaction.</summary>
    public static async Task DeleteAsync(HttpClient http, Uri accountSasUri, string table, string partition, IReadOnlyCollection<string> rowKeys)
    {
        var account = accountSasUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var batch = "batch_" + Guid.NewGuid().ToString("D");
        var changeset = "changeset_" + Guid.NewGuid().ToString("D");
        var body = new StringBuilder();
        body.Append("--").Append(batch).Append("\r\nContent-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n");
        foreach (var rowKey in rowKeys)
        {
            body.Append("--").Append(changeset).Append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")
                .Append("DELETE ").Append(account).Append('/').Append(table)
                .Append("(PartitionKey='").Append(Key(partition)).Append("',RowKey='").Append(Key(rowKey)).Append("') HTTP/1.1\r\n")
                .Append("Accept: application/json;odata=minimalmetadata\r\nDataServiceVersion: 3.0\r\nIf-Match: *\r\n\r\n");
        }

        body.Append("--").Append(changeset).Append("--\r\n--").Append(batch).Append("--\r\n");

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(account + "/$batch" + accountSasUri.Query));
        request.Headers.Add("x-ms-version", "2019-02-02");
        request.Headers.Add("DataServiceVersion", "3.0");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Content = new StringContent(body.ToString(), Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("multipart/mixed") { Parameters = { new NameValueHeaderValue("boundary", batch) } };
        using var response = await http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();

        // The service answers 202 for the batch and says in the body whether the changeset failed.
        if (response.StatusCode != HttpStatusCode.Accepted || answer.Contains("odata.error", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The $batch failed: {(int)response.StatusCode} {answer}");
        }
    }

    /// <summary>A key in an OData key predicate: quotes doubled, then escaped for the URL.</summary>
    private static string Key(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));
}

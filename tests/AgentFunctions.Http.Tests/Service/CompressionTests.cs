using System.IO.Compression;
using System.Net.Http.Headers;
using AgentFunctions.Http.Tests.Auth;
using AgentFunctions.Http.Tests.Invocation;
using AgentFunctions.Http.Tests.Runs;
using AgentFunctions.Http.Tests.State;

namespace AgentFunctions.Http.Tests.Service;

/// <summary>
/// JSON and NDJSON bodies are compressed as the client's Accept-Encoding allows (the SDK's fetch sends it); event
/// streams never are, so every event still arrives when it is produced.
/// </summary>
public class CompressionTests(HistoryFixture history) : IClassFixture<HistoryFixture>
{
    [Theory(Timeout = 120_000)]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task HistoryPage_AcceptEncoding_IsCompressedAndDecodesToTheSameBody(string encoding)
    {
        var path = $"/threads/{history.ThreadId}/history?limit=100";

        var (plain, plainEncoding) = await GetAsync(history.Server, path, null);
        var (compressed, contentEncoding) = await GetAsync(history.Server, path, encoding);

        Assert.Null(plainEncoding);
        Assert.Equal(encoding, contentEncoding);
        Assert.True(compressed.Length * 4 < plain.Length, $"{compressed.Length} compressed bytes of {plain.Length}");
        Assert.Equal(plain, Decode(compressed, encoding));
    }

    [Fact(Timeout = 120_000)]
    public async Task HistoryStream_Gzip_IsCompressedNdjsonThatDecodesToTheSameLines()
    {
        var path = $"/threads/{history.ThreadId}/history/stream";

        var (plain, _) = await GetAsync(history.Server, path, null);
        var (compressed, contentEncoding) = await GetAsync(history.Server, path, "gzip");

        Assert.Equal("gzip", contentEncoding);
        Assert.Equal(plain, Decode(compressed, "gzip"));
        Assert.Equal(HistoryFixture.Count, System.Text.Encoding.UTF8.GetString(plain).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact(Timeout = 120_000)]
    public async Task RunStream_AcceptEncoding_IsNotCompressedAndTheFirstEventArrivesWhileTheRunGoesOn()
    {
        var api = new RunsApi(history.Server);
        var threadId = await api.NewThreadAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent(RunsApi.Body("tokens=100 delay_ms=100"), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.AcceptEncoding.ParseAdd("br, gzip");

        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var firstLines = new List<string>();
        while (await reader.ReadLineAsync() is { Length: > 0 } line)
        {
            firstLines.Add(line);
        }

        var runId = System.Text.Json.JsonDocument.Parse(firstLines.Single(l => l.StartsWith("data:", StringComparison.Ordinal))[5..]).RootElement.GetProperty("run_id").GetString()!;
        var status = await api.RunStatusAsync(threadId, runId);
        using var cancel = await api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?wait=true", null);

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Contains("event: metadata", firstLines);
        Assert.Contains(status, new[] { "pending", "running" });
    }

    [Fact(Timeout = 120_000)]
    public async Task FunctionsHost_ThreadJson_IsCompressedThroughApiInvocation()
    {
        var server = new FunctionStyleServerFixture();
        await server.InitializeAsync();
        try
        {
            using var client = server.Client(FunctionStyleServerFixture.Key);
            using var created = await client.PostJsonAsync("/threads", """{"metadata":{"note":"compress me, compress me, compress me"}}""");
            var id = (await created.ReadJsonAsync()).GetProperty("thread_id").GetString();

            var (plain, _) = await GetAsync(server, $"/threads/{id}", null, FunctionStyleServerFixture.Key);
            var (compressed, contentEncoding) = await GetAsync(server, $"/threads/{id}", "br", FunctionStyleServerFixture.Key);

            Assert.Equal("br", contentEncoding);
            Assert.Equal(plain, Decode(compressed, "br"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task CompressionOff_NothingIsCompressed()
    {
        var server = new SettingsServerFixture(("Http:ResponseCompression", "false"));
        await server.InitializeAsync();
        try
        {
            using var client = server.Client();
            using var created = await client.PostJsonAsync("/threads", "{}");
            var id = (await created.ReadJsonAsync()).GetProperty("thread_id").GetString();

            var (_, contentEncoding) = await GetAsync(server, $"/threads/{id}", "br, gzip");

            Assert.Null(contentEncoding);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<(byte[] Body, string? ContentEncoding)> GetAsync(ServerFixture server, string path, string? acceptEncoding, string? apiKey = null)
    {
        using var client = server.Client(apiKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentEncoding.SingleOrDefault());
    }

    private static byte[] Decode(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }
}

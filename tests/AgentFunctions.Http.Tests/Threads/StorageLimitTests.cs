namespace AgentFunctions.Http.Tests.Threads;

/// <summary>
/// A value larger than a stored record holds is the client's mistake: 413 with the limit and the value named, never a
/// 5xx, and nothing is written.
/// </summary>
public class StorageLimitTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string Huge = new('x', 5 * 1024 * 1024);

    private readonly HttpClient _client = server.Client();

    [Fact(Timeout = 120_000)]
    public async Task CreateThread_FiveMegabytesOfMetadata_Is413AndNoThread()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await _client.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","metadata":{"notes":"{{{Huge}}}"}}""");
        using var get = await _client.GetAsync($"/threads/{id}");

        var problem = await response.AssertProblemAsync(413);
        Assert.Contains("'metadata'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("1,048,576 bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, (int)get.StatusCode);
    }

    [Fact(Timeout = 120_000)]
    public async Task PatchThread_FiveMegabytesOfMetadata_Is413AndTheThreadIsUnchanged()
    {
        using var created = await _client.PostJsonAsync("/threads", """{"metadata":{"user":"ann"}}""");
        var id = (await created.ReadJsonAsync()).GetProperty("thread_id").GetString();

        using var response = await _client.PatchJsonAsync($"/threads/{id}", $$$"""{"metadata":{"notes":"{{{Huge}}}"}}""");
        using var get = await _client.GetAsync($"/threads/{id}");

        await response.AssertProblemAsync(413);
        Assert.Equal("""{"user":"ann"}""", (await get.ReadJsonAsync()).GetProperty("metadata").GetRawText());
    }

    [Fact(Timeout = 120_000)]
    public async Task CreateAssistant_FiveMegabyteName_Is413AndNoAssistant()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await _client.PostJsonAsync("/assistants", $$$"""{"assistant_id":"{{{id}}}","graph_id":"agent","name":"{{{Huge}}}"}""");
        using var get = await _client.GetAsync($"/assistants/{id}");

        var problem = await response.AssertProblemAsync(413);
        Assert.Contains("'name'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, (int)get.StatusCode);
    }

    [Fact(Timeout = 120_000)]
    public async Task CreateThread_ManySmallMetadataKeysUnderTheLimit_IsStoredWhole()
    {
        // 900 KB in many keys is under the limit: stored and read back as given.
        var metadata = "{" + string.Join(",", Enumerable.Range(0, 300).Select(i => $"\"k{i}\":\"{new string('y', 1500)}\"")) + "}";

        using var response = await _client.PostJsonAsync("/threads", $$"""{"metadata":{{metadata}}}""");

        Assert.Equal(200, (int)response.StatusCode);
        var thread = await response.ReadJsonAsync();
        using var get = await _client.GetAsync($"/threads/{thread.GetProperty("thread_id").GetString()}");
        Assert.Equal(300, (await get.ReadJsonAsync()).GetProperty("metadata").EnumerateObject().Count());
    }
}

namespace AgentFunctions.Http.Tests.Service;

/// <summary>Routes the LangGraph SDKs call beyond create, read, search and run: counts and subgraphs.</summary>
public class ProtocolRoutesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = server.Client();

    [Fact(Timeout = 60_000)]
    public async Task CountThreads_ByMetadataAndStatus_CountsTheMatches()
    {
        var tag = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 3; i++)
        {
            using var created = await _client.PostJsonAsync("/threads", $$$"""{"metadata":{"tag":"{{{tag}}}","n":{{{i}}}}}""");
            Assert.Equal(200, (int)created.StatusCode);
        }

        Assert.Equal(3, await CountAsync("/threads/count", $$$"""{"metadata":{"tag":"{{{tag}}}"}}"""));
        Assert.Equal(1, await CountAsync("/threads/count", $$$"""{"metadata":{"tag":"{{{tag}}}","n":2}}"""));
        Assert.Equal(0, await CountAsync("/threads/count", $$$"""{"metadata":{"tag":"{{{tag}}}"},"status":"busy"}"""));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("/threads/count", """{"status":"sleeping"}""", "$.status")]
    [InlineData("/threads/count", """{"metadata":"x"}""", "$.metadata")]
    [InlineData("/assistants/count", """{"name":5}""", "$.name")]
    public async Task Count_BadFilter_Is422WithThePath(string path, string body, string jsonPath)
    {
        using var response = await _client.PostJsonAsync(path, body);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(jsonPath, problem.GetProperty("path").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task CountAssistants_CountsTheDefaultAndTheCallersMatches()
    {
        var tag = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 2; i++)
        {
            using var created = await _client.PostJsonAsync("/assistants", $$$"""{"graph_id":"agent","metadata":{"tag":"{{{tag}}}"}}""");
            Assert.Equal(200, (int)created.StatusCode);
        }

        Assert.Equal(2, await CountAsync("/assistants/count", $$$"""{"metadata":{"tag":"{{{tag}}}"}}"""));
        Assert.Equal(0, await CountAsync("/assistants/count", """{"graph_id":"other"}"""));
        Assert.True(await CountAsync("/assistants/count", "{}") >= 3); // the default assistant and the two
    }

    [Fact(Timeout = 60_000)]
    public async Task Subgraphs_TheAgentGraphHasNone_AndAnUnknownAssistantIs404()
    {
        using var subgraphs = await _client.GetAsync("/assistants/agent/subgraphs?recurse=true");
        using var unknown = await _client.GetAsync($"/assistants/{Guid.NewGuid()}/subgraphs");

        Assert.Equal(200, (int)subgraphs.StatusCode);
        Assert.Equal("{}", (await subgraphs.ReadJsonAsync()).GetRawText());
        await unknown.AssertProblemAsync(404);
    }

    [Fact(Timeout = 120_000)]
    public async Task CancelMany_ByStatusOnAThread_CancelsTheRunningAndTheQueuedRun()
    {
        var api = new Runs.RunsApi(server);
        var threadId = await api.NewThreadAsync();
        var first = (await api.CreateBackgroundAsync(threadId, Runs.RunsApi.Body("tokens=200 delay_ms=100"))).GetProperty("run_id").GetString()!;
        var second = (await api.CreateBackgroundAsync(threadId, Runs.RunsApi.Body("tokens=2", "\"multitask_strategy\":\"enqueue\""))).GetProperty("run_id").GetString()!;

        using var response = await _client.PostJsonAsync("/runs/cancel", $$$"""{"thread_id":"{{{threadId}}}","status":"all"}""");

        Assert.Equal(204, (int)response.StatusCode);
        await api.WaitForStatusAsync(threadId, first, "interrupted");
        await api.WaitForStatusAsync(threadId, second, "interrupted");
    }

    [Fact(Timeout = 120_000)]
    public async Task CancelMany_ByRunIds_CancelsThoseOnly()
    {
        var api = new Runs.RunsApi(server);
        var threadId = await api.NewThreadAsync();
        var other = await api.NewThreadAsync();
        var named = (await api.CreateBackgroundAsync(threadId, Runs.RunsApi.Body("tokens=200 delay_ms=100"))).GetProperty("run_id").GetString()!;
        var left = (await api.CreateBackgroundAsync(other, Runs.RunsApi.Body("tokens=20 delay_ms=50"))).GetProperty("run_id").GetString()!;

        using var response = await _client.PostJsonAsync("/runs/cancel", $$$"""{"thread_id":"{{{threadId}}}","run_ids":["{{{named}}}"]}""");

        Assert.Equal(204, (int)response.StatusCode);
        await api.WaitForStatusAsync(threadId, named, "interrupted");
        await api.WaitForStatusAsync(other, left, "success");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("{}", "$")]
    [InlineData("""{"run_ids":["x"]}""", "$.thread_id")]
    [InlineData("""{"status":"done"}""", "$.status")]
    [InlineData("""{"thread_id":5,"status":"all"}""", "$.thread_id")]
    [InlineData("""{"thread_id":"t","run_ids":"x"}""", "$.run_ids")]
    public async Task CancelMany_BadBody_Is422WithThePath(string body, string path)
    {
        using var response = await _client.PostJsonAsync("/runs/cancel", body);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(path, problem.GetProperty("path").GetString());
    }

    [Fact(Timeout = 120_000)]
    public async Task CreateStateless_BackgroundRunOnANewThread_SucceedsAndTheThreadExpiresUnlessKept()
    {
        var api = new Runs.RunsApi(server);

        using var deleted = await _client.PostJsonAsync("/runs", Runs.RunsApi.Body("tokens=3"));
        using var kept = await _client.PostJsonAsync("/runs", Runs.RunsApi.Body("tokens=3", "\"on_completion\":\"keep\""));

        foreach (var (response, expires) in new[] { (deleted, true), (kept, false) })
        {
            Assert.Equal(200, (int)response.StatusCode);
            var run = await response.ReadJsonAsync();
            var threadId = run.GetProperty("thread_id").GetString()!;
            var runId = run.GetProperty("run_id").GetString()!;
            await api.WaitForStatusAsync(threadId, runId, "success");
            using var join = await _client.GetAsync($"/threads/{threadId}/runs/{runId}/join");
            Assert.Equal(["human", "ai"], Runs.RunsApi.Messages(await join.ReadJsonAsync()).Select(m => m.Type));
            var thread = await api.Threads.GetAsync(Runs.RunsApi.Owner, threadId);
            Assert.Equal(expires, thread!.ExpiresAt is not null);
            Assert.Equal("agent", thread.Metadata.GetProperty("graph_id").GetString());
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task CreateBatch_TwoBodies_CreatesTwoRunsThatSucceed()
    {
        var api = new Runs.RunsApi(server);
        var body = "[" + Runs.RunsApi.Body("tokens=2") + "," + Runs.RunsApi.Body("tokens=4", "\"metadata\":{\"n\":2}") + "]";

        using var response = await _client.PostJsonAsync("/runs/batch", body);

        Assert.Equal(200, (int)response.StatusCode);
        var runs = (await response.ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.NotEqual(runs[0].GetProperty("thread_id").GetString(), runs[1].GetProperty("thread_id").GetString());
        Assert.Equal(2, runs[1].GetProperty("metadata").GetProperty("n").GetInt32());
        foreach (var run in runs)
        {
            await api.WaitForStatusAsync(run.GetProperty("thread_id").GetString()!, run.GetProperty("run_id").GetString()!, "success");
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData("{}", "$")]
    [InlineData("[]", "$")]
    [InlineData("[5]", "$[0]")]
    [InlineData("""[{"assistant_id":"agent"},{"assistant_id":"agent","stream_mode":5}]""", "$[1].stream_mode")]
    [InlineData("""[{"input":{}}]""", "$[0].assistant_id")]
    public async Task CreateBatch_BadBody_Is422WithThePathAndCreatesNothing(string body, string path)
    {
        // The tests of this class run one at a time on their own server: its thread count is theirs.
        var before = await CountAsync("/threads/count", "{}");

        using var response = await _client.PostJsonAsync("/runs/batch", body);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(path, problem.GetProperty("path").GetString());
        Assert.Equal(before, await CountAsync("/threads/count", "{}"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Versions_EachPatchKeepsOne_AndLatestMakesAnOldOneCurrent()
    {
        using var created = await _client.PostJsonAsync("/assistants", """{"graph_id":"agent","name":"one"}""");
        var id = (await created.ReadJsonAsync()).GetProperty("assistant_id").GetString();
        (await _client.PatchJsonAsync($"/assistants/{id}", """{"name":"two"}""")).Dispose();
        (await _client.PatchJsonAsync($"/assistants/{id}", """{"name":"three","metadata":{"stage":"final"}}""")).Dispose();

        using var versions = await _client.PostJsonAsync($"/assistants/{id}/versions", "{}");
        using var filtered = await _client.PostJsonAsync($"/assistants/{id}/versions", """{"metadata":{"stage":"final"},"limit":5}""");
        using var latest = await _client.PostJsonAsync($"/assistants/{id}/latest", """{"version":1}""");
        using var got = await _client.GetAsync($"/assistants/{id}");
        using var missing = await _client.PostJsonAsync($"/assistants/{id}/latest", """{"version":9}""");
        using var bad = await _client.PostJsonAsync($"/assistants/{id}/latest", """{"version":"1"}""");

        Assert.Equal([(3, "three"), (2, "two"), (1, "one")], (await versions.ReadJsonAsync()).EnumerateArray().Select(v => (v.GetProperty("version").GetInt32(), v.GetProperty("name").GetString())));
        Assert.Equal([3], (await filtered.ReadJsonAsync()).EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal("one", (await latest.ReadJsonAsync()).GetProperty("name").GetString());
        var current = await got.ReadJsonAsync();
        Assert.Equal(("one", 1), (current.GetProperty("name").GetString(), current.GetProperty("version").GetInt32()));
        await missing.AssertProblemAsync(404);
        Assert.Equal("$.version", (await bad.AssertProblemAsync(422)).GetProperty("path").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Versions_OfTheDefaultAssistant_IsItsOneVersion()
    {
        using var versions = await _client.PostJsonAsync("/assistants/agent/versions", "{}");
        using var latest = await _client.PostJsonAsync("/assistants/agent/latest", """{"version":1}""");

        Assert.Single((await versions.ReadJsonAsync()).EnumerateArray());
        Assert.Equal(200, (int)latest.StatusCode);
    }

    private async Task<long> CountAsync(string path, string body)
    {
        using var response = await _client.PostJsonAsync(path, body);
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.ReadJsonAsync()).GetInt64();
    }
}

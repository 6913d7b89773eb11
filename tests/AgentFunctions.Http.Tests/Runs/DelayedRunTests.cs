using System.Text.Json;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary><c>after_seconds</c>: a background run waits on its queue that long (the queue's visibility delay), pending until then.</summary>
public class DelayedRunTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 180_000)]
    public async Task CreateRun_AfterSeconds_IsPendingAndStartsNoSoonerThanTheDelay()
    {
        var thread = await _api.NewThreadAsync();

        using var created = await _api.Client.PostJsonAsync($"/threads/{thread}/runs", RunsApi.Body("tokens=3", "\"after_seconds\":4"));
        var run = await created.ReadJsonAsync();
        var runId = run.GetProperty("run_id").GetString();
        using var soon = await _api.Client.GetAsync($"/threads/{thread}/runs/{runId}");
        var statusSoon = (await soon.ReadJsonAsync()).GetProperty("status").GetString();
        using var joined = await _api.Client.GetAsync($"/threads/{thread}/runs/{runId}/join");
        using var ended = await _api.Client.GetAsync($"/threads/{thread}/runs/{runId}");
        using var history = await _api.Client.GetAsync($"/threads/{thread}/history?limit=10");

        // Pending at first; in the end a success whose first checkpoint (its input step) came after the delay, measured
        // on the server's own clock from the run's creation (a lower bound the queue guarantees, not a speed).
        Assert.Equal("pending", run.GetProperty("status").GetString());
        Assert.Equal("pending", statusSoon);
        Assert.Equal("success", (await ended.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(4, run.GetProperty("kwargs").GetProperty("after_seconds").GetDouble());
        var firstStep = (await history.ReadJsonAsync()).EnumerateArray().Last().GetProperty("created_at").GetDateTimeOffset();
        Assert.True(firstStep - run.GetProperty("created_at").GetDateTimeOffset() >= TimeSpan.FromSeconds(3.9), $"started {firstStep - run.GetProperty("created_at").GetDateTimeOffset()} after it was created");
    }

    [Fact(Timeout = 180_000)]
    public async Task CreateRun_AfterSecondsOnABusyThreadUnderReject_Is409ForTheNextRun()
    {
        var thread = await _api.NewThreadAsync();

        using var delayed = await _api.Client.PostJsonAsync($"/threads/{thread}/runs", RunsApi.Body("tokens=3", "\"after_seconds\":600"));
        using var second = await _api.Client.PostJsonAsync($"/threads/{thread}/runs", RunsApi.Body("tokens=3"));
        var runId = (await delayed.ReadJsonAsync()).GetProperty("run_id").GetString();
        using var cancel = await _api.Client.PostAsync($"/threads/{thread}/runs/{runId}/cancel?action=interrupt", null);

        await second.AssertProblemAsync(409);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("/threads/{0}/runs", "\"after_seconds\":604801")]
    [InlineData("/threads/{0}/runs/wait", "\"after_seconds\":5")]
    [InlineData("/threads/{0}/runs/stream", "\"after_seconds\":5")]
    public async Task CreateRun_AfterSecondsNotAllowed_Is422(string route, string extra)
    {
        var thread = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, thread), RunsApi.Body("hi", extra));

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal("$.after_seconds", problem.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.String, problem.GetProperty("detail").ValueKind);
    }
}

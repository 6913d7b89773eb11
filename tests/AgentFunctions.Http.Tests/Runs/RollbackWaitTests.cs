using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>
/// <c>cancel?wait=1&amp;action=rollback</c> answers once the run is gone. Its executor ends the run (interrupted)
/// before it deletes it; with a run store slow to delete, an answer given at the end alone would leave the run
/// readable after the 204.
/// </summary>
public class RollbackWaitTests(SlowRunDeleteServerFixture server) : IClassFixture<SlowRunDeleteServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 60_000)]
    public async Task Cancel_RollbackAndWait_AnswersOnlyOnceTheRunIsDeleted()
    {
        var threadId = await _api.NewThreadAsync();
        var runId = (await _api.CreateBackgroundAsync(threadId, Body("tokens=2000 delay_ms=20"))).GetProperty("run_id").GetString()!;
        await _api.WaitForStatusAsync(threadId, runId, "running");

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?wait=1&action=rollback", null);

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Null(await _api.GetRunAsync(threadId, runId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Join_RolledBackRun_AnswersOnceTheRunIsDeleted()
    {
        var threadId = await _api.NewThreadAsync();
        var runId = (await _api.CreateBackgroundAsync(threadId, Body("tokens=2000 delay_ms=20"))).GetProperty("run_id").GetString()!;
        await _api.WaitForStatusAsync(threadId, runId, "running");
        var join = _api.Client.GetAsync($"/threads/{threadId}/runs/{runId}/join");

        using (var cancel = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?action=rollback", null))
        {
            Assert.Equal(202, (int)cancel.StatusCode);
        }

        using var joined = await join;
        Assert.Equal(200, (int)joined.StatusCode);
        Assert.Null(await _api.GetRunAsync(threadId, runId));
    }
}

using AgentFunctions.Core.Threads;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>Cancelling runs, the multitask strategies, and clients that go away, over HTTP.</summary>
public class RunControlTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Slow = "tokens=2000 delay_ms=20";

    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 60_000)]
    public async Task Cancel_InterruptAndWait_RunEndsInterruptedAndThreadIsIdle()
    {
        var (threadId, runId) = await StartSlowRunAsync();

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?wait=true&action=interrupt", null);

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal("interrupted", await _api.RunStatusAsync(threadId, runId));
        await WaitUntilAsync(async () => (await _api.Threads.GetAsync(Owner, threadId))!.Status == ThreadStatus.Idle, "the thread is idle");
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_RollbackAndWait_RemovesTheRunAndWhatItWrote()
    {
        var threadId = await _api.NewThreadAsync();
        (await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("tokens=1"))).Dispose();
        var before = (await _api.Checkpoints.GetLatestAsync(Owner, threadId))!.CheckpointId;
        var (_, runId) = await StartSlowRunAsync(threadId);

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?wait=1&action=rollback", null);

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Null(await _api.GetRunAsync(threadId, runId));
        Assert.Equal(before, (await _api.Checkpoints.GetLatestAsync(Owner, threadId))!.CheckpointId);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_WithoutWait_AcceptedAndTheRunEndsInterrupted()
    {
        var (threadId, runId) = await StartSlowRunAsync();

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel", null);

        Assert.Equal(202, (int)response.StatusCode);
        await _api.WaitForStatusAsync(threadId, runId, "interrupted");
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_EndedRun_NotFoundAsOnLangGraph()
    {
        var threadId = await _api.NewThreadAsync();
        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=1"));
        var runId = frames[0].Json.GetProperty("run_id").GetString();

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel", null);
        using var waited = await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?wait=true", null);

        // LangGraph answers "No matching runs to cancel" with 404 for a run that has completed.
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("already ended (success)", (await response.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, (int)waited.StatusCode);
        Assert.Equal("success", await _api.RunStatusAsync(threadId, runId!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_OnAnUnlabelledThread_TheThreadIsBusyAndLabelledWhileTheRunRuns()
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.PostStreamAsync($"/threads/{threadId}/runs/stream", Body(Slow));
        await WaitUntilAsync(async () => (await _api.Threads.GetAsync(Owner, threadId))!.Status == ThreadStatus.Busy, "the thread is busy");

        var thread = (await _api.Threads.GetAsync(Owner, threadId))!;
        Assert.Equal("agent", thread.Metadata.GetProperty("graph_id").GetString());
        Assert.True(thread.Metadata.TryGetProperty("assistant_id", out _));
        var runId = (await _api.Runs.GetActiveAsync(Owner, threadId))!.RunId;
        await CancelAsync(threadId, runId);
    }

    [Fact(Timeout = 60_000)]
    public async Task Delete_ActiveRun_Conflict()
    {
        var (threadId, runId) = await StartSlowRunAsync();

        using var response = await _api.Client.DeleteAsync($"/threads/{threadId}/runs/{runId}");

        Assert.Equal(409, (int)response.StatusCode);
        await CancelAsync(threadId, runId);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_RejectOnABusyThread_ConflictProblemAndNoRunCreated()
    {
        var (threadId, runId) = await StartSlowRunAsync();

        using var response = await _api.PostStreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=1", "\"multitask_strategy\":\"reject\""));

        Assert.Equal(409, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await _api.RunCountAsync(threadId));
        await CancelAsync(threadId, runId);
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_EnqueueBehindARun_BothFinishInOrder()
    {
        var threadId = await _api.NewThreadAsync();
        var first = await _api.CreateBackgroundAsync(threadId, Body("first tokens=30 delay_ms=10"));

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("second tokens=1", "\"multitask_strategy\":\"enqueue\""));

        var messages = Messages(await response.ReadJsonAsync());
        Assert.Equal(["first tokens=30 delay_ms=10", "ai", "second tokens=1", "ai"], messages.Select(m => m.Type == "ai" ? "ai" : m.Text));
        Assert.Equal("success", await _api.RunStatusAsync(threadId, first.GetProperty("run_id").GetString()!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_InterruptARunningRun_ItEndsInterruptedAndTheNewRunSucceeds()
    {
        var (threadId, runId) = await StartSlowRunAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("next tokens=2", "\"multitask_strategy\":\"interrupt\""));

        var messages = Messages(await response.ReadJsonAsync());
        Assert.Equal("interrupted", await _api.RunStatusAsync(threadId, runId));
        Assert.Equal(("human", "next tokens=2"), messages[^2]);
        Assert.Equal("ai", messages[^1].Type);
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_RollbackARunningRun_ItAndWhatItWroteAreGone()
    {
        var (threadId, runId) = await StartSlowRunAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("next tokens=2", "\"multitask_strategy\":\"rollback\""));

        var messages = Messages(await response.ReadJsonAsync());
        Assert.Null(await _api.GetRunAsync(threadId, runId));
        Assert.Equal([("human", "next tokens=2"), ("ai", messages[1].Text)], messages);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_ClientGoesAwayWithOnDisconnectCancel_RunEndsInterruptedAndThreadIsIdle()
    {
        var threadId = await _api.NewThreadAsync();
        string runId;
        using (var response = await _api.PostStreamAsync($"/threads/{threadId}/runs/stream", Body(Slow, "\"stream_mode\":\"messages-tuple\"")))
        {
            runId = await ReadSomeFramesAsync(response, 5);
        }

        await _api.WaitForStatusAsync(threadId, runId, "interrupted");
        await WaitUntilAsync(async () => (await _api.Threads.GetAsync(Owner, threadId))!.Status == ThreadStatus.Idle, "the thread is idle");
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_ClientGoesAwayWithOnDisconnectContinue_RunFinishes()
    {
        var threadId = await _api.NewThreadAsync();
        string runId;
        using (var response = await _api.PostStreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=40 delay_ms=20", "\"stream_mode\":\"messages-tuple\",\"on_disconnect\":\"continue\"")))
        {
            runId = await ReadSomeFramesAsync(response, 3);
        }

        using var joined = await _api.Client.GetAsync($"/threads/{threadId}/runs/{runId}/join");

        Assert.Equal(["human", "ai"], Messages(await joined.ReadJsonAsync()).Select(m => m.Type));
        Assert.Equal("success", await _api.RunStatusAsync(threadId, runId));
    }

    /// <summary>Reads <paramref name="count"/> frames of a streamed run, then stops reading; returns the run's id.</summary>
    private static async Task<string> ReadSomeFramesAsync(HttpResponseMessage response, int count)
    {
        Assert.Equal(200, (int)response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        string? runId = null;
        var seen = 0;
        await foreach (var frame in SseParser.ReadAsync(stream))
        {
            runId ??= frame.Json.GetProperty("run_id").GetString();
            if (++seen == count)
            {
                break;
            }
        }

        Assert.Equal(count, seen);
        return runId!;
    }

    private async Task<(string ThreadId, string RunId)> StartSlowRunAsync(string? threadId = null)
    {
        threadId ??= await _api.NewThreadAsync();
        var run = await _api.CreateBackgroundAsync(threadId, Body(Slow));
        var runId = run.GetProperty("run_id").GetString()!;
        await _api.WaitForStatusAsync(threadId, runId, "running");
        return (threadId, runId);
    }

    private async Task CancelAsync(string threadId, string runId)
        => (await _api.Client.PostAsync($"/threads/{threadId}/runs/{runId}/cancel?wait=true", null)).Dispose();
}

using System.Net;
using AgentFunctions.Faults.Tests.Infrastructure;

namespace AgentFunctions.Faults.Tests;

/// <summary>The server process is killed (SIGKILL) mid-run and started again: background runs resume, streamed runs end and free their thread.</summary>
[Collection(FaultsTestGroup.Name)]
public sealed class ProcessDeathTests(FaultsFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.EnsureRunningAsync();

    public Task DisposeAsync() => fixture.EnsureRunningAsync();

    [Fact(Timeout = 150_000)]
    public async Task BackgroundRun_ServerKilledMidRun_RestartedServerResumesItOnceWithoutRepeatingTheInput()
    {
        var thread = await fixture.Api.CreateThreadAsync();
        const string text = "resume me tokens=80 delay_ms=100";
        var runId = await fixture.Api.CreateBackgroundRunAsync(thread, Api.Input(text, ""","stream_mode":["values","messages-tuple"]"""));
        await Api.WaitUntilAsync(async () => (await fixture.Api.MessagesAsync(thread)).Count == 1, TimeSpan.FromSeconds(30), "the run has applied its input");
        await Task.Delay(TimeSpan.FromSeconds(1)); // some tokens streamed and written to the run's event log

        await fixture.KillServerAsync();
        await fixture.StartServerAsync();
        var api = fixture.Api;
        var runStatus = await api.WaitForRunEndAsync(thread, runId, TimeSpan.FromSeconds(90));
        var messages = await api.MessagesAsync(thread);
        var events = await StorageOutageTests.JoinAsync(api, thread, runId);
        var attempts = events.Where(e => e.Event == "metadata").Select(e => e.Data.GetProperty("attempt").GetInt32()).ToList();

        Assert.True(runStatus == "success", $"The run ended {runStatus}. The server's last lines:{Environment.NewLine}{fixture.Server.LastLines()}");
        Assert.Equal("idle", await api.SettledThreadStatusAsync(thread));
        Assert.Equal(["human", "ai"], messages.Select(m => m.Type));
        Assert.Equal(text, messages[0].Content);
        Assert.Equal(3, await api.AssertHistoryChainAsync(thread));
        Assert.Equal([1, 2], attempts);
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long?)i), events.Select(e => e.Id));
        Assert.Equal(2, events.Last(e => e.Event == "values").Data.GetProperty("messages").GetArrayLength());
        await api.AssertNewRunSucceedsAsync(thread);
    }

    [Fact(Timeout = 150_000)]
    public async Task StreamedRun_ServerKilledMidRun_RunEndsAsErrorAndTheThreadTakesNewRuns()
    {
        var thread = await fixture.Api.CreateThreadAsync();
        const string text = "die tokens=200 delay_ms=100";
        string? runId = null;
        var response = await fixture.Api.StartStreamAsync(thread, Api.Input(text, ""","stream_mode":["messages-tuple"]"""));
        try
        {
            var seen = 0;
            await foreach (var e in Sse.ReadAsync(response))
            {
                runId ??= e.Data.GetProperty("run_id").GetString();
                if (++seen == 5)
                {
                    break;
                }
            }

            await fixture.KillServerAsync();
        }
        finally
        {
            response.Dispose();
        }

        await fixture.StartServerAsync();
        var api = fixture.Api;
        var runStatus = await api.WaitForRunEndAsync(thread, runId!, TimeSpan.FromSeconds(60));
        var threadStatus = await api.SettledThreadStatusAsync(thread);
        var messages = await api.MessagesAsync(thread);

        Assert.Equal("error", runStatus);
        Assert.Equal("error", threadStatus);
        Assert.Equal(["human"], messages.Select(m => m.Type));
        Assert.Equal(text, messages[0].Content);
        Assert.Equal(2, await api.AssertHistoryChainAsync(thread));
        await api.AssertNewRunSucceedsAsync(thread);
    }

    [Fact(Timeout = 120_000)]
    public async Task PendingStreamedRun_CancelledBeforeItsTurn_StreamSendsMetadataAndEnds()
    {
        var api = fixture.Api;
        var thread = await api.CreateThreadAsync();
        var first = await api.CreateBackgroundRunAsync(thread, Api.Input("first tokens=40 delay_ms=100"));
        await Api.WaitUntilAsync(async () => await api.RunStatusAsync(thread, first) == "running", TimeSpan.FromSeconds(30), "the first run runs");

        var reading = Task.Run(async () =>
        {
            using var response = await api.StartStreamAsync(thread, Api.Input("second tokens=3", ""","multitask_strategy":"enqueue","stream_mode":["values"]"""));
            return await ReadAllAsync(response);
        });
        string? pending = null;
        await Api.WaitUntilAsync(
            async () => (pending = (await api.GetAsync($"/threads/{thread}/runs?status=pending")).EnumerateArray().Select(r => r.GetProperty("run_id").GetString()).FirstOrDefault()) is not null,
            TimeSpan.FromSeconds(30),
            "the second run is queued");
        using var cancel = await api.Http.PostAsync($"/threads/{thread}/runs/{pending}/cancel", Api.Json("{}"));
        var events = await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(cancel.IsSuccessStatusCode, $"cancel answered {(int)cancel.StatusCode}");
        var metadata = Assert.Single(events);
        Assert.Equal("metadata", metadata.Event);
        Assert.Equal(pending, metadata.Data.GetProperty("run_id").GetString());
        Assert.Equal("interrupted", await api.RunStatusAsync(thread, pending!));
        Assert.Equal("success", await api.WaitForRunEndAsync(thread, first, TimeSpan.FromSeconds(60)));
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync($"/threads/{thread}/state")).StatusCode);
    }

    private static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response)
    {
        var events = new List<SseEvent>();
        await foreach (var e in Sse.ReadAsync(response))
        {
            events.Add(e);
        }

        return events;
    }
}

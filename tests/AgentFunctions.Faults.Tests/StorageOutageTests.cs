using System.Net;
using System.Text.Json;
using AgentFunctions.Faults.Tests.Infrastructure;

namespace AgentFunctions.Faults.Tests;

/// <summary>Storage stalls and goes away under the running server: requests answer 503 meanwhile, runs go on, and nothing is lost.</summary>
[Collection(FaultsTestGroup.Name)]
public sealed class StorageOutageTests(FaultsFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.EnsureRunningAsync();

    public Task DisposeAsync() => fixture.EnsureRunningAsync();

    [Fact(Timeout = 120_000)]
    public async Task IdleServer_StorageStoppedThenRestarted_Answers503WithRetryAfterAndServesAgain()
    {
        var api = fixture.Api;
        var thread = await api.CreateThreadAsync();

        await fixture.Azurite.StopAsync();
        using var during = await api.Http.GetAsync($"/threads/{thread}");
        var problem = JsonDocument.Parse(await during.Content.ReadAsStringAsync()).RootElement;
        await Task.Delay(TimeSpan.FromSeconds(8)); // longer than every retry of the queue pumps' receives
        var survived = !fixture.Server.HasExited;
        await fixture.Azurite.RestartAsync();
        await Api.WaitUntilAsync(async () => (await api.Http.GetAsync($"/threads/{thread}")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the thread is served again");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), during.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", during.Content.Headers.ContentType?.MediaType);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("Storage unavailable", problem.GetProperty("title").GetString());
        Assert.True(survived, "the server kept running while storage was away");
        Assert.Equal("idle", await api.SettledThreadStatusAsync(thread));
        await api.AssertNewRunSucceedsAsync(thread);
    }

    [Fact(Timeout = 120_000)]
    public async Task StreamedRun_StorageStalledMidRun_SucceedsWithEveryMessageOnce()
    {
        var api = fixture.Api;
        var thread = await api.CreateThreadAsync();
        const string text = "stall tokens=40 delay_ms=100";

        using var response = await api.StartStreamAsync(thread, Api.Input(text, ""","stream_mode":["values","messages-tuple"]"""));
        var events = new List<SseEvent>();
        Task? stall = null;
        await foreach (var e in Sse.ReadAsync(response))
        {
            events.Add(e);
            if (stall is null && e.Event == "messages")
            {
                // Azurite stops answering (SIGSTOP) for 3 s while the run streams: its cancel checks and lease renewal hang.
                fixture.Azurite.Pause();
                stall = Task.Run(async () =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    fixture.Azurite.Resume();
                });
            }
        }

        await stall!;
        var runId = events[0].Data.GetProperty("run_id").GetString()!;
        var runStatus = await api.WaitForRunEndAsync(thread, runId, TimeSpan.FromSeconds(60));
        var messages = await api.MessagesAsync(thread);

        Assert.Equal("metadata", events[0].Event);
        Assert.DoesNotContain(events, e => e.Event == "error");
        Assert.True(runStatus == "success", $"The run ended {runStatus}. The server's last lines:{Environment.NewLine}{fixture.Server.LastLines()}");
        Assert.Equal("idle", await api.SettledThreadStatusAsync(thread));
        Assert.Equal(["human", "ai"], messages.Select(m => m.Type));
        Assert.Equal(text, messages[0].Content);
        Assert.Equal(3, await api.AssertHistoryChainAsync(thread));
        await api.AssertNewRunSucceedsAsync(thread);
    }

    [Fact(Timeout = 120_000)]
    public async Task BackgroundRun_StorageStoppedAndRestartedMidRun_SucceedsWithEveryEventOnce()
    {
        var api = fixture.Api;
        var thread = await api.CreateThreadAsync();
        // Long enough that the run's next checkpoint (at the end of the reply) is written well after storage is back, however
        // slowly Azurite restarts on a loaded machine: the outage meets the run's event log, watcher and queue, which retry.
        const string text = "outage tokens=300 delay_ms=100";
        var runId = await api.CreateBackgroundRunAsync(thread, Api.Input(text));
        await Api.WaitUntilAsync(async () => (await api.MessagesAsync(thread)).Count == 1, TimeSpan.FromSeconds(30), "the run has applied its input");

        await fixture.Azurite.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fixture.Azurite.RestartAsync();
        var runStatus = await api.WaitForRunEndAsync(thread, runId, TimeSpan.FromSeconds(90));
        var messages = await api.MessagesAsync(thread);
        var events = await JoinAsync(api, thread, runId);

        Assert.True(runStatus == "success", $"The run ended {runStatus}. The server's last lines:{Environment.NewLine}{fixture.Server.LastLines()}");
        Assert.Equal("idle", await api.SettledThreadStatusAsync(thread));
        Assert.Equal(["human", "ai"], messages.Select(m => m.Type));
        Assert.Equal(text, messages[0].Content);
        Assert.Equal(3, await api.AssertHistoryChainAsync(thread));
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long?)i), events.Select(e => e.Id));
        Assert.Single(events, e => e.Event == "metadata");
        Assert.DoesNotContain(events, e => e.Event == "error");
        await api.AssertNewRunSucceedsAsync(thread);
    }

    internal static async Task<List<SseEvent>> JoinAsync(Api api, string thread, string runId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/threads/{thread}/runs/{runId}/stream");
        using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var events = new List<SseEvent>();
        await foreach (var e in Sse.ReadAsync(response))
        {
            events.Add(e);
        }

        return events;
    }
}

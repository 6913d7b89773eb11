using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Runs;

public class RunStreamTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 60_000)]
    public async Task Stream_Conversation_MetadataFirstThenNumberedEventsWhoseTokensMakeTheReply()
    {
        var threadId = await _api.NewThreadAsync();

        var (response, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("hello tokens=6", "\"stream_mode\":[\"values\",\"messages-tuple\"]"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("metadata", frames[0].Event);
        var runId = frames[0].Json.GetProperty("run_id").GetString();
        Assert.Equal($"/threads/{threadId}/runs/{runId}", response.Content.Headers.ContentLocation?.OriginalString);
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), frames.Select(f => f.Id));
        var tokens = frames.Where(f => f.Event == "messages").Select(f => f.Json[0]).Where(c => c.GetProperty("type").GetString() is "AIMessageChunk" or "ai").Select(c => Text(c.GetProperty("content")));
        var final = Messages(frames.Last(f => f.Event == "values").Json);
        Assert.Equal(6, frames.Count(f => f.Event == "messages"));
        Assert.Equal(final[^1].Text, string.Concat(tokens));
        Assert.Equal([("human", "hello tokens=6"), ("ai", final[^1].Text)], final);
        Assert.Equal("success", await _api.RunStatusAsync(threadId, runId!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_CalculatorDirective_StreamsTheToolRoundTrip()
    {
        var threadId = await _api.NewThreadAsync();

        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("calc: 2*21"));

        var final = Messages(frames.Last(f => f.Event == "values").Json);
        Assert.Equal(["human", "ai", "tool", "ai"], final.Select(m => m.Type));
        Assert.Equal("42", final[2].Text);
        Assert.Equal("The answer is 42.", final[3].Text);
        Assert.DoesNotContain(frames, f => f.Event == "error");
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_CalculatorDirective_ReturnsTheFinalValues()
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("calc: 2*21"));

        Assert.Equal(200, (int)response.StatusCode);
        var final = Messages(await response.ReadJsonAsync());
        Assert.Equal(["human", "ai", "tool", "ai"], final.Select(m => m.Type));
        Assert.Equal("The answer is 42.", final[3].Text);
        Assert.StartsWith($"/threads/{threadId}/runs/", response.Content.Headers.ContentLocation?.OriginalString, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_BackgroundRun_AnswersTheRunAndJoinReturnsTheFinalValues()
    {
        var threadId = await _api.NewThreadAsync();

        var run = await _api.CreateBackgroundAsync(threadId, Body("hi tokens=3", "\"metadata\":{\"purpose\":\"test\"}"));
        var runId = run.GetProperty("run_id").GetString()!;
        using var joined = await _api.Client.GetAsync($"/threads/{threadId}/runs/{runId}/join");

        Assert.Equal(threadId, run.GetProperty("thread_id").GetString());
        Assert.Equal("pending", run.GetProperty("status").GetString());
        Assert.Equal("reject", run.GetProperty("multitask_strategy").GetString());
        Assert.Equal("test", run.GetProperty("metadata").GetProperty("purpose").GetString());
        Assert.True(run.GetProperty("kwargs").TryGetProperty("input", out _));
        foreach (var field in new[] { "assistant_id", "created_at", "updated_at" })
        {
            Assert.True(run.TryGetProperty(field, out _), field);
        }

        Assert.Equal(["human", "ai"], Messages(await joined.ReadJsonAsync()).Select(m => m.Type));
        Assert.Equal("success", await _api.RunStatusAsync(threadId, runId));
    }

    [Fact(Timeout = 60_000)]
    public async Task JoinStream_ResumableRunWithLastEventId_ResumesRightAfterThatId()
    {
        var threadId = await _api.NewThreadAsync();
        var (_, all) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=12", "\"stream_mode\":\"messages-tuple\",\"stream_resumable\":true"));
        var runId = all[0].Json.GetProperty("run_id").GetString()!;

        var resumed = await _api.JoinStreamAsync(threadId, runId, lastEventId: "5");

        Assert.Equal(all.Skip(6).Select(f => (f.Id, f.Event, f.Data)), resumed.Select(f => (f.Id, f.Event, f.Data)));
    }

    [Fact(Timeout = 60_000)]
    public async Task JoinStream_LastEventIdMinusOne_ReplaysTheWholeStream()
    {
        var threadId = await _api.NewThreadAsync();
        var (_, all) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=4", "\"stream_mode\":\"messages-tuple\",\"stream_resumable\":true"));
        var runId = all[0].Json.GetProperty("run_id").GetString()!;

        var replayed = await _api.JoinStreamAsync(threadId, runId, lastEventId: "-1");

        Assert.Equal(all.Select(f => (f.Id, f.Event, f.Data)), replayed.Select(f => (f.Id, f.Event, f.Data)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_OnAThreadCreatedWithoutMetadata_LabelsTheThreadSoASearchByGraphFindsIt()
    {
        var tag = Guid.NewGuid().ToString("N");
        using var created = await _api.Client.PostJsonAsync("/threads", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""");
        var threadId = (await created.ReadJsonAsync()).GetProperty("thread_id").GetString()!;

        using var ran = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("hi tokens=2"));
        using var found = await _api.Client.PostJsonAsync("/threads/search", $$$"""{"metadata":{"graph_id":"agent","tag":"{{{tag}}}"}}""");

        Assert.Equal(200, (int)ran.StatusCode);
        var thread = Assert.Single((await found.ReadJsonAsync()).EnumerateArray());
        Assert.Equal(threadId, thread.GetProperty("thread_id").GetString());
        var metadata = thread.GetProperty("metadata");
        Assert.Equal(tag, metadata.GetProperty("tag").GetString());
        Assert.Equal("agent", metadata.GetProperty("graph_id").GetString());
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("assistant_id").GetString()));
        Assert.Equal("idle", thread.GetProperty("status").GetString());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("""{"graph_id":"agent","config":{"configurable":{}}}""", "42")]
    [InlineData("""{"graph_id":"agent"}""", "42")]
    [InlineData("""{"graph_id":"agent","config":{"configurable":{"tools":[]}}}""", "Error: Tool 'calculator' is not enabled for this assistant. Enabled: none.")]
    public async Task Stream_CreatedAssistant_HasTheGraphsToolsUnlessItsConfigNarrowsThem(string assistant, string toolAnswer)
    {
        using var created = await _api.Client.PostJsonAsync("/assistants", assistant);
        var assistantId = (await created.ReadJsonAsync()).GetProperty("assistant_id").GetString()!;
        var threadId = await _api.NewThreadAsync();

        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("calc: 2*21").Replace("\"assistant_id\":\"agent\"", $"\"assistant_id\":\"{assistantId}\"", StringComparison.Ordinal));

        var final = Messages(frames.Last(f => f.Event == "values").Json);
        Assert.Equal(["human", "ai", "tool", "ai"], final.Select(m => m.Type));
        Assert.Equal(toolAnswer, final[2].Text.Split('\n')[0]);
    }

    [Fact(Timeout = 60_000)]
    public async Task JoinStream_BackgroundRunWhileItRuns_GetsEveryEventToTheEnd()
    {
        var threadId = await _api.NewThreadAsync();
        var run = await _api.CreateBackgroundAsync(threadId, Body("tokens=20 delay_ms=20", "\"stream_mode\":[\"values\",\"messages-tuple\"]"));
        var runId = run.GetProperty("run_id").GetString()!;

        var frames = await _api.JoinStreamAsync(threadId, runId);

        Assert.Equal("metadata", frames[0].Event);
        Assert.Equal(20, frames.Count(f => f.Event == "messages"));
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), frames.Select(f => f.Id));
        Assert.Equal("success", await _api.RunStatusAsync(threadId, runId));
    }

    [Fact(Timeout = 60_000)]
    public async Task JoinStream_EndedRunWithoutPersistedEvents_IsAnEmptyStreamThatEnds()
    {
        var threadId = await _api.NewThreadAsync();
        var (_, all) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=2"));
        var runId = all[0].Json.GetProperty("run_id").GetString()!;

        var joined = await _api.JoinStreamAsync(threadId, runId);

        Assert.Empty(joined);
    }

    [Fact(Timeout = 60_000)]
    public async Task StreamStateless_DefaultCompletion_StreamsAndDeletesTheThread()
    {
        var (response, frames) = await _api.StreamAsync("/runs/stream", Body("tokens=3"));

        var location = response.Content.Headers.ContentLocation!.OriginalString.Split('/');
        Assert.Equal(["human", "ai"], Messages(frames.Last(f => f.Event == "values").Json).Select(m => m.Type));
        Assert.Null(await _api.Threads.GetAsync(Owner, location[2]));
    }

    [Fact(Timeout = 60_000)]
    public async Task WaitStateless_OnCompletionKeep_KeepsTheThreadWithItsRun()
    {
        using var response = await _api.Client.PostJsonAsync("/runs/wait", Body("tokens=3", "\"on_completion\":\"keep\""));

        var location = response.Content.Headers.ContentLocation!.OriginalString.Split('/');
        Assert.Equal(["human", "ai"], Messages(await response.ReadJsonAsync()).Select(m => m.Type));
        Assert.NotNull(await _api.Threads.GetAsync(Owner, location[2]));
        Assert.Equal("success", await _api.RunStatusAsync(location[2], location[4]));
    }

    [Fact(Timeout = 60_000)]
    public async Task List_ThreadWithRuns_NewestFirstWithLimitOffsetAndStatus()
    {
        var threadId = await _api.NewThreadAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=1"));
            ids.Add(frames[0].Json.GetProperty("run_id").GetString()!);
        }

        var page = await (await _api.Client.GetAsync($"/threads/{threadId}/runs?limit=2&offset=1")).ReadJsonAsync();
        var none = await (await _api.Client.GetAsync($"/threads/{threadId}/runs?status=error")).ReadJsonAsync();

        Assert.Equal([ids[1], ids[0]], page.EnumerateArray().Select(r => r.GetProperty("run_id").GetString()));
        Assert.Equal(0, none.GetArrayLength());
    }

    [Fact(Timeout = 60_000)]
    public async Task Delete_EndedRun_IsGone()
    {
        var threadId = await _api.NewThreadAsync();
        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("tokens=1"));
        var runId = frames[0].Json.GetProperty("run_id").GetString()!;

        using var response = await _api.Client.DeleteAsync($"/threads/{threadId}/runs/{runId}");

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Null(await _api.GetRunAsync(threadId, runId));
    }
}

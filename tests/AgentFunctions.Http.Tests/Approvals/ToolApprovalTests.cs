using System.Text.Json;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Approvals;

/// <summary>Tools that wait for a person (human in the loop): the run stops before the call, and a resume decides it.</summary>
public sealed class ToolApprovalTests(ApprovalServerFixture server) : IClassFixture<ApprovalServerFixture>
{
    private const string Email = """tool:send_email {"to":"ann@example.com"}""";

    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 60_000)]
    public async Task Wait_ToolNeedsApproval_StopsInterruptedWithOneHumanInterrupt()
    {
        var threadId = await _api.NewThreadAsync();

        var values = await WaitAsync(threadId, Input("approval", Email));

        Assert.Equal(["human", "ai"], RunsApi.Messages(values).Select(m => m.Type));
        Assert.Single(values.GetProperty("__interrupt__").EnumerateArray());
        var thread = await GetAsync($"/threads/{threadId}");
        Assert.Equal("interrupted", thread.GetProperty("status").GetString());
        var interrupt = Assert.Single(thread.GetProperty("interrupts").EnumerateObject().SelectMany(t => t.Value.EnumerateArray()));
        var value = interrupt.GetProperty("value");
        Assert.Equal("send_email", value.GetProperty("action_request").GetProperty("action").GetString());
        Assert.Equal("ann@example.com", value.GetProperty("action_request").GetProperty("args").GetProperty("to").GetString());
        Assert.True(value.GetProperty("config").GetProperty("allow_edit").GetBoolean());
        Assert.True(interrupt.GetProperty("resumable").GetBoolean());
        var state = await GetAsync($"/threads/{threadId}/state");
        Assert.Equal(["tools"], state.GetProperty("next").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(interrupt.GetProperty("id").GetString(), state.GetProperty("tasks")[0].GetProperty("interrupts")[0].GetProperty("id").GetString());
        Assert.Equal(interrupt.GetProperty("id").GetString(), state.GetProperty("interrupts")[0].GetProperty("id").GetString());
        var runs = await GetAsync($"/threads/{threadId}/runs");
        Assert.Equal("interrupted", runs[0].GetProperty("status").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_ToolNeedsApproval_SendsTheInterruptInUpdatesAndValues()
    {
        var threadId = await _api.NewThreadAsync();

        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Input("approval", Email, "\"stream_mode\":[\"updates\",\"values\"]"));

        Assert.DoesNotContain(frames, f => f.Event == "error");
        var update = frames.Last(f => f.Event == "updates").Json;
        var interrupt = Assert.Single(update.GetProperty("__interrupt__").EnumerateArray());
        Assert.Equal("send_email", interrupt.GetProperty("value").GetProperty("action_request").GetProperty("action").GetString());
        Assert.Equal(interrupt.GetProperty("id").GetString(), frames.Last(f => f.Event == "values").Json.GetProperty("__interrupt__")[0].GetProperty("id").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_Accept_RunsTheCallAsAsked()
    {
        var threadId = await InterruptedThreadAsync("approval", Email);

        var values = await WaitAsync(threadId, Resume("approval", """[{"type":"accept","args":null}]"""));

        var messages = RunsApi.Messages(values);
        Assert.Equal(["human", "ai", "tool", "ai"], messages.Select(m => m.Type));
        Assert.Equal("sent to ann@example.com", messages[2].Text);
        Assert.Equal("idle", (await GetAsync($"/threads/{threadId}")).GetProperty("status").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_Edit_RunsTheCallWithTheEditedArgs()
    {
        var threadId = await InterruptedThreadAsync("approval", Email);

        var values = await WaitAsync(threadId, Resume("approval", """[{"type":"edit","args":{"action":"send_email","args":{"to":"bob@example.com"}}}]"""));

        var messages = RunsApi.Messages(values);
        Assert.Equal(["human", "ai", "tool", "ai"], messages.Select(m => m.Type));
        Assert.Equal("sent to bob@example.com", messages[2].Text);
        var call = values.GetProperty("messages")[1].GetProperty("tool_calls")[0];
        Assert.Equal("bob@example.com", call.GetProperty("args").GetProperty("to").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_Response_GivesThePersonsTextToTheModelAsTheResult()
    {
        var threadId = await InterruptedThreadAsync("approval", Email);

        var values = await WaitAsync(threadId, Resume("approval", """{"type":"response","args":"do not email Ann, call her"}"""));

        var messages = RunsApi.Messages(values);
        Assert.Equal(["human", "ai", "tool", "ai"], messages.Select(m => m.Type));
        Assert.Equal("do not email Ann, call her", messages[2].Text);
        Assert.Equal("The answer is do not email Ann, call her.", messages[3].Text);
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_Ignore_SkipsTheCallAndEndsTheTurn()
    {
        var threadId = await InterruptedThreadAsync("approval", Email);

        var values = await WaitAsync(threadId, Resume("approval", """[{"type":"ignore","args":null}]"""));

        var messages = RunsApi.Messages(values);
        Assert.Equal(["human", "ai", "tool"], messages.Select(m => m.Type));
        Assert.DoesNotContain("sent to", messages[2].Text, StringComparison.Ordinal);
        var thread = await GetAsync($"/threads/{threadId}");
        Assert.Equal("idle", thread.GetProperty("status").GetString());
        Assert.Empty(thread.GetProperty("interrupts").EnumerateObject());
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_TwoPendingCalls_AnsweredByInterruptId_TheCallWithoutApprovalRanFirst()
    {
        var threadId = await _api.NewThreadAsync();
        var first = await WaitAsync(threadId, Input("approval", "tool:send_email {\"to\":\"ann@example.com\"}\ntool:lookup {\"name\":\"Ann\"}\ntool:send_email {\"to\":\"bob@example.com\"}"));
        Assert.Equal(["human", "ai", "tool"], RunsApi.Messages(first).Select(m => m.Type));
        Assert.Equal("Ann is in the book", RunsApi.Messages(first)[2].Text);
        var ids = await PendingIdsAsync(threadId);
        Assert.Equal(2, ids.Count);

        var values = await WaitAsync(threadId, Resume("approval", $$"""{"{{ids[0]}}":[{"type":"accept"}],"{{ids[1]}}":[{"type":"response","args":"not Bob"}]}"""));

        var messages = RunsApi.Messages(values);
        Assert.Equal(["human", "ai", "tool", "tool", "tool", "ai"], messages.Select(m => m.Type));
        Assert.Equal(["Ann is in the book", "sent to ann@example.com", "not Bob"], messages.Skip(2).Take(3).Select(m => m.Text));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("""{"call_nope":[{"type":"accept"}]}""", "$.command.resume.call_nope")]
    [InlineData("""[{"type":"approve"}]""", "$.command.resume[0].type")]
    [InlineData("""{"type":"edit","args":"x"}""", "$.command.resume.args")]
    public async Task Resume_NotMatchingThePendingInterrupt_Is422NamingItAndChangesNothing(string resume, string path)
    {
        var threadId = await InterruptedThreadAsync("approval", Email);
        var before = await GetAsync($"/threads/{threadId}/state");
        var pending = await PendingIdsAsync(threadId);

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Resume("approval", resume));

        var problem = await response.AssertProblemAsync(422);
        Assert.StartsWith(path, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (path.EndsWith("call_nope", StringComparison.Ordinal))
        {
            Assert.Contains(pending[0], problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var after = await GetAsync($"/threads/{threadId}/state");
        Assert.Equal(before.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString(), after.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal("interrupted", (await GetAsync($"/threads/{threadId}")).GetProperty("status").GetString());
        Assert.Equal(1, await _api.RunCountAsync(threadId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_OneDecisionForTwoPendingCalls_Is422NamingThem()
    {
        var threadId = await InterruptedThreadAsync("payments", "tool:pay {\"amount\":5}\ntool:pay {\"amount\":7}");
        var ids = await PendingIdsAsync(threadId);

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Resume("payments", """[{"type":"accept"}]"""));

        var detail = (await response.AssertProblemAsync(422)).GetProperty("detail").GetString();
        Assert.All(ids, id => Assert.Contains(id, detail, StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_NothingPending_Is409()
    {
        var threadId = await _api.NewThreadAsync();
        _ = await WaitAsync(threadId, Input("approval", "hello tokens=2"));

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Resume("approval", """[{"type":"accept"}]"""));

        await response.AssertProblemAsync(409);
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_InputAndCommandTogether_Is422()
    {
        var threadId = await _api.NewThreadAsync();
        var body = Input("approval", "hi", "\"command\":{\"resume\":[{\"type\":\"accept\"}]}");

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs", body);

        var problem = await response.AssertProblemAsync(422);
        Assert.StartsWith("$.command", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Resume_GraphDeclaredInCode_BackgroundRunPaysOnceAccepted()
    {
        var threadId = await InterruptedThreadAsync("payments", "tool:pay {\"amount\":5}");

        var run = await _api.CreateBackgroundAsync(threadId, Resume("payments", """[{"type":"accept"}]"""));
        await _api.WaitForStatusAsync(threadId, run.GetProperty("run_id").GetString()!, "success");

        var values = (await GetAsync($"/threads/{threadId}/state")).GetProperty("values");
        Assert.Equal("paid 5", RunsApi.Messages(values)[2].Text);
    }

    [Fact(Timeout = 60_000)]
    public async Task Input_WhileCallsWaitForApproval_StartsAFreshTurnAndDropsThem()
    {
        var threadId = await InterruptedThreadAsync("approval", Email);

        var values = await WaitAsync(threadId, Input("approval", "never mind tokens=2"));

        // The dropped call is answered (a model API refuses an unanswered tool call), then the new turn.
        var messages = RunsApi.Messages(values);
        Assert.Equal(["human", "ai", "tool", "human", "ai"], messages.Select(m => m.Type));
        Assert.Equal("The call was not run: a new message came instead.", messages[2].Text);
        Assert.Equal("error", values.GetProperty("messages")[2].GetProperty("status").GetString());
        var thread = await GetAsync($"/threads/{threadId}");
        Assert.Equal("idle", thread.GetProperty("status").GetString());
        Assert.Empty(thread.GetProperty("interrupts").EnumerateObject());
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_ToolAddedAsApprovalRequired_WaitsInTheBuiltInGraphToo()
    {
        var threadId = await InterruptedThreadAsync("agent", "tool:delete_account {\"user\":\"ann\"}");

        var values = await WaitAsync(threadId, Resume("agent", """[{"type":"accept"}]"""));

        Assert.Equal("deleted ann", RunsApi.Messages(values)[2].Text);
    }

    [Fact(Timeout = 60_000)]
    public async Task Goto_Agent_CallsTheModelAgainOnTheThreadsState()
    {
        var threadId = await _api.NewThreadAsync();
        _ = await WaitAsync(threadId, Input("approval", "hello tokens=2"));

        var values = await WaitAsync(threadId, """{"assistant_id":"approval","command":{"goto":"agent"}}""");

        Assert.Equal(["human", "ai", "ai"], RunsApi.Messages(values).Select(m => m.Type));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("""{"goto":"lunch"}""", "$.command.goto")]
    [InlineData("""{"update":{"messages":[]},"resume":[{"type":"accept"}]}""", "$.command.update")]
    public async Task Create_BadCommand_Is422WithThePath(string command, string path)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs", $$"""{"assistant_id":"approval","command":{{command}}}""");

        var problem = await response.AssertProblemAsync(422);
        Assert.StartsWith(path, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    internal static string Input(string assistant, string text, string extra = "")
        => RunsApi.Body(text, extra).Replace("\"assistant_id\":\"agent\"", $"\"assistant_id\":\"{assistant}\"", StringComparison.Ordinal);

    internal static string Resume(string assistant, string resume) => $$$"""{"assistant_id":"{{{assistant}}}","command":{"resume":{{{resume}}}}}""";

    private async Task<string> InterruptedThreadAsync(string assistant, string text)
    {
        var threadId = await _api.NewThreadAsync();
        _ = await WaitAsync(threadId, Input(assistant, text));
        Assert.Equal("interrupted", (await GetAsync($"/threads/{threadId}")).GetProperty("status").GetString());
        return threadId;
    }

    private async Task<List<string>> PendingIdsAsync(string threadId)
        => [.. (await GetAsync($"/threads/{threadId}/state")).GetProperty("interrupts").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    private async Task<JsonElement> WaitAsync(string threadId, string body)
    {
        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", body);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _api.Client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }
}

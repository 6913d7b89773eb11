using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Approvals;

/// <summary>A call that waits for approval lives in the checkpoint: a new server on the same storage resumes it.</summary>
public sealed class ApprovalRestartTests
{
    [Fact(Timeout = 120_000)]
    public async Task Resume_AfterTheServerRestarts_RunsTheAcceptedCallOnTheNewServer()
    {
        var first = new ApprovalServerFixture();
        await first.InitializeAsync();
        string threadId;
        try
        {
            var api = new RunsApi(first);
            threadId = await api.NewThreadAsync();
            using var stopped = await api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", ToolApprovalTests.Input("approval", """tool:send_email {"to":"ann@example.com"}"""));
            Assert.Equal(200, (int)stopped.StatusCode);
        }
        finally
        {
            await first.ShutDownAsync();
        }

        var second = new ApprovalServerFixture { Prefix = first.Prefix };
        await second.InitializeAsync();
        try
        {
            var api = new RunsApi(second);

            using var resumed = await api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", ToolApprovalTests.Resume("approval", """[{"type":"accept"}]"""));

            Assert.Equal(200, (int)resumed.StatusCode);
            var messages = RunsApi.Messages(await resumed.ReadJsonAsync());
            Assert.Equal(["human", "ai", "tool", "ai"], messages.Select(m => m.Type));
            Assert.Equal("sent to ann@example.com", messages[2].Text);
            using var thread = await api.Client.GetAsync($"/threads/{threadId}");
            Assert.Equal("idle", (await thread.ReadJsonAsync()).GetProperty("status").GetString());
        }
        finally
        {
            await second.ShutDownAsync();
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Tools;

/// <summary>
/// A graph declared in configuration whose tools come from an MCP server: the offline model calls the server's tool
/// in a run streamed over HTTP; with the server stopped, the same run ends with an error tool message and status
/// success; with the server back, the tool answers again. One test: the steps share the MCP server's life.
/// </summary>
public sealed class McpToolRunTests(McpServerFixture server) : IClassFixture<McpServerFixture>
{
    private const string Input = """tool:weather__echo {"text":"sunny"}""";

    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 120_000)]
    public async Task Stream_ModelCallsAnMcpTool_ToolAnswersThenErrsWhileTheServerIsDownThenAnswersAgain()
    {
        // The server up: the tool's text is the tool message, and the model answers with it.
        var up = await StreamAsync();
        Assert.Equal(["human", "ai", "tool", "ai"], up.Messages.Select(m => m.Type));
        Assert.Equal(("echo: sunny", "success"), (up.Messages[2].Content, up.Messages[2].Status));
        Assert.Equal("The answer is echo: sunny.", up.Messages[3].Content);
        Assert.Equal("success", up.RunStatus);

        // The server stopped: an error tool message, the run goes on to its answer and succeeds.
        await server.McpServer.StopAsync();
        var down = await StreamAsync();
        Assert.Equal(["human", "ai", "tool", "ai"], down.Messages.Select(m => m.Type));
        Assert.Equal("error", down.Messages[2].Status);
        Assert.StartsWith("Error: Tool 'weather__echo' is unavailable: MCP server 'weather' could not be reached", down.Messages[2].Content, StringComparison.Ordinal);
        Assert.DoesNotContain(down.Frames, f => f.Event == "error");
        Assert.Equal("success", down.RunStatus);

        // Each call has its tool span, as a local tool's: the failed one marked as an error.
        var spans = server.Spans.All().Where(a => a.DisplayName == "execute_tool weather__echo").ToList();
        Assert.Equal([ActivityStatusCode.Unset, ActivityStatusCode.Error], spans.Select(a => a.Status));

        // The server back: the next run's call connects again.
        await server.McpServer.StartAgainAsync();
        var back = await StreamAsync();
        Assert.Equal(("echo: sunny", "success"), (back.Messages[2].Content, back.Messages[2].Status));
    }

    private async Task<(IReadOnlyList<SseFrame> Frames, List<(string Type, string Content, string? Status)> Messages, string? RunStatus)> StreamAsync()
    {
        var threadId = await _api.NewThreadAsync();
        var body = RunsApi.Body(Input).Replace("\"assistant_id\":\"agent\"", $"\"assistant_id\":\"{McpServerFixture.GraphId}\"", StringComparison.Ordinal);
        var (response, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", body);
        Assert.Equal(200, (int)response.StatusCode);
        var runId = frames[0].Json.GetProperty("run_id").GetString()!;
        var messages = frames.Last(f => f.Event == "values").Json.GetProperty("messages").EnumerateArray()
            .Select(m => (
                m.GetProperty("type").GetString()!,
                m.GetProperty("content").ValueKind == JsonValueKind.String ? m.GetProperty("content").GetString()! : m.GetProperty("content").GetRawText(),
                m.TryGetProperty("status", out var status) ? status.GetString() : null))
            .ToList();
        return (frames, messages, await _api.RunStatusAsync(threadId, runId));
    }
}

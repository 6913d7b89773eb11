using AgentFunctions.Http.Tests.Tracing;
using AgentFunctions.Mcp.Tests.Infrastructure;

namespace AgentFunctions.Http.Tests.Tools;

/// <summary>
/// The server with an MCP tool server declared in configuration only (<c>McpServers:weather</c>, an MCP server hosted
/// by the test on loopback) and a graph <c>forecaster</c> that names it (<c>Graphs:forecaster:McpServers</c>).
/// </summary>
public sealed class McpServerFixture : ServerFixture
{
    public const string GraphId = "forecaster";

    public TestMcpServer McpServer { get; private set; } = null!;

    /// <summary>The library's spans, the tool calls' among them.</summary>
    public SpanRecorder Spans { get; } = new();

    public override async Task InitializeAsync()
    {
        McpServer = await TestMcpServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await McpServer.DisposeAsync();
        Spans.Dispose();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("McpServers:weather:Url", McpServer.Url.ToString()),
        new("McpServers:weather:ToolTimeout", "00:00:30"),
        new($"Graphs:{GraphId}:SystemPrompt", "You forecast the weather."),
        new($"Graphs:{GraphId}:McpServers:0", "weather"),
    ];
}

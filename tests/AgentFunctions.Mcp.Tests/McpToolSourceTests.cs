using AgentFunctions.Core.Tools;
using AgentFunctions.Mcp.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Server;

namespace AgentFunctions.Mcp.Tests;

/// <summary>
/// An MCP server hosted in the test on loopback, reached through <see cref="McpToolSource"/>; tool calls go through
/// the <see cref="ToolRegistry"/> the agent loop uses, so each result is what the model would get. What depends on
/// the server's kind runs against both: stateless (the SDK's default, protocol 2026-07-28) and stateful (sessions).
/// </summary>
public sealed class McpToolSourceTests : IAsyncLifetime
{
    private const string EchoArguments = """{"text":"hi"}""";

    private TestMcpServer _server = null!;

    public async Task InitializeAsync() => _server = await TestMcpServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetToolsAsync_ServerWithTools_ListsThemPrefixedWithTheServerName()
    {
        await using var source = NewSource();

        var tools = await source.GetToolsAsync();

        Assert.Equal(["weather__echo", "weather__fail", "weather__slow"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        var echo = tools.Single(t => t.Name == "weather__echo");
        Assert.Equal("Echoes the text.", echo.Description);
        Assert.Contains("\"text\"", echo.JsonSchema.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetToolsAsync_CalledAgain_ReadsTheListOnce()
    {
        await using var source = NewSource();

        var first = await source.GetToolsAsync();
        var second = await source.GetToolsAsync();

        Assert.Same(first, second);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvokeAsync_Tool_AnswersTheServersText(bool stateful)
    {
        await UseServerAsync(stateful);
        await using var source = NewSource();
        var registry = new ToolRegistry(await source.GetToolsAsync());

        var result = await registry.InvokeAsync("weather__echo", EchoArguments);

        Assert.Equal(ToolResult.Success("echo: hi"), result);
    }

    [Fact]
    public async Task InvokeAsync_ToolReportsAnError_AnswersAnErrorResultWithItsText()
    {
        await using var source = NewSource();
        var registry = new ToolRegistry(await source.GetToolsAsync());

        var result = await registry.InvokeAsync("weather__fail", """{"city":"Oslo"}""");

        Assert.True(result.IsError);
        Assert.Contains("No forecast for Oslo.", result.Content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvokeAsync_ServerStopped_AnswersAnErrorResultWithoutWaitingForTheTimeout(bool stateful)
    {
        await UseServerAsync(stateful);
        await using var source = NewSource(TimeSpan.FromMinutes(5));
        var registry = new ToolRegistry(await source.GetToolsAsync());
        Assert.False((await registry.InvokeAsync("weather__echo", EchoArguments)).IsError);

        await _server.StopAsync();
        var result = await registry.InvokeAsync("weather__echo", EchoArguments);

        // The kind of failure, not the exception's text (which names addresses): the caller reads this tool message too.
        Assert.Equal(ToolResult.Error("Tool 'weather__echo' is unavailable: MCP server 'weather' could not be reached (connection refused or lost)."), result);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvokeAsync_ServerBackAfterAFailedCall_ConnectsAgainAndAnswers(bool stateful)
    {
        await UseServerAsync(stateful);
        await using var source = NewSource();
        var registry = new ToolRegistry(await source.GetToolsAsync());
        await _server.StopAsync();
        Assert.True((await registry.InvokeAsync("weather__echo", EchoArguments)).IsError);

        await _server.StartAgainAsync();
        var result = await registry.InvokeAsync("weather__echo", EchoArguments);

        Assert.Equal(ToolResult.Success("echo: hi"), result);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetToolsAsync_ServerDownFromTheStart_ReturnsNoToolsAndListsThemOnceItIsUp(bool stateful)
    {
        await UseServerAsync(stateful);
        await _server.StopAsync();
        await using var source = NewSource();

        var whileDown = await source.GetToolsAsync();
        await _server.StartAgainAsync();
        var onceUp = await source.GetToolsAsync();

        Assert.Empty(whileDown);
        Assert.Contains(onceUp, t => t.Name == "weather__echo");
    }

    [Fact]
    public async Task GetToolsAsync_AfterAFailedListing_RunsDoNotWaitForTheServerUntilTheRetryInterval()
    {
        // Arrange: the server away at the first listing, back right after.
        await UseServerAsync(stateful: false);
        await _server.StopAsync();
        await using var source = NewSource(listRetryInterval: TimeSpan.FromHours(1));
        var whileDown = await source.GetToolsAsync();
        await _server.StartAgainAsync();

        // Act
        var withinTheInterval = await source.GetToolsAsync();

        // Assert: the list is not read again within the interval (a server that is away holds no run), so no tools yet.
        Assert.Empty(whileDown);
        Assert.Empty(withinTheInterval);
    }

    [Fact]
    public async Task GetToolsAsync_StatefulServerSaysItsListChanged_ListsTheNewTool()
    {
        await UseServerAsync(stateful: true);
        await using var source = NewSource();
        Assert.DoesNotContain(await source.GetToolsAsync(), t => t.Name == "weather__forecast");

        _server.AddTool(McpServerTool.Create(() => "sunny", new() { Name = "forecast", Description = "Tomorrow's weather." }));

        // The notification arrives on the session's stream when it arrives: read the list until it shows (bounded).
        IReadOnlyList<AIFunction> tools = [];
        for (var attempt = 0; attempt < 300 && !tools.Any(t => t.Name == "weather__forecast"); attempt++)
        {
            await Task.Delay(100);
            tools = await source.GetToolsAsync();
        }

        Assert.Contains(tools, t => t.Name == "weather__forecast");
        Assert.Equal(ToolResult.Success("sunny"), await new ToolRegistry(tools).InvokeAsync("weather__forecast", "{}"));
    }

    [Fact]
    public async Task GetToolsAsync_StatelessServerAddsATool_ListsItOnceTheListIsOlderThanItsMaxAge()
    {
        await using var source = new McpToolSource("weather", new McpToolServerOptions { Url = _server.Url, ToolListMaxAge = TimeSpan.FromSeconds(1) });
        Assert.DoesNotContain(await source.GetToolsAsync(), t => t.Name == "weather__forecast");

        // A new version of the server, on the same address: a stateless server has no session to lose, nor a way to tell.
        await _server.StopAsync();
        _server.AddTool(McpServerTool.Create(() => "sunny", new() { Name = "forecast", Description = "Tomorrow's weather." }));
        await _server.StartAgainAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var tools = await source.GetToolsAsync();

        Assert.Contains(tools, t => t.Name == "weather__forecast");
    }

    [Fact]
    public async Task InvokeAsync_ToolSlowerThanTheTimeout_AnswersATimeoutErrorResult()
    {
        await using var source = NewSource(TimeSpan.FromSeconds(1));
        var registry = new ToolRegistry(await source.GetToolsAsync());

        var result = await registry.InvokeAsync("weather__slow", "{}");

        Assert.Equal(ToolResult.Error("Tool 'weather__slow' did not answer within 1 s (MCP server 'weather')."), result);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvokeAsync_AfterATimeout_TheNextCallAnswers(bool stateful)
    {
        await UseServerAsync(stateful);
        await using var source = NewSource(TimeSpan.FromSeconds(1));
        var registry = new ToolRegistry(await source.GetToolsAsync());
        Assert.True((await registry.InvokeAsync("weather__slow", "{}")).IsError);

        var result = await registry.InvokeAsync("weather__echo", EchoArguments);

        Assert.Equal(ToolResult.Success("echo: hi"), result);
    }

    [Fact]
    public async Task InvokeAsync_RunCancelledDuringTheCall_ThrowsOperationCanceled()
    {
        await using var source = NewSource(TimeSpan.FromMinutes(5));
        var registry = new ToolRegistry(await source.GetToolsAsync());
        using var run = new CancellationTokenSource();

        var call = registry.InvokeAsync("weather__slow", "{}", run.Token);
        run.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task InvokeAsync_ServerRequiresAHeader_SendsTheDeclaredHeaders()
    {
        await using var guarded = await TestMcpServer.StartAsync(requiredHeader: ("X-Api-Key", "secret"));
        var options = new McpToolServerOptions { Url = guarded.Url };
        options.Headers["X-Api-Key"] = "secret";
        await using var source = new McpToolSource("weather", options);
        var registry = new ToolRegistry(await source.GetToolsAsync());

        var result = await registry.InvokeAsync("weather__echo", EchoArguments);

        Assert.Equal(ToolResult.Success("echo: hi"), result);
    }

    [Fact]
    public async Task GetToolsAsync_ServerRefusesTheCredentials_ReturnsNoTools()
    {
        await using var guarded = await TestMcpServer.StartAsync(requiredHeader: ("X-Api-Key", "secret"));
        var options = new McpToolServerOptions { Url = guarded.Url };
        options.Headers["X-Api-Key"] = "wrong";
        await using var source = new McpToolSource("weather", options);

        var tools = await source.GetToolsAsync();

        Assert.Empty(tools);
    }

    [Fact]
    public async Task InvokeAsync_StatefulServerRestartedBetweenCalls_FirstCallAnswersAnErrorAndTheNextAnswers()
    {
        await UseServerAsync(stateful: true);
        await using var source = NewSource();
        var registry = new ToolRegistry(await source.GetToolsAsync());
        Assert.False((await registry.InvokeAsync("weather__echo", EchoArguments)).IsError);

        // The server forgets its sessions: the client's session id is unknown to it.
        await _server.StopAsync();
        await _server.StartAgainAsync();
        var first = await registry.InvokeAsync("weather__echo", EchoArguments);
        var second = await registry.InvokeAsync("weather__echo", EchoArguments);

        Assert.True(first.IsError);
        Assert.Equal(ToolResult.Success("echo: hi"), second);
    }

    private async Task UseServerAsync(bool stateful)
    {
        await _server.DisposeAsync();
        _server = await TestMcpServer.StartAsync(stateful);
    }

    // No wait before the list is tried again after a failure, unless a test is about that wait.
    private McpToolSource NewSource(TimeSpan? toolTimeout = null, TimeSpan? listRetryInterval = null) =>
        new("weather", new McpToolServerOptions
        {
            Url = _server.Url,
            ToolTimeout = toolTimeout ?? McpToolServerOptions.DefaultToolTimeout,
            ListRetryInterval = listRetryInterval ?? TimeSpan.Zero,
        });
}

using AgentFunctions.Core.Tools;
using AgentFunctions.Hosting;
using AgentFunctions.Mcp.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Mcp.Tests;

/// <summary>MCP servers declared in configuration (<c>McpServers:NAME:*</c>) or in code, as a host starts them.</summary>
public sealed class McpServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddMcpToolSources_ServerInConfiguration_IsAKeyedToolSourceThatCallsItsTools()
    {
        await using var server = await TestMcpServer.StartAsync(requiredHeader: ("X-Api-Key", "secret"));
        using var host = BuildHost(new()
        {
            ["McpServers:weather:Url"] = server.Url.ToString(),
            ["McpServers:weather:Headers:X-Api-Key"] = "secret",
            ["McpServers:weather:ToolTimeout"] = "00:00:20",
        });
        await host.StartAsync();

        var source = host.Services.GetRequiredKeyedService<IToolSource>("weather");
        var registry = new ToolRegistry(await source.GetToolsAsync(CancellationToken.None));
        var result = await registry.InvokeAsync("weather__echo", """{"text":"hi"}""");

        Assert.Equal("weather", source.Name);
        Assert.Equal(TimeSpan.FromSeconds(20), Assert.IsType<McpToolSource>(source).ToolTimeout);
        Assert.Equal(ToolResult.Success("echo: hi"), result);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddMcpToolSources_UrlNotHttp_FailsStartNamingTheSetting()
    {
        using var host = BuildHost(new() { ["McpServers:weather:Url"] = "ftp://tools.example.com/mcp" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("McpServers:weather:Url must be an absolute http or https URL, not 'ftp://tools.example.com/mcp'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMcpToolSources_NoUrl_FailsStartNamingTheSetting()
    {
        using var host = BuildHost(new() { ["McpServers:weather:ToolTimeout"] = "00:00:10" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("McpServers:weather:Url is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMcpToolSources_NameThatCannotPrefixTools_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() => BuildHost(new() { ["McpServers:my__tools:Url"] = "https://tools.example.com/mcp" }));

        Assert.StartsWith("McpServers:my__tools: the server name 'my__tools' must be", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMcpToolSource_SameNameTwice_ThrowsNamingTheServer()
    {
        var services = new ServiceCollection();
        services.AddMcpToolSource("weather", o => o.Url = new Uri("https://a.example.com/mcp"));

        var error = Assert.Throws<InvalidOperationException>(() => services.AddMcpToolSource("weather", o => o.Url = new Uri("https://b.example.com/mcp")));

        Assert.Equal("McpServers:weather: a tool source named 'weather' is already declared.", error.Message);
    }

    [Fact]
    public async Task AddMcpToolSource_InCode_ConnectsOnlyWhenToolsAreAskedFor()
    {
        await using var server = await TestMcpServer.StartAsync();
        await server.StopAsync();
        var services = new ServiceCollection();
        services.AddMcpToolSource("weather", o =>
        {
            o.Url = server.Url;
            o.ListRetryInterval = TimeSpan.Zero; // tried again at once once it is up
        });
        await using var provider = services.BuildServiceProvider();

        // Resolving the source with its server down is fine: nothing connects until a run asks for the tools.
        var source = provider.GetRequiredKeyedService<IToolSource>("weather");
        var whileDown = await source.GetToolsAsync(CancellationToken.None);
        await server.StartAgainAsync();
        var onceUp = await source.GetToolsAsync(CancellationToken.None);

        Assert.Empty(whileDown);
        Assert.Contains(onceUp, t => t.Name == "weather__echo");
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddMcpToolSources(builder.Configuration);
        return builder.Build();
    }
}

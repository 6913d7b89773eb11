using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace AgentFunctions.Mcp.Tests.Infrastructure;

/// <summary>
/// An MCP server (ModelContextProtocol.AspNetCore, Streamable HTTP) on Kestrel on a loopback port, with an
/// <c>echo</c>, a <c>slow</c> (answers only when cancelled) and a <c>fail</c> tool. It can be stopped and started
/// again on the same port, given more tools while it runs, and made to require a header. Stateless (the SDK's default
/// since the 2026-07-28 protocol revision: no sessions, no notifications) or stateful (sessions, with the
/// initialize handshake and the GET stream that carries notifications such as tools/list_changed).
/// </summary>
public sealed class TestMcpServer : IAsyncDisposable
{
    public const string Path = "/mcp";

    private readonly (string Name, string Value)? _requiredHeader;
    private readonly bool _stateful;
    private readonly List<McpServerTool> _addedTools = [];
    private WebApplication? _app;
    private int _port;

    private TestMcpServer(bool stateful, (string Name, string Value)? requiredHeader)
    {
        _stateful = stateful;
        _requiredHeader = requiredHeader;
    }

    public Uri Url => new($"http://127.0.0.1:{_port}{Path}");

    /// <summary>How many tool calls the server has answered.</summary>
    public int Calls => _calls;

    private int _calls;

    public static async Task<TestMcpServer> StartAsync(bool stateful = false, (string Name, string Value)? requiredHeader = null)
    {
        var server = new TestMcpServer(stateful, requiredHeader);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on its port; the first start takes a free one.</summary>
    public async Task StartAgainAsync()
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The server is running.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, _port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "test-server", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = _stateful ? HttpServerSessionMode.Stateful : HttpServerSessionMode.Stateless)
            .WithTools(
            [
                McpServerTool.Create((string text) => { Interlocked.Increment(ref _calls); return "echo: " + text; }, new() { Name = "echo", Description = "Echoes the text." }),
                McpServerTool.Create(async (CancellationToken cancellationToken) =>
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return "never";
                }, new() { Name = "slow", Description = "Answers only when cancelled." }),
                McpServerTool.Create(string (string city) => throw new McpException($"No forecast for {city}."), new() { Name = "fail", Description = "Always fails." }),
                .. _addedTools,
            ]);
        var app = builder.Build();
        if (_requiredHeader is var (name, value))
        {
            app.Use(async (HttpContext context, RequestDelegate next) =>
            {
                if (context.Request.Headers[name] != value)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                await next(context);
            });
        }

        app.MapMcp(Path);
        await app.StartAsync();
        _port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        _app = app;
    }

    /// <summary>
    /// Adds a tool. A running stateful server adds it to its sessions' tool collection, and they send
    /// notifications/tools/list_changed; a stopped server offers it from its next start.
    /// </summary>
    public void AddTool(McpServerTool tool)
    {
        _addedTools.Add(tool);
        if (_app is not null)
        {
            if (!_stateful)
            {
                throw new InvalidOperationException("A running stateless server builds its tools per request: stop it, add the tool, start it again.");
            }

            var options = _app.Services.GetRequiredService<IOptions<McpServerOptions>>().Value;
            (options.ToolCollection ?? throw new InvalidOperationException("The server has no tool collection.")).Add(tool);
        }
    }

    public async Task StopAsync()
    {
        var app = _app;
        _app = null;
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}

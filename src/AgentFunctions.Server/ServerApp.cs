using System.Net.Sockets;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Tools;
using AgentFunctions.Hosting;
using AgentFunctions.Hosting.Agents;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Http;
using AgentFunctions.Http.Endpoints;
using AgentFunctions.Http.Identity;
using Microsoft.Agents.AI;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Server;

/// <summary>The standalone server: Kestrel, the API, the queue workers. Composition only.</summary>
internal static class ServerApp
{
    public const int DefaultPort = 8123;

    /// <summary>The setting that serves the demo Agent Framework agent (graph <see cref="DemoAgentGraphId"/>).</summary>
    public const string DemoAgentSetting = "AgentFramework:DemoAgent";

    public const string DemoAgentGraphId = "af-agent";

    /// <summary>
    /// Builds and starts the server; null when it cannot start for a reason the user fixes, which is written to
    /// <paramref name="error"/> without a stack trace: a bad setting (named, with why) or the port taken. Any other
    /// failure is thrown.
    /// </summary>
    public static async Task<WebApplication?> TryStartAsync(string[] args, TextWriter error, Action<WebApplicationBuilder>? configure = null, Action<AgentFunctionsBuilder>? agents = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        WebApplication? app = null;
        try
        {
            app = Build(args, configure, agents);
            await app.StartAsync().ConfigureAwait(false);
            return app;
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } message)
        {
            await error.WriteLineAsync(message).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await error.WriteLineAsync($"The port is taken: {e.Message} Set PORT to a free port (for example PORT=8124).").ConfigureAwait(false);
        }

        if (app is not null)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// Builds the server. <paramref name="configure"/> lets tests add configuration before the services are built;
    /// <paramref name="agents"/> declares graphs, tools and models in code (a project of a team's own does the same in its Program.cs).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<AgentFunctionsBuilder>? agents = null)
    {
        // The app's own folder is its content root, so its appsettings.json applies wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var port = builder.Configuration["PORT"] is { Length: > 0 } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : DefaultPort;
        var host = builder.Configuration["HOST"] ?? "127.0.0.1";
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
        {
            builder.WebHost.UseUrls($"http://{host}:{port}");
        }

        var localBrowserAccess = AllowsLocalBrowsers(builder.Configuration, host);
        if (localBrowserAccess)
        {
            builder.Configuration.AddInMemoryCollection([new($"{HttpApiOptions.SectionName}:{nameof(HttpApiOptions.CorsOrigins)}:0", "*")]);
        }

        var declared = builder.Services.AddAgentFunctions(builder.Configuration);
        if (builder.Configuration.GetValue<bool>(DemoAgentSetting))
        {
            // An Agent Framework agent over the offline model, with the calculator: for the SDK tests and for trying it out.
            declared.AddAgent(DemoAgentGraphId, sp => new ChatClientAgent(
                new OfflineChatClient(sp.GetRequiredService<OfflineChatClientOptions>()),
                name: DemoAgentGraphId,
                description: "An Agent Framework ChatClientAgent over the offline model, with the calculator tool.",
                tools: [CalculatorFunction.Instance],
                loggerFactory: sp.GetService<ILoggerFactory>()));
        }

        agents?.Invoke(declared);
        builder.Services.AddAgentFunctionsWorkers();

        var app = builder.Build();
        StartupFailure.ValidateSettings(app.Services);
        app.UseAgentFunctionsHttp();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapAgentFunctionsApi();

        if (app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode == AuthMode.None)
        {
            app.Logger.NoAuthentication();
        }

        if (localBrowserAccess)
        {
            app.Logger.LocalBrowsersAllowed();
        }

        return app;
    }

    /// <summary>
    /// Whether browsers on any origin may call this server without <c>Http:CorsOrigins</c>: only a local server, one
    /// that listens on loopback addresses alone and has no authentication (as <c>langgraph dev</c> does), so that a
    /// local UI such as agent-chat-ui works out of the box. A deployment names its origins.
    /// </summary>
    internal static bool AllowsLocalBrowsers(IConfiguration configuration, string host)
    {
        var mode = configuration[$"{AuthOptions.SectionName}:{nameof(AuthOptions.Mode)}"];
        if ((mode is { Length: > 0 } && !string.Equals(mode, nameof(AuthMode.None), StringComparison.OrdinalIgnoreCase))
            || configuration.GetSection($"{HttpApiOptions.SectionName}:{nameof(HttpApiOptions.CorsOrigins)}").GetChildren().Any())
        {
            return false;
        }

        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"];
        var hosts = urls is null
            ? [host]
            : urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(url => Uri.TryCreate(url.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri.Host : string.Empty);
        return hosts.All(IsLoopback);
    }

    private static bool IsLoopback(string host)
        => string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}

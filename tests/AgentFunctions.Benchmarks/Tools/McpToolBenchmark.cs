using System.Diagnostics;
using System.Net;
using AgentFunctions.Benchmarks.Http;
using AgentFunctions.Core.Tools;
using AgentFunctions.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace AgentFunctions.Benchmarks.Tools;

/// <summary>
/// What a tool call through MCP adds over a local tool call, on loopback:
/// <code>
/// eng/bench.sh mcp
/// </code>
/// The same <c>echo</c> tool three ways, each called the way the agent loop calls tools
/// (<see cref="ToolRegistry.InvokeAsync(string, string?, CancellationToken)"/>, JSON arguments in, text out): a local
/// <see cref="AIFunction"/>; through an <see cref="McpToolSource"/> to an MCP server (ModelContextProtocol.AspNetCore
/// on Kestrel, loopback, in this process, so its work counts too) that is stateless (the SDK's default, protocol
/// 2026-07-28); and to one that keeps sessions (protocol 2025-11-25). After a warm-up, the three are called in turn,
/// one call at a time, many rounds; printed: the median and 90th percentile of each, and the median of the per-round
/// differences against the local call (the added latency), all from the same run.
/// </summary>
internal static class McpToolBenchmark
{
    private const int WarmUpRounds = 300;
    private const int Rounds = 3000;
    private const string Arguments = """{"text":"hello"}""";

    public static async Task RunAsync(string connectionString)
    {
        await using var stateless = await StartServerAsync(stateful: false);
        await using var stateful = await StartServerAsync(stateful: true);
        await using var statelessSource = new McpToolSource("bench", new McpToolServerOptions { Url = ServerUrl(stateless) });
        await using var statefulSource = new McpToolSource("bench", new McpToolServerOptions { Url = ServerUrl(stateful) });

        var local = new ToolRegistry([AIFunctionFactory.Create((string text) => "echo: " + text, "bench__echo", "Echoes the text.")]);
        var overStateless = new ToolRegistry(await statelessSource.GetToolsAsync(CancellationToken.None));
        var overStateful = new ToolRegistry(await statefulSource.GetToolsAsync(CancellationToken.None));
        var ways = new (string Name, ToolRegistry Registry)[]
        {
            ("local AIFunction", local),
            ("MCP, stateless server", overStateless),
            ("MCP, stateful server", overStateful),
        };

        var times = ways.Select(_ => new List<double>(Rounds)).ToArray();
        for (var round = 0; round < WarmUpRounds + Rounds; round++)
        {
            for (var i = 0; i < ways.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await ways[i].Registry.InvokeAsync("bench__echo", Arguments);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (result.IsError || result.Content != "echo: hello")
                {
                    throw new InvalidOperationException($"{ways[i].Name}: unexpected result '{result.Content}'.");
                }

                if (round >= WarmUpRounds)
                {
                    times[i].Add(elapsed);
                }
            }
        }

        Console.WriteLine($"one echo tool call at a time through ToolRegistry.InvokeAsync, {Rounds} rounds after {WarmUpRounds} warm-up, the three ways in turn each round:");
        for (var i = 0; i < ways.Length; i++)
        {
            var line = $"  {ways[i].Name,-22} median {HttpBenchmark.Median(times[i]),7:F3} ms   p90 {HttpBenchmark.Percentile(times[i], 0.9),7:F3} ms";
            if (i > 0)
            {
                var added = times[i].Zip(times[0], (mcp, local) => mcp - local);
                line += $"   added over local: median {HttpBenchmark.Median(added),7:F3} ms";
            }

            Console.WriteLine(line);
        }
    }

    private static Uri ServerUrl(WebApplication app) =>
        new(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/mcp");

    private static async Task<WebApplication> StartServerAsync(bool stateful)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMcpServer()
            .WithHttpTransport(o => o.SessionMode = stateful ? HttpServerSessionMode.Stateful : HttpServerSessionMode.Stateless)
            .WithTools([McpServerTool.Create((string text) => "echo: " + text, new() { Name = "echo", Description = "Echoes the text." })]);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        return app;
    }
}

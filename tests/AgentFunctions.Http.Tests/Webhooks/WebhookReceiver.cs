using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Tests.Webhooks;

/// <summary>A loopback webhook receiver: <c>POST /ok/{name}</c> answers 200, <c>POST /fail/{name}</c> 500; every request is kept by name.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentDictionary<string, ConcurrentQueue<(string RunIdHeader, string Body)>> Received { get; } = new();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/{outcome}/{name}", async (HttpContext context, string outcome, string name) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            Received.GetOrAdd(name, _ => new()).Enqueue((context.Request.Headers["X-Run-Id"].ToString(), body));
            return outcome == "ok" ? Results.Ok() : Results.StatusCode(500);
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>The requests received for <paramref name="name"/> once there are at least <paramref name="count"/> (polled; the test's timeout bounds it).</summary>
    public async Task<List<(string RunIdHeader, string Body)>> WaitForAsync(string name, int count)
    {
        while (!Received.TryGetValue(name, out var queue) || queue.Count < count)
        {
            await Task.Delay(50);
        }

        return [.. Received[name]];
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The server with private networks allowed for webhooks (the receiver is on loopback) and quick retries.</summary>
public sealed class WebhookServerFixture : ServerFixture
{
    public WebhookReceiver Receiver { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Webhooks:AllowPrivateNetworks", "true"),
        new("Webhooks:MaxAttempts", "3"),
        new("Webhooks:FirstRetryDelay", "00:00:00.200"),
    ];

    public override async Task InitializeAsync()
    {
        await Receiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

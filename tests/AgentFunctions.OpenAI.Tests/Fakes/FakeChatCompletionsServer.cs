using System.Collections.Concurrent;
using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.OpenAI.Tests.Fakes;

/// <summary>
/// A chat-completions server on a free loopback port, over http or (with a certificate) https. Each request is recorded and answered by
/// the next scripted response: a stream of SSE chunks ending in <c>data: [DONE]</c>, a JSON body,
/// an error, or chunks followed by silence until the client goes away.
/// </summary>
internal sealed class FakeChatCompletionsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _responses = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly TaskCompletionSource _clientDisconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeChatCompletionsServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The base address to configure the client with; requests go to <c>chat/completions</c> below it.</summary>
    public Uri Endpoint { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public RecordedRequest SingleRequest => Assert.Single(_requests);

    /// <summary>Completes when the client closed the connection of a request left hanging.</summary>
    public Task ClientDisconnected => _clientDisconnected.Task;

    public static async Task<FakeChatCompletionsServer> StartAsync(string basePath = "/v1/", X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        FakeChatCompletionsServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeChatCompletionsServer(app, new Uri(new Uri(address), basePath));
        return server;
    }

    public void EnqueueStream(params string[] chunks) =>
        _responses.Enqueue(context => WriteStreamAsync(context, chunks, hang: false));

    /// <summary>Sends <paramref name="chunks"/>, then nothing, until the client disconnects.</summary>
    public void EnqueueStreamThenHang(params string[] chunks) =>
        _responses.Enqueue(context => WriteStreamAsync(context, chunks, hang: true));

    public void EnqueueJson(string body) => EnqueueResponse(StatusCodes.Status200OK, body);

    public void EnqueueError(int status, string body) => EnqueueResponse(status, body);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void EnqueueResponse(int status, string body) =>
        _responses.Enqueue(async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-request-id"] = "req_fake";
            await context.Response.WriteAsync(body, context.RequestAborted);
        });

    private async Task HandleAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? string.Empty,
            context.Request.Headers.Authorization.ToString(),
            body.RootElement.Clone()));

        if (!_responses.TryDequeue(out var respond))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("""{"error":{"message":"The fake server has no scripted response left."}}""");
            return;
        }

        await respond(context);
    }

    private async Task WriteStreamAsync(HttpContext context, string[] chunks, bool hang)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted);
        try
        {
            await SseFormatter.WriteAsync(Frames(chunks, hang, context.RequestAborted), context.Response.Body, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            _clientDisconnected.TrySetResult();
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Frames(
        string[] chunks, bool hang, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var chunk in chunks)
        {
            yield return new SseItem<string>(chunk);
        }

        if (hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        yield return new SseItem<string>("[DONE]");
    }
}

internal sealed record RecordedRequest(string Method, string Path, string Authorization, JsonElement Body);

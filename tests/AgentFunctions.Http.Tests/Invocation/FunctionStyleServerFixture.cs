using AgentFunctions.Hosting;
using AgentFunctions.Http.Endpoints;
using AgentFunctions.Http.Invocation;
using AgentFunctions.Http.Runs;
using AgentFunctions.Http.State;
using AgentFunctions.Http.Tests.Tracing;
using AgentFunctions.Http.Threads;
using AgentFunctions.Http.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Tests.Invocation;

/// <summary>
/// The API hosted the way the Azure Functions app hosts it: the services of <c>AddAgentFunctions</c>, and
/// none of the server's middleware or endpoint filters (the Functions worker's ASP.NET Core pipeline has
/// routing and the functions' endpoints only). Each route is one call to <see cref="ApiInvocation"/>, as
/// a function's body is, inside the invocation trace the app's worker middleware owns. API keys are on, so
/// that a request without one is refused.
/// </summary>
public class FunctionStyleServerFixture : ServerFixture
{
    public const string Key = "function-key-0123456789abcdef";

    /// <summary>The exception text of the failing route, which must never reach a client.</summary>
    public const string SecretFailure = "a secret the client must not see";

    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>The spans of the library's source that ended (tests pick theirs out by trace id).</summary>
    public SpanRecorder Spans { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Spans.Dispose();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Auth:Mode", "ApiKey"),
        new("Auth:ApiKeys:0:Key", Key),
        new("Auth:ApiKeys:0:Owner", "local"),
        new("Http:MaxRequestBodyBytes", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    protected override WebApplication Build(Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateBuilder();
        configure(builder);
        builder.Services.AddAgentFunctions(builder.Configuration);
        var app = builder.Build();

        // What the Functions app's trace middleware does around every HTTP invocation (the function's name as the route
        // when no endpoint of the host's routing matched).
        app.Use((context, next) => HttpInvocationTrace.TraceAsync(context, () => next(context), route: "Function"));

        // What the functions of src/AgentFunctions.FunctionApp do, route for route.
        app.MapGet("/ok", (Func<HttpContext, Task<WrittenResponse>>)(context => ApiInvocation.InvokeWithoutCallerAsync(context, InfoHandlers.Ok)));
        app.MapPost("/threads", (Func<HttpContext, Task<WrittenResponse>>)(context => ApiInvocation.InvokeAsync(context, ThreadHandlers.CreateAsync)));
        app.MapGet("/threads/{threadId}", (HttpContext context, string threadId)
            => ApiInvocation.InvokeAsync(context, c => ThreadHandlers.GetAsync(c, threadId)));
        app.MapPost("/threads/{threadId}/runs/stream", (HttpContext context, string threadId)
            => ApiInvocation.InvokeAsync(context, c => RunHandlers.StreamAsync(c, threadId)));
        app.MapGet("/threads/{threadId}/history/stream", (HttpContext context, string threadId)
            => ApiInvocation.InvokeAsync(context, c => HistoryHandlers.StreamHistoryAsync(c, threadId)));

        // A handler that fails with our own fault.
        app.MapPost("/fails", (Func<HttpContext, Task<WrittenResponse>>)(context
            => ApiInvocation.InvokeAsync(context, _ => Task.FromException<IResult>(new InvalidOperationException(SecretFailure)))));
        return app;
    }
}

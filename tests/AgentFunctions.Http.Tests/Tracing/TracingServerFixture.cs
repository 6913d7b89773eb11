using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using AgentFunctions.Core.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Tests.Tracing;

/// <summary>
/// The real server with a span recorder, a log capture, a probe around the whole pipeline (outside the tracing
/// middleware) that notes what <see cref="Activity.Current"/> is before and after each request and watches every
/// byte written to each response, and test-only routes: one whose result writes its body after the handler has
/// returned, and two that fail.
/// </summary>
public sealed class TracingServerFixture : ServerFixture
{
    public SpanRecorder Spans { get; } = new();

    public LogCapture Logs { get; } = new();

    /// <summary>Requests at whose start or end <see cref="Activity.Current"/> was not what it should be.</summary>
    public ConcurrentQueue<string> CurrentMismatches { get; } = new();

    /// <summary>What was written to each traced response, by the trace id of its <c>traceparent</c>.</summary>
    public ConcurrentDictionary<ActivityTraceId, ResponseWrites> Writes { get; } = new();

    /// <summary>Requests the probe has seen to their end.</summary>
    public int ProbedRequests => _probed;

    private int _probed;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Spans.Dispose();
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IStartupFilter>(new ProbeFilter(this));
        builder.Logging.AddProvider(Logs);
    }

    protected override void ConfigureApp(WebApplication app)
    {
        app.MapGet("/test/later", () => new LaterResult());
        app.MapGet("/test/throw", IResult () => throw new InvalidOperationException("A fault of the handler."));
        app.MapGet("/test/throw-after-start", async (HttpContext context) =>
        {
            await context.Response.Body.WriteAsync("partial"u8.ToArray());
            await context.Response.Body.FlushAsync();
            throw new InvalidOperationException("A fault after the response started.");
        });
    }

    private async Task ProbeAsync(HttpContext context, RequestDelegate next)
    {
        var before = Activity.Current;
        if (before?.Source == AgentTelemetry.Source)
        {
            CurrentMismatches.Enqueue($"{context.Request.Path}: started under span {before.DisplayName} of another invocation");
        }

        if (ActivityContext.TryParse(context.Request.Headers.TraceParent, null, out var caller))
        {
            var writes = Writes.GetOrAdd(caller.TraceId, _ => new ResponseWrites());
            var inner = context.Features.Get<IHttpResponseBodyFeature>()!;
            context.Features.Set<IHttpResponseBodyFeature>(new WatchedBody(inner, writes, () => Spans.InvocationEnded(caller.TraceId)));
        }

        await next(context);
        if (Activity.Current != before)
        {
            CurrentMismatches.Enqueue($"{context.Request.Path}: Activity.Current was {before?.DisplayName ?? "none"} before and {Activity.Current?.DisplayName ?? "none"} after");
        }

        Interlocked.Increment(ref _probed);
    }

    private sealed class ProbeFilter(TracingServerFixture fixture) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(fixture.ProbeAsync);
            next(app);
        };
    }

    /// <summary>A result that writes its body in three parts, pausing between them, after its handler returned.</summary>
    private sealed class LaterResult : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "text/plain";
            foreach (var part in new[] { "one ", "two ", "three" })
            {
                await Task.Delay(20);
                await httpContext.Response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(part));
                await httpContext.Response.Body.FlushAsync();
            }
        }
    }

    /// <summary>The response body, watched: each write and the completion note whether the invocation's span had already ended.</summary>
    private sealed class WatchedBody(IHttpResponseBodyFeature inner, ResponseWrites writes, Func<bool> ended) : IHttpResponseBodyFeature
    {
        private Stream? _stream;

        public Stream Stream => _stream ??= new WatchedStream(inner.Stream, writes, ended);

        public PipeWriter Writer => inner.Writer;

        public void DisableBuffering() => inner.DisableBuffering();

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
            => inner.SendFileAsync(path, offset, count, cancellationToken);

        public async Task CompleteAsync()
        {
            writes.Note(0, ended(), completing: true);
            await inner.CompleteAsync();
        }
    }

    private sealed class WatchedStream(Stream inner, ResponseWrites writes, Func<bool> ended) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            writes.Note(count, ended(), completing: false);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            writes.Note(buffer.Length, ended(), completing: false);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}

/// <summary>What was written to one response, and how much of it after the invocation's span had ended.</summary>
public sealed class ResponseWrites
{
    private long _bytes;
    private int _lateWrites;
    private int _completions;
    private int _lateCompletions;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Writes (or the completion) that came after the invocation's span had ended: none, if it ends last.</summary>
    public int Late => Volatile.Read(ref _lateWrites) + Volatile.Read(ref _lateCompletions);

    /// <summary>Whether the response was completed through the body feature (the tracing middleware does it).</summary>
    public bool Completed => Volatile.Read(ref _completions) > 0;

    internal void Note(int count, bool afterEnd, bool completing)
    {
        Interlocked.Add(ref _bytes, count);
        if (completing)
        {
            Interlocked.Increment(ref _completions);
        }

        if (afterEnd && completing)
        {
            Interlocked.Increment(ref _lateCompletions);
        }
        else if (afterEnd)
        {
            Interlocked.Increment(ref _lateWrites);
        }
    }
}

/// <summary>Keeps the log entries written with an event id, with the values of the scopes they were written in.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider? _scopes;

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 0 || !IsEnabled(logLevel))
            {
                return;
            }

            var values = new Dictionary<string, string?>();
            capture._scopes?.ForEachScope(
                (scope, all) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            all[key] = value?.ToString();
                        }
                    }
                },
                values);
            if (state is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                foreach (var (key, value) in fields)
                {
                    values["field:" + key] = value?.ToString();
                }
            }

            capture.Entries.Enqueue(new LogEntry(category, eventId.Id, formatter(state, exception), values, logLevel));
        }
    }
}

public sealed record LogEntry(string Category, int EventId, string Message, IReadOnlyDictionary<string, string?> Values, LogLevel Level);

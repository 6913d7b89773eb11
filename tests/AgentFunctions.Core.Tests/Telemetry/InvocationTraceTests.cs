using System.Diagnostics;
using AgentFunctions.Core.Telemetry;

namespace AgentFunctions.Core.Tests.Telemetry;

[Collection(TelemetryTestGroup.Name)]
public sealed class InvocationTraceTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Start_WithTraceParent_SpanIsAChildOfTheCallersSpan()
    {
        using var spans = new SpanListener();

        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent, "k=v");
        trace.Complete(200);

        var span = trace.Activity!;
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
        Assert.True(span.HasRemoteParent);
        Assert.Equal("k=v", span.TraceStateString);
        Assert.Equal(ActivityKind.Server, span.Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-traceparent")]
    public void Start_UnderAnAmbientActivityWithoutAValidTraceParent_IsTheRootOfANewTrace(string? traceParent)
    {
        using var spans = new SpanListener();
        using var ambient = new Activity("host request").Start();

        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, traceParent);
        trace.Complete(200);

        Assert.Null(trace.Activity!.Parent);
        Assert.Equal(default, trace.Activity.ParentSpanId);
        Assert.NotEqual(ambient.TraceId, trace.Activity.TraceId);
    }

    [Fact]
    public void End_InTheStartingFlow_ActivityCurrentIsWhatItWasBefore()
    {
        using var spans = new SpanListener();
        using var ambient = new Activity("host request").Start();

        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);
        var during = Activity.Current;
        using (var child = AgentTelemetry.Source.StartActivity("child"))
        {
            // A child left current would leak; ending the invocation still restores what was there before it.
        }

        _ = AgentTelemetry.Source.StartActivity("leaked child");
        trace.Complete(200);

        Assert.Same(trace.Activity, during);
        Assert.Same(ambient, Activity.Current);
    }

    [Fact]
    public void End_CalledAgainWithAnotherOutcome_EndsOnceAndKeepsTheFirstOutcome()
    {
        using var spans = new SpanListener();
        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);

        var first = trace.Complete(200);
        var second = trace.Fail(new InvalidOperationException("late"));
        var third = trace.Cancel();

        Assert.True(first);
        Assert.False(second);
        Assert.False(third);
        Assert.True(trace.IsEnded);
        Assert.Equal(1, spans.Stops(trace.Activity!.SpanId));
        Assert.Equal("completed", trace.Activity.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(ActivityStatusCode.Unset, trace.Activity.Status);
    }

    [Fact]
    public async Task End_FromAnotherFlow_EndsTheSpanAndLeavesThatFlowsCurrentAsItWas()
    {
        using var spans = new SpanListener();
        using var ambient = new Activity("host request").Start();
        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);

        // A completion callback on the server's own context: a flow that did not start the invocation.
        Task<Activity?> callback;
        using (ExecutionContext.SuppressFlow())
        {
            callback = Task.Run(() =>
            {
                using var other = new Activity("another request").Start();
                trace.Complete(200);
                return Activity.Current;
            });
        }

        var currentThere = await callback;

        Assert.True(trace.Activity!.IsStopped);
        Assert.Equal("another request", currentThere?.OperationName);
        Assert.Equal(1, spans.Stops(trace.Activity.SpanId));
    }

    [Fact]
    public void Fail_WithAnException_ErrorStatusErrorTypeAndAnExceptionEvent()
    {
        using var spans = new SpanListener();
        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);

        trace.Fail(new InvalidOperationException("boom"), 500);

        var span = trace.Activity!;
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("failed", span.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem(TelemetryAttributes.ErrorType));
        Assert.Equal(500, span.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
        var exception = Assert.Single(span.Events);
        Assert.Equal("exception", exception.Name);
        Assert.Contains(exception.Tags, t => t.Key == "exception.message" && (string?)t.Value == "boom");
    }

    [Fact]
    public void Cancel_CallerWentAway_MarkedCancelledAndNotAnError()
    {
        using var spans = new SpanListener();
        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);

        trace.Cancel(200);

        Assert.Equal(ActivityStatusCode.Unset, trace.Activity!.Status);
        Assert.Equal("cancelled", trace.Activity.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Null(trace.Activity.GetTagItem(TelemetryAttributes.ErrorType));
    }

    [Theory]
    [InlineData(503, ActivityStatusCode.Error)]
    [InlineData(404, ActivityStatusCode.Unset)]
    [InlineData(200, ActivityStatusCode.Unset)]
    public void Complete_ServerStatus_OnlyA5xxIsAnError(int status, ActivityStatusCode expected)
    {
        using var spans = new SpanListener();
        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);

        trace.Complete(status);

        Assert.Equal(expected, trace.Activity!.Status);
    }

    [Fact]
    public void Start_NobodyListening_NoSpanAndActivityCurrentUntouched()
    {
        using var ambient = new Activity("host request").Start();

        var trace = InvocationTrace.Start("GET /x", ActivityKind.Server, TraceParent);
        var during = Activity.Current;
        var ended = trace.Complete(200);

        Assert.Null(trace.Activity);
        Assert.Same(ambient, during);
        Assert.Same(ambient, Activity.Current);
        Assert.True(ended);
        Assert.False(trace.Complete(200));
    }

    [Fact]
    public async Task RunAsync_InvocationReturns_OneCompletedSpanAroundItAndCurrentRestored()
    {
        using var spans = new SpanListener();
        using var ambient = new Activity("host").Start();
        Activity? inside = null;

        await InvocationTrace.RunAsync("process compaction", ActivityKind.Consumer, () => { inside = Activity.Current; return Task.CompletedTask; }, TraceParent);

        var span = Assert.Single(spans.Stopped);
        Assert.Same(span, inside);
        Assert.Equal("completed", span.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Same(ambient, Activity.Current);
    }

    [Fact]
    public async Task RunAsync_InvocationThrows_SpanFailedAndTheExceptionGoesOn()
    {
        using var spans = new SpanListener();

        await Assert.ThrowsAsync<InvalidOperationException>(() => InvocationTrace.RunAsync("process runs", ActivityKind.Consumer, () => throw new InvalidOperationException("boom")));

        var span = Assert.Single(spans.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("failed", span.GetTagItem(TelemetryAttributes.InvocationOutcome));
    }

    [Fact]
    public async Task RunAsync_CancelledByTheHost_SpanCancelledNotAnError()
    {
        using var spans = new SpanListener();
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InvocationTrace.RunAsync("retention sweep", ActivityKind.Internal, () => Task.Delay(1000, stopping.Token), cancellationToken: stopping.Token));

        var span = Assert.Single(spans.Stopped);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal("cancelled", span.GetTagItem(TelemetryAttributes.InvocationOutcome));
    }
}

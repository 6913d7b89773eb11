using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Telemetry;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Telemetry;

[Collection(TelemetryTestGroup.Name)]
public sealed class TracingChatClientTests
{
    [Fact]
    public async Task GetStreamingResponse_OfflineModel_ChatSpanWithTheGenAIAttributesEndsWithTheLastUpdate()
    {
        using var spans = new SpanListener();
        using var parent = AgentTelemetry.Source.StartActivity("parent")!;
        var client = new TracingChatClient(new OfflineChatClient());

        var updates = 0;
        await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi tokens=4")]))
        {
            updates++;
            Assert.DoesNotContain(spans.Stopped, s => s.DisplayName == "chat offline");
        }

        var chat = Assert.Single(spans.Stopped, s => s.DisplayName == "chat offline");
        Assert.Equal(4, updates);
        Assert.Equal(parent.SpanId, chat.ParentSpanId);
        Assert.Equal(ActivityKind.Client, chat.Kind);
        Assert.Equal("chat", chat.GetTagItem(TelemetryAttributes.GenAIOperationName));
        Assert.Equal(OfflineChatClient.ProviderName, chat.GetTagItem(TelemetryAttributes.GenAIProviderName));
        Assert.Equal(OfflineChatClient.ModelId, chat.GetTagItem(TelemetryAttributes.GenAIRequestModel));
        Assert.Equal(OfflineChatClient.ModelId, chat.GetTagItem(TelemetryAttributes.GenAIResponseModel));
        Assert.Equal(4L, chat.GetTagItem(TelemetryAttributes.GenAIUsageOutputTokens));
        Assert.True(chat.GetTagItem(TelemetryAttributes.GenAIUsageInputTokens) is long and > 0);
        Assert.Equal(["stop"], (string[])chat.GetTagItem(TelemetryAttributes.GenAIResponseFinishReasons)!);
        Assert.Same(parent, Activity.Current);
    }

    [Fact]
    public async Task GetStreamingResponse_ReaderStopsEarly_SpanEndsAsCancelledNotAsAnError()
    {
        using var spans = new SpanListener();
        var client = new TracingChatClient(new OfflineChatClient());

        await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi tokens=10")]))
        {
            break;
        }

        var chat = Assert.Single(spans.Stopped, s => s.DisplayName == "chat offline");
        Assert.Equal(typeof(OperationCanceledException).FullName, chat.GetTagItem(TelemetryAttributes.ErrorType));
        Assert.NotEqual(ActivityStatusCode.Error, chat.Status);
    }

    [Fact]
    public async Task GetStreamingResponse_ModelFails_SpanIsAnErrorWithTheException()
    {
        using var spans = new SpanListener();
        var client = new TracingChatClient(new FailingChatClient());

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
            {
            }
        });

        var chat = Assert.Single(spans.Stopped, s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal));
        Assert.Equal(ActivityStatusCode.Error, chat.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, chat.GetTagItem(TelemetryAttributes.ErrorType));
        Assert.Single(chat.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task GetStreamingResponse_OfflineModel_RecordsInputAndOutputTokenUsage()
    {
        var usage = new List<(long Tokens, string? Type)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument == AgentMetrics.TokenUsage)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == TelemetryAttributes.GenAITokenType)
                {
                    usage.Add((value, tag.Value as string));
                }
            }
        });
        meters.Start();
        var client = new TracingChatClient(new OfflineChatClient());

        await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi tokens=3")]))
        {
        }

        Assert.Contains((3L, "output"), usage);
        Assert.Contains(usage, u => u.Type == "input" && u.Tokens > 0);
    }

    private sealed class FailingChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("The model is down.");

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new InvalidOperationException("The model is down.");
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

using System.Diagnostics;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.Tables;
using AgentFunctions.Storage.Tests.Queues;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Telemetry;

/// <summary>Storage calls and queue messages as spans, against the test storage.</summary>
public sealed class StorageTracingTests
{
    [Fact(Timeout = 60_000)]
    public async Task TableCalls_InsideATrace_ClientSpansWithMethodTableAndStatus()
    {
        using var spans = new StorageSpans();
        var name = TestStorage.UniqueName("trace");
        var table = new TableServiceClient(TestStorage.ConnectionString, new TableClientOptions().AddStorageTracing()).GetTableClient(name);
        using (AgentTelemetry.Source.StartActivity("test"))
        {
            using (StorageTracingPolicy.NameResource(name))
            {
                await table.CreateIfNotExistsAsync(); // POST /Tables: its URI does not name the table
            }

            await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = "v" });
            await table.GetEntityIfExistsAsync<TableEntity>("p", "missing");
        }

        var calls = spans.On(name);
        var posts = calls.Where(s => s.DisplayName == "Table POST " + name).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, posts.Count); // the table's creation, then the insert
        var insert = posts[1];
        Assert.Equal(ActivityKind.Client, insert.Kind);
        Assert.Equal("POST", insert.GetTagItem(TelemetryAttributes.HttpRequestMethod));
        Assert.Equal("table", insert.GetTagItem(TelemetryAttributes.StorageService));
        Assert.Equal(204, insert.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
        Assert.Equal(ActivityStatusCode.Unset, insert.Status);
        var missing = Assert.Single(calls, s => s.DisplayName == "Table GET " + name);
        Assert.Equal(404, missing.GetTagItem(TelemetryAttributes.HttpResponseStatusCode));
        Assert.Equal(ActivityStatusCode.Error, missing.Status);
        await table.DeleteAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task QueueCall_OutsideAnyTrace_MakesNoSpan()
    {
        using var spans = new StorageSpans();
        var name = QueueTestClients.UniqueQueueName();
        var queue = QueueTestClients.Service().GetQueueClient(name);

        Assert.Null(Activity.Current);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("polled");
        await queue.ReceiveMessagesAsync(1);

        Assert.Empty(spans.On(name));
        await queue.DeleteIfExistsAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task ProcessAsync_Message_ConsumerSpanThatTheHandlersSpansAndTheDeleteAreChildrenOf()
    {
        using var spans = new StorageSpans();
        var service = QueueTestClients.Service();
        var name = QueueTestClients.UniqueQueueName();
        ActivitySpanId handlerSpan = default;
        var pump = new QueueMessagePump(service, name, (_, _) =>
        {
            using var work = AgentTelemetry.Source.StartActivity("handler work");
            handlerSpan = work!.SpanId;
            return Task.CompletedTask;
        });
        await pump.InitializeAsync();
        await service.GetQueueClient(name).SendMessageAsync("work");
        var received = (await service.GetQueueClient(name).ReceiveMessagesAsync(1)).Value.Single();

        await pump.ProcessAsync(received, CancellationToken.None);

        var message = Assert.Single(spans.Stopped, s => s.DisplayName == "process " + name);
        Assert.Equal(ActivityKind.Consumer, message.Kind);
        Assert.Equal(default, message.ParentSpanId);
        Assert.Equal("completed", message.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Equal(received.MessageId, message.GetTagItem(TelemetryAttributes.MessagingMessageId));
        Assert.Equal(message.SpanId, Assert.Single(spans.Stopped, s => s.SpanId == handlerSpan).ParentSpanId);
        Assert.Equal(message.SpanId, Assert.Single(spans.On(name), s => s.DisplayName == "Queue DELETE " + name).ParentSpanId);
        Assert.Null(Activity.Current);
        await service.GetQueueClient(name).DeleteIfExistsAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task ProcessAsync_HandlerThrows_ConsumerSpanEndsOnceAsAnError()
    {
        using var spans = new StorageSpans();
        var service = QueueTestClients.Service();
        var name = QueueTestClients.UniqueQueueName();
        var pump = new QueueMessagePump(service, name, (_, _) => throw new InvalidOperationException("broken"));
        await pump.InitializeAsync();
        await service.GetQueueClient(name).SendMessageAsync("work");
        var received = (await service.GetQueueClient(name).ReceiveMessagesAsync(1)).Value.Single();

        await pump.ProcessAsync(received, CancellationToken.None);

        var message = Assert.Single(spans.Stopped, s => s.DisplayName == "process " + name);
        Assert.Equal(ActivityStatusCode.Error, message.Status);
        Assert.Equal("failed", message.GetTagItem(TelemetryAttributes.InvocationOutcome));
        Assert.Single(message.Events, e => e.Name == "exception");
        await service.GetQueueClient(name).DeleteIfExistsAsync();
    }
}

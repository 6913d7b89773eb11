using System.Text;
using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Storage.RunEvents;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.RunEvents;

/// <summary>Run event logs on a fresh table per test class, counting requests and able to fail them; the table is deleted afterwards.</summary>
public sealed class RunEventLogFixture : IAsyncLifetime
{
    public CountingPolicy Requests { get; } = new();

    public OutagePolicy Outage { get; } = new();

    public TableServiceClient Service { get; private set; } = null!;

    public string TableName { get; } = TestStorage.UniqueName("runevents");

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(Outage, HttpPipelinePosition.PerCall);
        options.AddPolicy(Requests, HttpPipelinePosition.PerRetry);
        Service = new TableServiceClient(TestStorage.ConnectionString, options);
        await Service.CreateTableIfNotExistsAsync(TableName);
    }

    public async Task DisposeAsync() => await Service.DeleteTableAsync(TableName);

    /// <summary>A log on the fixture's table; its table creation is done, so it sends only what the test asks for.</summary>
    public async Task<TableRunEventLog> LogAsync(Action<RunEventLogOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new RunEventLogOptions { TableName = TableName };
        configure?.Invoke(options);
        var log = new TableRunEventLog(Service, options, time);
        await log.InitializeAsync();
        return log;
    }

    /// <summary>Every row of a run's partition (segments and end marker).</summary>
    public async Task<int> CountRowsAsync(string runId)
    {
        var count = 0;
        await foreach (var row in Service.GetTableClient(TableName).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}"), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}

/// <summary>Fails requests as a storage outage would, or sends a transaction and then loses its response.</summary>
public sealed class OutagePolicy : HttpPipelinePolicy
{
    private int _failed;

    /// <summary>While set, every request fails with a 503 before it is sent.</summary>
    public bool Down { get; set; }

    /// <summary>When set, the next transaction is applied by the service but its caller gets a failure.</summary>
    public bool LoseNextTransactionResponse { get; set; }

    /// <summary>When set, this many more transactions go through; then the outage starts (<see cref="Down"/>) with the next one.</summary>
    public int? TransactionsBeforeDown { get; set; }

    public int Failed => Volatile.Read(ref _failed);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (TransactionsBeforeDown is { } left && IsTransaction(message))
        {
            TransactionsBeforeDown = left > 0 ? left - 1 : null;
            Down |= left == 0;
        }

        if (Down)
        {
            Interlocked.Increment(ref _failed);
            throw new RequestFailedException(503, "The storage service is unavailable (test outage).");
        }

        await ProcessNextAsync(message, pipeline);
        if (LoseNextTransactionResponse && IsTransaction(message))
        {
            LoseNextTransactionResponse = false;
            Interlocked.Increment(ref _failed);
            throw new RequestFailedException(500, "The connection was reset before the response arrived (test).");
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        => throw new NotSupportedException("The table client is async only.");

    private static bool IsTransaction(HttpMessage message) => message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal);
}

internal static class RunEventTestData
{
    public static string NewRun() => Guid.NewGuid().ToString("D");

    public static JsonElement Json(string json) => JsonElement.Parse(json);

    /// <summary>A token delta as the messages-tuple stream mode sends it, about 100 characters.</summary>
    public static RunEvent Token(long sequence)
        => new(sequence, RunEvent.Messages, Json($$"""[{"type":"AIMessageChunk","content":"tok{{sequence}}","id":"run-1"},{"langgraph_step":1}]"""));

    /// <summary>
    /// A <c>values</c> event of a long thread: messages of at least <paramref name="bytes"/> bytes of UTF-8 in
    /// all, with quotes, markup, non-ASCII characters and line breaks, so the stored JSON has escapes and multi-byte characters.
    /// </summary>
    public static RunEvent Values(long sequence, int bytes)
    {
        var unit = "héllo \"wörld\" <b>日本語</b> & 🚀\n";
        var messages = new List<object>();
        for (var total = 0; total < bytes;)
        {
            var content = $"message {messages.Count} of event {sequence}: " + string.Concat(Enumerable.Repeat(unit, 300));
            messages.Add(new { type = messages.Count % 2 == 0 ? "human" : "ai", content, id = $"m{messages.Count}" });
            total += Encoding.UTF8.GetByteCount(content);
        }

        return new RunEvent(sequence, RunEvent.Values, JsonSerializer.SerializeToElement(new { messages }));
    }

    /// <summary>An event whose data is exactly <paramref name="bytes"/> bytes of compact JSON (ASCII).</summary>
    public static RunEvent OfJsonBytes(long sequence, int bytes)
        => new(sequence, RunEvent.Values, Json("{\"v\":\"" + new string('x', bytes - 8) + "\"}"));

    /// <summary>Whether two lists hold the same events: sequence numbers, names and data.</summary>
    public static void AssertSameEvents(IReadOnlyList<RunEvent> expected, IReadOnlyList<RunEvent> actual)
    {
        Assert.Equal(Sequences(expected), Sequences(actual));
        Assert.All(expected.Zip(actual), pair =>
        {
            Assert.Equal(pair.First.Event, pair.Second.Event);
            Assert.True(JsonElement.DeepEquals(pair.First.Data, pair.Second.Data), $"event {pair.First.Sequence} differs");
        });
    }

    public static async Task WriteAsync(IRunEventWriter writer, long from, long count, Func<long, RunEvent>? create = null)
    {
        for (var sequence = from; sequence < from + count; sequence++)
        {
            await writer.AppendAsync((create ?? Token)(sequence));
        }
    }

    public static async Task<List<RunEvent>> ToListAsync(IAsyncEnumerable<RunEvent> events)
    {
        var list = new List<RunEvent>();
        await foreach (var runEvent in events)
        {
            list.Add(runEvent);
        }

        return list;
    }

    public static long[] Sequences(IEnumerable<RunEvent> events) => [.. events.Select(e => e.Sequence)];

    public static long[] Range(long from, long count) => [.. Enumerable.Range(0, (int)count).Select(i => from + i)];
}

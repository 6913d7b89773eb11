using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Tables;
using AgentFunctions.Storage.Threads;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// Compaction: a 10,000-checkpoint thread compacted to its latest 100 by the compaction handler (time,
/// rows deleted, the thread's stored bytes before and after, its state unchanged); and deleting
/// checkpoint rows one by one versus in 100-row entity-group transactions, in the same run, median of
/// alternating rounds (goal: >= 10x): once as Azurite answers on loopback (no network at all), and once with
/// a delay (1 ms asked for; what the timer gives is measured and printed) before every request, a stand-in for
/// the round trip to a storage account in the same region.
/// </summary>
internal static class CompactionBenchmark
{
    private const int Checkpoints = 10_000;
    private const int Keep = 100;
    private const int MessageChars = 200;
    private const int DeleteRows = 2_000;
    private const int DeleteRounds = 5;
    private const string Owner = "bench";

    public static async Task RunAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var tables = new[] { "benchcp", "benchth", "benchas", "benchru", "benchev" }.Select(name => name + suffix).ToArray();
        var store = new TableCheckpointStore(service, new CheckpointStoreOptions { TableName = tables[0] });
        var threads = new TableThreadStore(service, tables[1]);
        var runs = new TableRunStore(service, tables[3]);
        var events = new TableRunEventLog(service, new RunEventLogOptions { TableName = tables[4] });
        var handler = new CompactionHandler(
            store, store, runs, new TableAssistantStore(service, tables[2]), events, new ThreadDeletion(threads, runs, runs, events, store),
            new CompactionOptions { Threshold = Keep, KeepLatest = Keep });
        var table = service.GetTableClient(tables[0]);
        await table.CreateIfNotExistsAsync();
        try
        {
            await CompactAsync(store, table, handler);
            await DeletesAsync(table, "on loopback");
            var delay = new DelayPolicy(TimeSpan.FromMilliseconds(1));
            var distant = new TableClientOptions();
            distant.AddPolicy(delay, Azure.Core.HttpPipelinePosition.PerRetry);
            await DeletesAsync(new TableServiceClient(connectionString, distant).GetTableClient(tables[0]), "with a delay before every request");
            Console.WriteLine($"  (the delay, measured: {delay.MeanAdded.TotalMilliseconds:F1} ms a request on average; a round trip to an account in the same region is a few ms)");
        }
        finally
        {
            foreach (var name in tables)
            {
                await service.DeleteTableAsync(name);
            }
        }
    }

    private static async Task CompactAsync(TableCheckpointStore store, TableClient table, CompactionHandler handler)
    {
        const string thread = "long";
        var partition = OwnerKey.ToPartitionKey(Owner) + "|" + thread;
        var write = Stopwatch.StartNew();
        await WriteThreadAsync(store, thread);
        write.Stop();
        var hashBefore = await StateHashAsync(store, thread);
        var stateChars = (await store.GetLatestAsync(Owner, thread))!.Values.ToJson().Length;
        var rowsBefore = await CountRowsAsync(table, partition);
        Console.WriteLine($"a thread of {Checkpoints:N0} checkpoints ({Checkpoints / 4:N0} turns of a human and an ai message of ~{MessageChars} characters, 4 checkpoints a turn; written in {write.Elapsed.TotalSeconds:F0} s):");
        Console.WriteLine($"  stored before: {rowsBefore:N0} rows");
        var bytesBefore = await CheckpointBenchmark.StoredBytesAsync(table, partition);

        var compaction = Stopwatch.StartNew();
        var result = await handler.HandleAsync(new CompactionMessage(Owner, thread));
        compaction.Stop();
        var seconds = compaction.Elapsed.TotalSeconds;
        var kept = 0;
        await foreach (var summary in store.GetCheckpointSummariesAsync(Owner, thread))
        {
            kept++;
        }

        var rowsAfter = await CountRowsAsync(table, partition);
        Console.WriteLine($"compacted to the latest {Keep} by the compaction handler ({result.Outcome}), end to end (plan, snapshot, deletes, mark):");
        Console.WriteLine($"  time                        {seconds,12:F2} s");
        Console.WriteLine($"  checkpoints deleted         {result.CheckpointsDeleted,12:N0}  ({kept:N0} left)");
        Console.WriteLine($"  rows deleted                {result.RowsDeleted,12:N0}  in {result.Transactions:N0} transactions ({result.RowsDeleted / (double)Math.Max(1, result.Transactions):F1} rows each); {result.SnapshotsWritten} snapshot written");
        Console.WriteLine($"  rows deleted per second     {result.RowsDeleted / seconds,12:N0}  (end to end)");
        Console.WriteLine($"  state unchanged             {(hashBefore == await StateHashAsync(store, thread) ? "yes" : "NO"),12}");
        Console.WriteLine($"  stored after: {rowsAfter:N0} rows");
        var bytesAfter = await CheckpointBenchmark.StoredBytesAsync(table, partition);
        Console.WriteLine($"  stored bytes: {bytesBefore:N0} before, {bytesAfter:N0} after = {bytesAfter / (double)bytesBefore:P1} of before");
        Console.WriteLine($"  (the current state alone, its values' JSON in UTF-16 as the service counts it: {stateChars * 2L:N0} bytes; every kept checkpoint needs it, so one snapshot of it stays)");
    }

    private static async Task DeletesAsync(TableClient table, string how)
    {
        // Rows shaped like checkpoint rows, loaded in transactions before each round (so that every round
        // meets a table of the same size); in each round the same number is deleted one by one and in
        // transactions, alternating which goes first, so that warm-up favours neither.
        var partition = "deletes-" + Guid.NewGuid().ToString("N")[..8];
        var metadata = "{\"source\":\"loop\",\"step\":1,\"parents\":{},\"run_id\":\"" + Guid.NewGuid() + "\"}";
        var created = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        async Task LoadAsync(int first)
        {
            foreach (var chunk in Enumerable.Range(first, 2 * DeleteRows).Chunk(TableLimits.MaxTransactionActions))
            {
                await table.SubmitTransactionAsync(chunk.Select(seq => TableRows.Action(TableTransactionActionType.Add, new CheckpointRow
                {
                    PartitionKey = partition,
                    RowKey = CheckpointKeys.Checkpoint(seq),
                    ParentDeltaMs = 1,
                    Seq = seq,
                    Step = 1,
                    Source = "loop",
                    Metadata = metadata,
                    CreatedAt = created,
                })));
            }
        }

        async Task<double> SingleAsync(int first)
        {
            var stopwatch = Stopwatch.StartNew();
            for (var seq = first; seq < first + DeleteRows; seq++)
            {
                await table.DeleteEntityAsync(partition, CheckpointKeys.Checkpoint(seq));
            }

            return DeleteRows / stopwatch.Elapsed.TotalSeconds;
        }

        async Task<double> BatchedAsync(int first)
        {
            var stopwatch = Stopwatch.StartNew();
            foreach (var chunk in Enumerable.Range(first, DeleteRows).Chunk(TableLimits.MaxTransactionActions))
            {
                await table.SubmitTransactionAsync(chunk.Select(seq => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, CheckpointKeys.Checkpoint(seq)), Azure.ETag.All)));
            }

            return DeleteRows / stopwatch.Elapsed.TotalSeconds;
        }

        var single = new List<double>();
        var batched = new List<double>();
        for (var round = 0; round < DeleteRounds; round++)
        {
            var first = 1 + (round * 2 * DeleteRows);
            await LoadAsync(first);
            if (round % 2 == 0)
            {
                single.Add(await SingleAsync(first));
                batched.Add(await BatchedAsync(first + DeleteRows));
            }
            else
            {
                batched.Add(await BatchedAsync(first + DeleteRows));
                single.Add(await SingleAsync(first));
            }
        }

        var singleRate = Median(single);
        var batchedRate = Median(batched);
        Console.WriteLine($"deleting checkpoint rows one by one and in transactions, {how}, {DeleteRows:N0} rows each way per round, median of {DeleteRounds} rounds:");
        Console.WriteLine($"  one DeleteEntity at a time  {singleRate,12:N0} rows/s  (rounds: {string.Join(", ", single.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"  transactions of 100         {batchedRate,12:N0} rows/s  (rounds: {string.Join(", ", batched.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"  ratio transactions/single   {batchedRate / singleRate,12:F1}x (goal >= 10x)");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Turns as runs and clients write them: the input, its application, the reply, a title update.</summary>
    private static async Task WriteThreadAsync(TableCheckpointStore store, string thread)
    {
        var random = new Random(7);
        string? parent = null;
        for (var turn = 0; turn < Checkpoints / 4; turn++)
        {
            var input = StateUpdate.FromMessages(new HumanMessage { Content = Text(random), Id = $"h{turn}" });
            var reply = StateUpdate.FromMessages(new AIMessage { Content = Text(random), Id = $"a{turn}" });
            var title = new StateUpdate(null, new Dictionary<string, JsonElement> { ["title"] = JsonSerializer.SerializeToElement($"turn {turn}") });
            parent = await PutAsync(store, thread, parent, -1, CheckpointSource.Input, StateUpdate.Empty, ("__start__", input));
            parent = await PutAsync(store, thread, parent, 0, CheckpointSource.Loop, input, null);
            parent = await PutAsync(store, thread, parent, 1, CheckpointSource.Loop, reply, ("agent", reply));
            parent = await PutAsync(store, thread, parent, 2, CheckpointSource.Update, title, ("__update__", title));
        }
    }

    private static async Task<string> PutAsync(TableCheckpointStore store, string thread, string? parent, int step, CheckpointSource source, StateUpdate delta, (string Node, StateUpdate Update)? writes)
    {
        var put = await store.PutAsync(new CheckpointWrite
        {
            OwnerId = Owner,
            ThreadId = thread,
            ParentCheckpointId = parent,
            Step = step,
            Source = source,
            Delta = delta,
            Writes = writes is { } w ? NodeWrites(w.Node, w.Update) : null,
            Metadata = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["source"] = source.ToString().ToLowerInvariant(), ["step"] = step, ["parents"] = new Dictionary<string, string>() }),
        });
        return put.CheckpointId;
    }

    private static JsonElement NodeWrites(string node, StateUpdate update)
    {
        using var document = JsonDocument.Parse($"{{{JsonSerializer.Serialize(node)}:{update.ToJson()}}}");
        return document.RootElement.Clone();
    }

    private static string Text(Random random)
    {
        var builder = new StringBuilder(MessageChars + 8);
        while (builder.Length < MessageChars)
        {
            builder.Append("word").Append(random.Next(10_000)).Append(' ');
        }

        return builder.ToString(0, MessageChars);
    }

    private static async Task<string> StateHashAsync(TableCheckpointStore store, string thread)
    {
        var latest = await store.GetLatestAsync(Owner, thread) ?? throw new InvalidOperationException("The thread has no checkpoints.");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(latest.Values.ToJson())));
    }

    private static async Task<int> CountRowsAsync(TableClient table, string partition)
    {
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}

/// <summary>Waits before each request is sent: a stand-in for a network round trip that loopback does not have.</summary>
internal sealed class DelayPolicy(TimeSpan delay) : Azure.Core.Pipeline.HttpPipelinePolicy
{
    private long _ticks;
    private long _requests;

    /// <summary>The delay the timer actually gave, on average.</summary>
    public TimeSpan MeanAdded => TimeSpan.FromTicks(Interlocked.Read(ref _ticks) / Math.Max(1, Interlocked.Read(ref _requests)));

    public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        Thread.Sleep(delay);
        Count(started);
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(delay, message.CancellationToken).ConfigureAwait(false);
        Count(started);
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    private void Count(long started)
    {
        Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(started).Ticks);
        Interlocked.Increment(ref _requests);
    }
}

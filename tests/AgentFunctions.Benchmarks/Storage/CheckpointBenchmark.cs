using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Owners;
using AgentFunctions.Storage.Tables;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The checkpoint store: bytes stored for a 1,000-turn thread against the bytes of its messages
/// (goal &lt;= 3x, with what full state per checkpoint would store beside it); get-latest latency at
/// turn 10 and at turn 1,000 (goal: flat); metadata-only history paging against a raw query of the
/// same rows (goal &gt;= 0.85x); managed memory while streaming a 100,000-checkpoint history (goal: flat, &lt; 50 MB).
/// </summary>
internal static class CheckpointBenchmark
{
    private const int Turns = 1000;
    private const int MessageChars = 500;
    private const int LongHistory = 100_000;
    private const string Owner = "bench";

    public static async Task RunAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var tableName = "benchcp" + Guid.NewGuid().ToString("N")[..10];
        var store = new TableCheckpointStore(service, new CheckpointStoreOptions { TableName = tableName });
        var table = service.GetTableClient(tableName);
        await table.CreateIfNotExistsAsync();
        try
        {
            var thread = "conversation";
            var (messageChars, fullStateChars, latencyAt10) = await WriteConversationAsync(store, thread);
            var latencyAt1000 = await MedianLatencyAsync(() => store.GetLatestAsync(Owner, thread));
            var storedBytes = await StoredBytesAsync(table, OwnerKey.ToPartitionKey(Owner) + "|" + thread);

            Console.WriteLine($"a thread of {Turns:N0} turns (a human and an ai message of ~{MessageChars} characters each, 4 checkpoints per turn):");
            Console.WriteLine($"  messages (UTF-16, as the service counts)    {messageChars * 2,14:N0} bytes");
            Console.WriteLine($"  stored (Azure entity-size formula)          {storedBytes,14:N0} bytes  = {storedBytes / (messageChars * 2.0):F2}x the messages (goal <= 3x)");
            Console.WriteLine($"  full state per checkpoint would store       {fullStateChars * 2,14:N0} bytes  = {fullStateChars / (double)messageChars:F0}x the messages");
            Console.WriteLine($"  get latest, median of 21: turn 10 {latencyAt10.TotalMilliseconds:F1} ms, turn {Turns:N0} {latencyAt1000.TotalMilliseconds:F1} ms (2 requests each)");

            await PagingAsync(store, table, thread);
            await LongHistoryMemoryAsync(store, table);
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    private static async Task<(long MessageChars, long FullStateChars, TimeSpan LatencyAt10)> WriteConversationAsync(TableCheckpointStore store, string thread)
    {
        var random = new Random(42);
        long messageChars = 0, fullStateChars = 0;
        var latencyAt10 = TimeSpan.Zero;
        var state = AgentState.Empty;
        string? parent = null;
        for (var turn = 0; turn < Turns; turn++)
        {
            var human = new HumanMessage { Content = Words(random, MessageChars), Id = $"h{turn}" };
            var ai = new AIMessage { Content = Words(random, MessageChars), Id = $"a{turn}" };
            messageChars += MessageJson.Serialize(human).Length + MessageJson.Serialize(ai).Length;
            var input = StateUpdate.FromMessages(human);
            var reply = StateUpdate.FromMessages(ai);
            var title = new StateUpdate(null, new Dictionary<string, JsonElement> { ["title"] = JsonSerializer.SerializeToElement($"turn {turn}") });

            // What a LangGraph run writes for a plain reply (input, its application, the agent's reply), and a client's update.
            parent = await PutAsync(store, thread, parent, -1, CheckpointSource.Input, StateUpdate.Empty, Writes("__start__", input));
            fullStateChars += state.ToJson().Length;
            state = state.Apply(input);
            parent = await PutAsync(store, thread, parent, 0, CheckpointSource.Loop, input, null);
            fullStateChars += state.ToJson().Length;
            state = state.Apply(reply);
            parent = await PutAsync(store, thread, parent, 1, CheckpointSource.Loop, reply, Writes("agent", reply));
            fullStateChars += state.ToJson().Length;
            state = state.Apply(title);
            parent = await PutAsync(store, thread, parent, 2, CheckpointSource.Update, title, Writes("__update__", title));
            fullStateChars += state.ToJson().Length;

            if (turn == 9)
            {
                latencyAt10 = await MedianLatencyAsync(() => store.GetLatestAsync(Owner, thread));
            }
        }

        return (messageChars, fullStateChars, latencyAt10);
    }

    private static async Task<string> PutAsync(TableCheckpointStore store, string thread, string? parent, int step, CheckpointSource source, StateUpdate delta, JsonElement? writes)
    {
        var put = await store.PutAsync(new CheckpointWrite
        {
            OwnerId = Owner,
            ThreadId = thread,
            ParentCheckpointId = parent,
            Step = step,
            Source = source,
            Delta = delta,
            Writes = writes,
            Metadata = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["source"] = source.ToString().ToLowerInvariant(), ["step"] = step, ["parents"] = new Dictionary<string, string>() }),
        });
        return put.CheckpointId;
    }

    private static JsonElement Writes(string node, StateUpdate update)
    {
        using var document = JsonDocument.Parse($"{{\"{node}\":{update.ToJson()}}}");
        return document.RootElement.Clone();
    }

    private static async Task PagingAsync(TableCheckpointStore store, TableClient table, string thread)
    {
        const int rounds = 11;
        var partition = OwnerKey.ToPartitionKey(Owner) + "|" + thread;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {"c"} and RowKey lt {"d"}");
        var sas = table.GenerateSasUri(TableSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1));
        using var http = new HttpClient();
        var raw = new List<double>();
        var ours = new List<double>();
        async Task<int> OursAsync()
        {
            var count = 0;
            await foreach (var summary in store.GetCheckpointSummariesAsync(Owner, thread, pageSizeHint: 1000))
            {
                count += summary.CheckpointId.Length > 0 ? 1 : 0;
            }

            return count;
        }

        Task<int> RawAsync() => RawQuery.CountAsync(http, sas, filter, row => row.GetProperty("Q").GetString()!.Length + row.GetProperty("T").GetString()!.Length > 0);

        // The read before the typed summary entity: whole rows as TableEntity, then as CheckpointRow (no summary built).
        var entities = new List<double>();
        async Task<int> EntitiesAsync()
        {
            var count = 0;
            await foreach (var row in table.QueryRowsAsync<CheckpointRow>(filter, maxPerPage: 1000))
            {
                count += row.Seq > 0 ? 1 : 0;
            }

            return count;
        }

        for (var round = 0; round < rounds; round++)
        {
            // Rotate which goes first so that warm-up and caching favour none.
            var runs = new (List<double> Samples, Func<Task<int>> Run)[] { (raw, RawAsync), (ours, OursAsync), (entities, EntitiesAsync) };
            for (var i = 0; i < runs.Length; i++)
            {
                var (samples, run) = runs[(i + round) % runs.Length];
                samples.Add(await TimeAsync(run));
            }
        }

        var count = Turns * 4;
        var rawRate = count / Median(raw);
        var ourRate = count / Median(ours);
        Console.WriteLine($"metadata-only history of {count:N0} checkpoints, median of {rounds}:");
        Console.WriteLine($"  raw HttpClient query of the rows            {rawRate,14:N0} rows/s");
        Console.WriteLine($"  GetCheckpointSummariesAsync                 {ourRate,14:N0} checkpoints/s  = {ourRate / rawRate:F2}x (goal >= 0.85x)");
        var entityRate = count / Median(entities);
        Console.WriteLine($"  whole rows, TableEntity -> CheckpointRow    {entityRate,14:N0} rows/s  = {entityRate / rawRate:F2}x (the read before)");
    }

    private static async Task LongHistoryMemoryAsync(TableCheckpointStore store, TableClient table)
    {
        // The rows are loaded directly, 100 to a transaction: writing them one put at a time would take minutes and measure nothing new.
        var thread = "long";
        var partition = OwnerKey.ToPartitionKey(Owner) + "|" + thread;
        var load = Stopwatch.StartNew();
        var metadata = "{\"source\":\"loop\",\"step\":0,\"parents\":{},\"run_id\":\"" + Guid.NewGuid() + "\"}";
        foreach (var chunk in Enumerable.Range(1, LongHistory).Chunk(TableLimits.MaxTransactionActions))
        {
            await table.SubmitTransactionAsync(chunk.Select(seq => TableRows.Action(TableTransactionActionType.Add, new CheckpointRow
            {
                PartitionKey = partition,
                RowKey = CheckpointKeys.Checkpoint(seq),
                ParentId = seq > 1 ? CheckpointIds.Create(seq - 1, DateTimeOffset.UtcNow) : null,
                Seq = seq,
                Step = seq,
                Source = "loop",
                Metadata = metadata,
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            })));
        }

        load.Stop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long peakLive = baseline, peakHeap = baseline, count = 0;
        var stream = Stopwatch.StartNew();
        await foreach (var summary in store.GetCheckpointSummariesAsync(Owner, thread, pageSizeHint: 1000))
        {
            if (++count % 250 == 0)
            {
                // The heap with this moment's garbage, and (now and then) what is still alive after a full collection.
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                if (count % 10_000 == 0)
                {
                    peakLive = Math.Max(peakLive, GC.GetTotalMemory(forceFullCollection: true));
                }
            }
        }

        stream.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Console.WriteLine($"streaming a {LongHistory:N0}-checkpoint history (metadata only) to a null sink (rows loaded in {load.Elapsed.TotalSeconds:F1} s):");
        Console.WriteLine($"  {count:N0} checkpoints in {stream.Elapsed.TotalSeconds:F1} s ({count / stream.Elapsed.TotalSeconds:N0}/s)");
        Console.WriteLine($"  live managed memory: baseline {baseline / 1e6:F1} MB, peak {peakLive / 1e6:F1} MB, growth {(peakLive - baseline) / 1e6:F1} MB (goal: flat, < 50 MB)");
        Console.WriteLine($"  managed heap including uncollected garbage: peak {peakHeap / 1e6:F1} MB; allocated in all {allocated / 1e6:F0} MB ({allocated / (double)count:F0} bytes per checkpoint)");
    }

    private static async Task<TimeSpan> MedianLatencyAsync(Func<Task> read)
    {
        var samples = new List<TimeSpan>();
        for (var i = 0; i < 21; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await read();
            samples.Add(stopwatch.Elapsed);
        }

        return samples.Order().ElementAt(samples.Count / 2);
    }

    /// <summary>A partition's size by Azure's entity-size formula, printed by kind of row; the total.</summary>
    internal static async Task<long> StoredBytesAsync(TableClient table, string partition)
    {
        // Azure's entity size: 4 + 2 x (PartitionKey + RowKey) + per property 8 + 2 x name + value (strings 4 + 2 x length).
        var byKind = new SortedDictionary<string, (int Rows, long Bytes)>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            long total = 4 + (2 * (entity.PartitionKey.Length + entity.RowKey.Length));
            foreach (var (name, value) in entity)
            {
                if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
                {
                    continue; // in the SDK's entity, but not properties
                }

                total += 8 + (2 * name.Length) + value switch
                {
                    string s => 4 + (2 * s.Length),
                    byte[] b => 4 + b.Length,
                    int => 4,
                    bool => 1,
                    Guid => 16,
                    _ => 8,
                };
            }

            var kind = entity.RowKey[0] == 'c' ? "checkpoint rows" : entity.RowKey.Length < 21 ? "compaction mark" : entity.RowKey[20] switch
            {
                'b' => "delta blocks",
                'd' => "large deltas",
                _ => "snapshots",
            };
            var (rows, bytes) = byKind.GetValueOrDefault(kind);
            byKind[kind] = (rows + 1, bytes + total);
        }

        foreach (var (kind, (rows, bytes)) in byKind)
        {
            Console.WriteLine($"    {kind,-16} {rows,7:N0} rows {bytes,14:N0} bytes");
        }

        return byKind.Values.Sum(v => v.Bytes);
    }

    private static string Words(Random random, int chars)
    {
        string[] vocabulary = ["agent", "thread", "storage", "checkpoint", "stream", "model", "tool", "answer", "question", "because", "however", "the", "a", "of", "and", "to", "is", "with", "for", "on", "state", "history", "message", "table", "queue"];
        var builder = new System.Text.StringBuilder(chars + 16);
        while (builder.Length < chars)
        {
            builder.Append(vocabulary[random.Next(vocabulary.Length)]).Append(random.Next(3) == 0 ? random.Next(1000).ToString(CultureInfo.InvariantCulture) : string.Empty).Append(' ');
        }

        return builder.ToString(0, chars);
    }

    private static async Task<double> TimeAsync(Func<Task<int>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        await run();
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

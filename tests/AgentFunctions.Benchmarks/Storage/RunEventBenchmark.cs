using System.Diagnostics;
using System.Text.Json;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Storage.RunEvents;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The run event log: 20,000 token-delta events (~100 characters each) appended through the writer
/// as fast as it takes them, then read back and replayed by a follower (events/s, rows written, events
/// per row); then 1,000 events appended at a token stream's pace (~200/s) with a follower tailing them
/// (rows, events per row, and how long an event takes from append to follower).
/// </summary>
internal static class RunEventBenchmark
{
    private const int Events = 20_000;
    private const int Rounds = 3;
    private const int PacedEvents = 1_000;
    private static readonly TimeSpan PacedGap = TimeSpan.FromMilliseconds(5);

    public static async Task RunAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var tableName = "benchev" + Guid.NewGuid().ToString("N")[..10];
        var log = new TableRunEventLog(service, new RunEventLogOptions { TableName = tableName });
        var table = service.GetTableClient(tableName);
        await log.InitializeAsync();
        try
        {
            await ThroughputAsync(log, table);
            await PacedAsync(log, table);
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    private static async Task ThroughputAsync(TableRunEventLog log, TableClient table)
    {
        var writes = new List<double>();
        var reads = new List<double>();
        var follows = new List<double>();
        var rows = 0;
        long chars = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var run = Guid.NewGuid().ToString("D");
            var events = Enumerable.Range(0, Events).Select(i => Token(i)).ToList();
            chars = events.Sum(e => (long)e.Event.Length + e.Data.GetRawText().Length + 2);

            var watch = Stopwatch.StartNew();
            await using (var writer = log.OpenWriter(run))
            {
                foreach (var runEvent in events)
                {
                    await writer.AppendAsync(runEvent);
                }

                await writer.CompleteAsync();
            }

            writes.Add(watch.Elapsed.TotalSeconds);

            watch.Restart();
            var read = 0;
            await foreach (var runEvent in log.ReadAsync(run))
            {
                read++;
            }

            reads.Add(watch.Elapsed.TotalSeconds);

            watch.Restart();
            var followed = 0;
            await foreach (var runEvent in log.FollowAsync(run))
            {
                followed++;
            }

            follows.Add(watch.Elapsed.TotalSeconds);
            if (read != Events || followed != Events)
            {
                throw new InvalidOperationException($"Read {read:N0} and followed {followed:N0} events of {Events:N0}.");
            }

            rows = await CountRowsAsync(table, run) - 1; // less the end marker
        }

        Console.WriteLine($"{Events:N0} token deltas (~{chars / Events} characters each), appended as fast as the writer takes them; median of {Rounds} rounds:");
        Console.WriteLine($"  write (append all, complete)   {Events / Median(writes),12:N0} events/s  ({Median(writes) * 1000:N0} ms)");
        Console.WriteLine($"  read (ReadAsync, all)          {Events / Median(reads),12:N0} events/s  ({Median(reads) * 1000:N0} ms)");
        Console.WriteLine($"  replay (FollowAsync, complete) {Events / Median(follows),12:N0} events/s  ({Median(follows) * 1000:N0} ms)");
        Console.WriteLine($"  rows written                   {rows,12:N0} segments + 1 end marker");
        Console.WriteLine($"  events per row                 {Events / (double)rows,12:N1}");
    }

    private static async Task PacedAsync(TableRunEventLog log, TableClient table)
    {
        var run = Guid.NewGuid().ToString("D");
        var appendedAt = new long[PacedEvents];
        var lags = new List<double>(PacedEvents);
        var follower = Task.Run(async () =>
        {
            await foreach (var runEvent in log.FollowAsync(run))
            {
                lags.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref appendedAt[runEvent.Sequence])).TotalMilliseconds);
            }
        });

        var watch = Stopwatch.StartNew();
        await using (var writer = log.OpenWriter(run))
        {
            for (var i = 0; i < PacedEvents; i++)
            {
                Volatile.Write(ref appendedAt[i], Stopwatch.GetTimestamp());
                await writer.AppendAsync(Token(i));
                await Task.Delay(PacedGap);
            }

            await writer.CompleteAsync();
        }

        var elapsed = watch.Elapsed.TotalSeconds;
        await follower;
        var rows = await CountRowsAsync(table, run) - 1;
        lags.Sort();
        Console.WriteLine($"{PacedEvents:N0} token deltas at a stream's pace ({PacedEvents / elapsed:N0} events/s, flush interval 200 ms), a follower tailing them:");
        Console.WriteLine($"  rows written                   {rows,12:N0}  ({PacedEvents / (double)rows:N1} events per row)");
        Console.WriteLine($"  append to follower, median     {lags[lags.Count / 2],12:N0} ms   p95 {lags[lags.Count * 95 / 100]:N0} ms, max {lags[^1]:N0} ms");
    }

    private static RunEvent Token(int sequence)
        => new(sequence, RunEvent.Messages, JsonElement.Parse($$"""[{"type":"AIMessageChunk","content":" tok{{sequence % 1000}}","id":"run-bench"},{"langgraph_step":1}]"""));

    private static async Task<int> CountRowsAsync(TableClient table, string run)
    {
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {run}"), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

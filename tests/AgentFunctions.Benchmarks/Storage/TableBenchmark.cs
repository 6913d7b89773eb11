using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.Storage.Tables;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The SDK's table client against the same storage: enumerating 20,000 entities as the stores read them
/// (the SDK's <c>QueryAsync&lt;TableEntity&gt;</c> mapped to reflection-free rows), as the SDK's typed POCO
/// query reads them, and through a raw HttpClient loop over the same REST pages, each reading every column and
/// then only the columns it needs (<c>$select</c>, the same for all three; goal: ratio >= 0.9 for the typed
/// entity with <c>$select</c>); inserting 2,000 entities one by one versus in 100-entity transactions, and
/// deleting them the same two ways and by a hand-built <c>$batch</c> (compaction deletes in 100-entity
/// transactions; goal: at least 8 times the rate of single deletes).
/// </summary>
/// <remarks>
/// The writes have a table of their own: Azurite's cost of a delete grows with the number of entities in its
/// table (its in-memory collection rewrites both of its key indexes on every remove), so the 20,000 query
/// entities would add the same cost to every delete, single or batched, and hide what a transaction saves.
/// Each write figure is the median of <see cref="WriteRounds"/> rounds on fresh partitions, after a warm-up,
/// with the order of the ways rotated from round to round.
/// </remarks>
internal static class TableBenchmark
{
    private const int QueryEntities = 20_000;
    private const int WriteEntities = 2_000;
    private const int WarmUpEntities = 200;
    private const int Rounds = 5;
    private const int WriteRounds = 3;

    /// <summary>What every query reads of each entity, its <c>$select</c> when it selects.</summary>
    private static readonly string[] Columns = ["RowKey", "Body", "N"];

    public static async Task RunAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var reads = service.GetTableClient("bench" + Guid.NewGuid().ToString("N")[..12]);
        var writes = service.GetTableClient("bench" + Guid.NewGuid().ToString("N")[..12]);
        await reads.CreateIfNotExistsAsync();
        await writes.CreateIfNotExistsAsync();
        try
        {
            await QueryAsync(reads);
            await WriteAsync(service, writes);
        }
        finally
        {
            await reads.DeleteAsync();
            await writes.DeleteAsync();
        }
    }

    private static async Task QueryAsync(TableClient table)
    {
        const string partition = "query";
        await AddAsync(table, partition, QueryEntities);

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var sas = table.GenerateSasUri(TableSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1));
        using var http = new HttpClient();
        var ways = new (string Name, Func<Task<int>> Run)[]
        {
            ("raw HttpClient loop (SAS)", () => RawQuery.CountAsync(http, sas, filter, ReadRaw)),
            ("SDK QueryAsync<TableEntity> -> rows", () => RowsAsync(table, filter, null)),
            ("SDK QueryAsync<POCO> (reflection)", () => PocosAsync(table, filter, null)),
            ("raw HttpClient loop, $select", () => RawQuery.CountAsync(http, sas, filter, ReadRaw, Columns)),
            ("SDK rows, $select", () => RowsAsync(table, filter, Columns)),
            ("SDK QueryAsync<POCO>, $select", () => PocosAsync(table, filter, Columns)),
        };
        var samples = await SampleAsync(ways, Rounds, QueryEntities);

        Console.WriteLine($"enumerate {QueryEntities:N0} entities, median of {Rounds} rounds (ratios against the raw loop that reads the same columns):");
        for (var i = 0; i < ways.Length; i++)
        {
            var rate = QueryEntities / Median(samples[i]);
            var baseline = QueryEntities / Median(samples[i < 3 ? 0 : 3]);
            var ratio = i % 3 == 0 ? string.Empty : $"  ratio {rate / baseline:F2}" + (i == 5 ? " (goal >= 0.90)" : string.Empty);
            Console.WriteLine($"  {ways[i].Name,-38} {rate,12:N0} entities/s  ({Median(samples[i]) * 1000:N0} ms){ratio}");
        }
    }

    private static async Task WriteAsync(TableServiceClient service, TableClient table)
    {
        var sas = service.GenerateSasUri(TableAccountSasPermissions.All, TableAccountSasResourceTypes.All, DateTimeOffset.UtcNow.AddHours(1));
        using var http = new HttpClient();
        var round = 0;
        var keys = Enumerable.Range(0, WriteEntities).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).ToList();

        // Each way inserts or deletes the first count of the keys in a partition of its own, fresh for each round.
        var inserts = new (string Name, Func<int, Task<int>> Run)[]
        {
            ("one by one", async count =>
            {
                foreach (var key in keys.Take(count))
                {
                    await table.AddEntityAsync(new TableEntity($"single{round}", key) { ["Body"] = new string('x', 200) });
                }

                return count;
            }),
            ("100-entity transactions", async count => await AddAsync(table, $"batched{round}", count)),
        };
        var deletes = new (string Name, Func<int, Task<int>> Run)[]
        {
            ("one by one", async count =>
            {
                foreach (var key in keys.Take(count))
                {
                    await table.DeleteEntityAsync($"single{round}", key);
                }

                return count;
            }),
            ("100-entity transactions", async count =>
            {
                foreach (var chunk in keys.Take(count).Chunk(TableLimits.MaxTransactionActions))
                {
                    await table.SubmitTransactionAsync(chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity($"batched{round}", key), Azure.ETag.All)));
                }

                return count;
            }),
            ("raw $batch, same deletes", async count =>
            {
                foreach (var chunk in keys.Take(count).Chunk(TableLimits.MaxTransactionActions))
                {
                    await RawBatch.DeleteAsync(http, sas, table.Name, $"raw{round}", chunk);
                }

                return count;
            }),
        };

        var insertSamples = inserts.Select(_ => new List<double>()).ToArray();
        var deleteSamples = deletes.Select(_ => new List<double>()).ToArray();
        for (; round <= WriteRounds; round++)
        {
            // Round 0 is the warm-up: every way once, on a few entities, not counted.
            var count = round == 0 ? WarmUpEntities : WriteEntities;
            var inserted = await SampleAsync(inserts, round, count);
            await AddAsync(table, $"raw{round}", count);
            var deleted = await SampleAsync(deletes, round, count);
            if (round > 0)
            {
                Append(insertSamples, inserted);
                Append(deleteSamples, deleted);
            }
        }

        Print("insert", inserts.Select(w => w.Name), insertSamples, null);
        Print("delete", deletes.Select(w => w.Name), deleteSamples, " (goal >= 8x)");
    }

    /// <summary>Times each way <paramref name="rounds"/> times, rotating which goes first so that warm-up and caching favour none.</summary>
    private static async Task<List<double>[]> SampleAsync(IReadOnlyList<(string Name, Func<Task<int>> Run)> ways, int rounds, int expected)
    {
        var samples = ways.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < ways.Count; i++)
            {
                var way = (i + round) % ways.Count;
                samples[way].Add(await TimeAsync(ways[way].Run, expected));
            }
        }

        return samples;
    }

    /// <summary>Times each way once on <paramref name="count"/> entities, the order rotated by <paramref name="round"/>.</summary>
    private static async Task<double[]> SampleAsync(IReadOnlyList<(string Name, Func<int, Task<int>> Run)> ways, int round, int count)
    {
        var seconds = new double[ways.Count];
        for (var i = 0; i < ways.Count; i++)
        {
            var way = (i + round) % ways.Count;
            seconds[way] = await TimeAsync(() => ways[way].Run(count), count);
        }

        return seconds;
    }

    private static void Append(List<double>[] samples, double[] seconds)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i].Add(seconds[i]);
        }
    }

    private static void Print(string what, IEnumerable<string> names, List<double>[] samples, string? goal)
    {
        Console.WriteLine($"{what} {WriteEntities:N0} entities, median of {WriteRounds} rounds:");
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var ratio = i == 0 ? string.Empty : $"  ratio to one by one {Median(samples[0]) / Median(samples[i]),5:F1}x" + (i == 1 ? goal : string.Empty);
            Console.WriteLine($"  {name,-26} {WriteEntities / Median(samples[i]),8:N0} entities/s  ({Median(samples[i]) * 1000:N0} ms){ratio}");
        }
    }

    /// <summary>Adds <paramref name="count"/> entities to <paramref name="partition"/> in 100-entity transactions.</summary>
    private static async Task<int> AddAsync(TableClient table, string partition, int count)
    {
        foreach (var chunk in Enumerable.Range(0, count).Chunk(TableLimits.MaxTransactionActions))
        {
            await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(
                TableTransactionActionType.Add,
                new TableEntity(partition, i.ToString("D6", CultureInfo.InvariantCulture)) { ["Body"] = new string('x', 200), ["N"] = (long)i })));
        }

        return count;
    }

    private static async Task<int> RowsAsync(TableClient table, string filter, string[]? select)
    {
        var count = 0;
        await foreach (var entity in table.QueryRowsAsync<BenchRow>(filter, select: select))
        {
            count += entity.RowKey.Length + entity.Body.Length > 0 && entity.N >= 0 ? 1 : 0;
        }

        return count;
    }

    private static async Task<int> PocosAsync(TableClient table, string filter, string[]? select)
    {
        var count = 0;
        await foreach (var entity in table.QueryAsync<BenchPoco>(filter, select: select))
        {
            count += entity.RowKey.Length + entity.Body.Length > 0 && entity.N >= 0 ? 1 : 0;
        }

        return count;
    }

    private static bool ReadRaw(JsonElement entity)
    {
        var rowKey = entity.GetProperty("RowKey").GetString()!;
        var text = entity.GetProperty("Body").GetString()!;
        var n = long.Parse(entity.GetProperty("N").GetString()!, CultureInfo.InvariantCulture);
        return rowKey.Length + text.Length > 0 && n >= 0;
    }

    private static async Task<double> TimeAsync(Func<Task<int>> run, int expected)
    {
        var stopwatch = Stopwatch.StartNew();
        var count = await run();
        stopwatch.Stop();
        if (count != expected)
        {
            throw new InvalidOperationException($"The benchmark saw {count} entities.");
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>What every loop reads of each entity: its row key, its Body and its N (a reflection-free row).</summary>
    private sealed class BenchRow : ITableRow<BenchRow>
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public Azure.ETag ETag { get; set; }

        public string Body { get; init; } = string.Empty;

        public long N { get; init; }

        public static BenchRow ReadEntity(TableEntityReader reader)
            => new() { Body = reader.GetString("Body") ?? string.Empty, N = reader.GetInt64("N") ?? 0 };

        public void WriteProperties(TableEntityWriter writer)
        {
            writer.WriteString("Body", Body);
            writer.WriteInt64("N", N);
        }
    }

    /// <summary>The same, as the SDK's typed entity (read by reflection).</summary>
    private sealed class BenchPoco : ITableEntity
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public Azure.ETag ETag { get; set; }

        public string Body { get; set; } = string.Empty;

        public long N { get; set; }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

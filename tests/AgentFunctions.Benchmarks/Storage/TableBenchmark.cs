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
/// query reads them, and through a raw HttpClient loop over the same REST pages (goal: ratio >= 0.9);
/// inserting 2,000 entities one by one versus in 100-entity transactions, and deleting them the same two ways
/// (compaction deletes in 100-entity transactions; goal: at least 8 times the rate of single deletes).
/// </summary>
internal static class TableBenchmark
{
    private const int QueryEntities = 20_000;
    private const int InsertEntities = 2_000;
    private const int Rounds = 5;

    public static async Task RunAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var table = service.GetTableClient("bench" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        try
        {
            await QueryAsync(table);
            await InsertAsync(table);
            await DeleteAsync(table);
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    private static async Task QueryAsync(TableClient table)
    {
        const string partition = "query";
        foreach (var chunk in Enumerable.Range(0, QueryEntities).Chunk(TableLimits.MaxTransactionActions))
        {
            await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(
                TableTransactionActionType.Add,
                new TableEntity(partition, i.ToString("D6", CultureInfo.InvariantCulture)) { ["Body"] = new string('x', 200), ["N"] = (long)i })));
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var sas = table.GenerateSasUri(TableSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1));
        using var http = new HttpClient();
        var raw = new List<double>();
        var rows = new List<double>();
        var pocos = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            // Rotate which goes first so that warm-up and caching favour none.
            var runs = new (List<double> Samples, Func<Task<int>> Run)[]
            {
                (raw, () => RawQuery.CountAsync(http, sas, filter, ReadRaw)),
                (rows, () => RowsAsync(table, filter)),
                (pocos, () => PocosAsync(table, filter)),
            };
            for (var i = 0; i < runs.Length; i++)
            {
                var (samples, run) = runs[(i + round) % runs.Length];
                samples.Add(await TimeAsync(run));
            }
        }

        var rawRate = QueryEntities / Median(raw);
        var rowRate = QueryEntities / Median(rows);
        var pocoRate = QueryEntities / Median(pocos);
        Console.WriteLine($"enumerate {QueryEntities:N0} entities, median of {Rounds} rounds:");
        Console.WriteLine($"  raw HttpClient loop (SAS)               {rawRate,12:N0} entities/s  ({Median(raw) * 1000:N0} ms)");
        Console.WriteLine($"  SDK QueryAsync<TableEntity> -> rows     {rowRate,12:N0} entities/s  ({Median(rows) * 1000:N0} ms)  ratio {rowRate / rawRate:F2} (goal >= 0.90)");
        Console.WriteLine($"  SDK QueryAsync<POCO> (reflection)       {pocoRate,12:N0} entities/s  ({Median(pocos) * 1000:N0} ms)  ratio {pocoRate / rawRate:F2}");
    }

    private static async Task InsertAsync(TableClient table)
    {
        var single = await TimeAsync(async () =>
        {
            for (var i = 0; i < InsertEntities; i++)
            {
                await table.AddEntityAsync(new TableEntity("single", i.ToString("D6", CultureInfo.InvariantCulture)) { ["Body"] = new string('x', 200) });
            }

            return InsertEntities;
        });
        var batched = await TimeAsync(async () =>
        {
            foreach (var chunk in Enumerable.Range(0, InsertEntities).Chunk(TableLimits.MaxTransactionActions))
            {
                await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(
                    TableTransactionActionType.Add,
                    new TableEntity("batched", i.ToString("D6", CultureInfo.InvariantCulture)) { ["Body"] = new string('x', 200) })));
            }

            return InsertEntities;
        });

        Console.WriteLine($"insert {InsertEntities:N0} entities:");
        Console.WriteLine($"  one by one               {InsertEntities / single,12:N0} entities/s  ({single * 1000:N0} ms)");
        Console.WriteLine($"  100-entity transactions  {InsertEntities / batched,12:N0} entities/s  ({batched * 1000:N0} ms)");
        Console.WriteLine($"  ratio batched/single     {single / batched,12:F1}x");
    }

    private static async Task DeleteAsync(TableClient table)
    {
        // The entities InsertAsync wrote: "single" deleted one request each, "batched" 100 to a transaction.
        var keys = Enumerable.Range(0, InsertEntities).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).ToList();
        var single = await TimeAsync(async () =>
        {
            foreach (var key in keys)
            {
                await table.DeleteEntityAsync("single", key);
            }

            return InsertEntities;
        });
        var batched = await TimeAsync(async () =>
        {
            foreach (var chunk in keys.Chunk(TableLimits.MaxTransactionActions))
            {
                await table.SubmitTransactionAsync(chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("batched", key), Azure.ETag.All)));
            }

            return InsertEntities;
        });

        Console.WriteLine($"delete {InsertEntities:N0} entities:");
        Console.WriteLine($"  one by one               {InsertEntities / single,12:N0} entities/s  ({single * 1000:N0} ms)");
        Console.WriteLine($"  100-entity transactions  {InsertEntities / batched,12:N0} entities/s  ({batched * 1000:N0} ms)");
        Console.WriteLine($"  ratio batched/single     {single / batched,12:F1}x (goal >= 8x)");
    }

    private static async Task<int> RowsAsync(TableClient table, string filter)
    {
        var count = 0;
        await foreach (var entity in table.QueryRowsAsync<BenchRow>(filter))
        {
            count += entity.RowKey.Length + entity.Body.Length > 0 && entity.N >= 0 ? 1 : 0;
        }

        return count;
    }

    private static async Task<int> PocosAsync(TableClient table, string filter)
    {
        var count = 0;
        await foreach (var entity in table.QueryAsync<BenchPoco>(filter))
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

    private static async Task<double> TimeAsync(Func<Task<int>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        var count = await run();
        stopwatch.Stop();
        if (count is not (QueryEntities or InsertEntities))
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

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.Storage;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The table client against the same storage: enumerating 20,000 entities through our
/// AsyncPageable versus a raw HttpClient loop over the same REST pages (goal: ratio >= 0.9),
/// and inserting 2,000 entities one by one versus in 100-entity transactions.
/// </summary>
internal static class TableBenchmark
{
    private const int QueryEntities = 20_000;
    private const int InsertEntities = 2_000;
    private const int Rounds = 5;

    public static async Task RunAsync(string connectionString)
    {
        var connection = StorageConnectionString.Parse(connectionString);
        var service = new TableServiceClient(connection);
        var table = service.GetTableClient("bench" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        try
        {
            await QueryAsync(connection, table);
            await InsertAsync(table);
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    private static async Task QueryAsync(StorageConnectionString connection, TableClient table)
    {
        const string partition = "query";
        foreach (var chunk in Enumerable.Range(0, QueryEntities).Chunk(TableClient.MaxTransactionActions))
        {
            await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(
                TableTransactionActionType.Add,
                new TableEntity(partition, i.ToString("D6", CultureInfo.InvariantCulture)) { ["Body"] = new string('x', 200), ["N"] = (long)i })));
        }

        var filter = TableFilter.Create($"PartitionKey eq {partition}");
        using var http = new HttpClient();
        var raw = new List<double>();
        var ours = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            // Alternate which goes first so that warm-up and caching favour neither.
            if (round % 2 == 0)
            {
                raw.Add(await TimeAsync(() => RawQuery.CountAsync(http, connection, table.Name, filter, ReadRaw)));
                ours.Add(await TimeAsync(() => PageableAsync(table, filter)));
            }
            else
            {
                ours.Add(await TimeAsync(() => PageableAsync(table, filter)));
                raw.Add(await TimeAsync(() => RawQuery.CountAsync(http, connection, table.Name, filter, ReadRaw)));
            }
        }

        var rawRate = QueryEntities / Median(raw);
        var ourRate = QueryEntities / Median(ours);
        Console.WriteLine($"enumerate {QueryEntities:N0} entities, median of {Rounds} rounds:");
        Console.WriteLine($"  raw HttpClient loop      {rawRate,12:N0} entities/s  ({Median(raw) * 1000:N0} ms)");
        Console.WriteLine($"  TableClient.QueryAsync   {ourRate,12:N0} entities/s  ({Median(ours) * 1000:N0} ms)");
        Console.WriteLine($"  ratio ours/raw           {ourRate / rawRate,12:F2}   (goal >= 0.90)");
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
            foreach (var chunk in Enumerable.Range(0, InsertEntities).Chunk(TableClient.MaxTransactionActions))
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

    private static async Task<int> PageableAsync(TableClient table, string filter)
    {
        var count = 0;
        await foreach (var entity in table.QueryAsync<BenchEntity>(filter))
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

    /// <summary>What both loops read of each entity: its row key, its Body and its N.</summary>
    private sealed class BenchEntity : ITableEntity<BenchEntity>
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public Azure.ETag ETag { get; set; }

        public string Body { get; init; } = string.Empty;

        public long N { get; init; }

        public static BenchEntity ReadEntity(TableEntityReader reader)
            => new() { Body = reader.GetString("Body") ?? string.Empty, N = reader.GetInt64("N") ?? 0 };

        public void WriteProperties(TableEntityWriter writer)
        {
            writer.WriteString("Body", Body);
            writer.WriteInt64("N", N);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

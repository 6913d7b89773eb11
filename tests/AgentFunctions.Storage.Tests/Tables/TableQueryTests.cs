using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

/// <summary>One partition of 2,500 entities (RowKeys r00000..r02499) shared by the query tests.</summary>
public sealed class LargePartitionFixture : IAsyncLifetime
{
    public const int Count = 2500;

    public TableFixture Tables { get; } = new();

    public string Partition { get; } = TableFixture.NewPartition();

    public async Task InitializeAsync()
    {
        await Tables.InitializeAsync();
        var rows = Enumerable.Range(0, Count).Select(i => new TableEntity(Partition, RowKey(i)) { ["N"] = i });
        foreach (var chunk in rows.Chunk(TableClient.MaxTransactionActions))
        {
            await Tables.Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        }
    }

    public Task DisposeAsync() => Tables.DisposeAsync();

    public static string RowKey(int i) => $"r{i:D5}";
}

public class TableQueryTests(LargePartitionFixture data) : IClassFixture<LargePartitionFixture>
{
    private readonly TableClient _table = data.Tables.Table;
    private readonly string _filter = TableFilter.Create($"PartitionKey eq {data.Partition}");

    [Fact]
    public async Task QueryAsync_MoreThanOnePage_ReturnsEveryEntityOnceInKeyOrder()
    {
        var rows = new List<string>();

        await foreach (var entity in _table.QueryAsync<TableEntity>(_filter))
        {
            rows.Add(entity.RowKey);
        }

        Assert.Equal(Enumerable.Range(0, LargePartitionFixture.Count).Select(LargePartitionFixture.RowKey), rows);
    }

    [Fact]
    public async Task QueryAsync_SmallPages_FollowContinuationTokensWithoutGapOrDuplicate()
    {
        var pages = 0;
        var rows = new List<string>();

        await foreach (var page in _table.QueryAsync<TableEntity>(_filter).AsPages(pageSizeHint: 300))
        {
            pages++;
            Assert.True(page.Values.Count <= 300);
            rows.AddRange(page.Values.Select(e => e.RowKey));
        }

        Assert.Equal(9, pages);
        Assert.Equal(Enumerable.Range(0, LargePartitionFixture.Count).Select(LargePartitionFixture.RowKey), rows);
    }

    [Fact]
    public async Task AsPages_FromAnEarlierPagesToken_ResumesRightAfterThatPage()
    {
        string? token = null;
        var firstRows = new List<string>();
        await foreach (var page in _table.QueryAsync<TableEntity>(_filter, maxPerPage: 250).AsPages())
        {
            firstRows.AddRange(page.Values.Select(e => e.RowKey));
            token = page.ContinuationToken;
            if (firstRows.Count == 750)
            {
                break;
            }
        }

        var resumed = new List<string>();
        await foreach (var page in _table.QueryAsync<TableEntity>(_filter).AsPages(token, 1000))
        {
            resumed.AddRange(page.Values.Select(e => e.RowKey));
        }

        Assert.NotNull(token);
        Assert.Equal(Enumerable.Range(750, LargePartitionFixture.Count - 750).Select(LargePartitionFixture.RowKey), resumed);
    }

    [Fact]
    public async Task QueryAsync_FirstItemsOfALargeQuery_SendsOneRequestAndNoneBeforeEnumeration()
    {
        data.Tables.Requests.Reset();
        var pageable = _table.QueryAsync<TableEntity>(_filter);
        var beforeEnumeration = data.Tables.Requests.Count;

        var taken = 0;
        await foreach (var entity in pageable)
        {
            if (++taken == 10)
            {
                break;
            }
        }

        Assert.Equal(0, beforeEnumeration);
        Assert.Equal(1, data.Tables.Requests.Count);
    }

    [Fact]
    public async Task QueryAsync_TypedFilterAndSelect_ReturnsOnlyMatchingEntitiesAndSelectedProperties()
    {
        var filter = TableFilter.Create($"PartitionKey eq {data.Partition} and N ge {2490} and N lt {2495}");

        var rows = new List<TableEntity>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, selectProperties: ["N"]))
        {
            rows.Add(entity);
        }

        Assert.Equal([2490, 2491, 2492, 2493, 2494], rows.Select(e => e.GetInt32("N")!.Value));
        Assert.All(rows, e => Assert.Equal(["N"], e.Keys));
        Assert.All(rows, e => Assert.NotEqual(default, e.ETag));
    }

    [Fact]
    public async Task AsPages_TokenNotMadeByTheClient_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var page in _table.QueryAsync<TableEntity>(_filter).AsPages("not a token!"))
            {
            }
        });
    }

    [Fact]
    public void QueryAsync_PageSizeOverTheServiceMaximum_ThrowsBeforeAnyRequest()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _table.QueryAsync<TableEntity>(_filter, maxPerPage: 1001));
    }
}

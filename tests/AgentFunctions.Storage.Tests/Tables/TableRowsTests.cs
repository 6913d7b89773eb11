using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

/// <summary>What the stores keep on top of the SDK's table client: rows, large strings, byte accounting, transactions, queries.</summary>
public sealed class TableRowsTests(TableFixture fixture) : IClassFixture<TableFixture>
{
    private readonly TableClient _table = fixture.Table;

    [Fact]
    public async Task LargeString_OverOnePropertyWithSurrogatePairsAtTheSeams_RoundTripsWhole()
    {
        // 🚀 is a surrogate pair; with an odd prefix one lands across every seam.
        var value = "x" + string.Concat(Enumerable.Repeat("🚀", 60_000)) + "end";
        var row = new TextRow { PartitionKey = TableFixture.NewPartition(), RowKey = "row", Text = value };

        await _table.AddEntityAsync(row.ToEntity());
        var read = await _table.GetRowIfExistsAsync<TextRow>(row.PartitionKey, "row");

        Assert.Equal(value, read!.Text);
    }

    [Fact]
    public async Task LargeNonAsciiValue_InATransaction_RoundTripsThroughTheServiceUnchanged()
    {
        // Multi-byte characters everywhere: a body with raw UTF-8 would have some split across network reads.
        var value = string.Concat(Enumerable.Range(0, 150_000).Select(i => "é漢ü€🚀ñ"[i % 7]));
        var pk = TableFixture.NewPartition();
        var rows = Enumerable.Range(0, 3).Select(i => new TextRow { PartitionKey = pk, RowKey = $"r{i}", Text = value[(i * 7000)..] }).ToList();

        await _table.SubmitNamedTransactionAsync(rows.Select(r => TableRows.Action(TableTransactionActionType.Add, r)));

        foreach (var row in rows)
        {
            Assert.Equal(row.Text, (await _table.GetRowIfExistsAsync<TextRow>(pk, row.RowKey))!.Text);
        }
    }

    [Theory]
    [InlineData("plain ascii")]
    [InlineData("quotes \" ' and \\ <html> & + `")]
    [InlineData("ünïcødé 漢字 🚀 \u0001 control")]
    public async Task RequestBytes_StringProperty_IsExactlyWhatTheSdkSends(string value)
    {
        var pk = TableFixture.NewPartition();
        var before = fixture.Bodies.Count;

        await _table.AddEntityAsync(new TableEntity(pk, "empty") { ["V"] = string.Empty });
        await _table.AddEntityAsync(new TableEntity(pk, "value") { ["V"] = value });

        var (empty, sent) = (fixture.Bodies[before], fixture.Bodies[before + 1]);
        Assert.All(sent, b => Assert.True(b < 0x80, "the body is ASCII"));
        Assert.Equal(TableLimits.RequestBytes(value), sent.Length - empty.Length);
    }

    [Fact]
    public async Task SubmitTransaction_OneActionFails_AppliesNothingAndNamesTheFailingAction()
    {
        var pk = TableFixture.NewPartition();
        await _table.AddEntityAsync(new TableEntity(pk, "r005") { ["N"] = -1 });
        var actions = Enumerable.Range(0, 10)
            .Select(i => TableRows.Action(TableTransactionActionType.Add, new TableEntity(pk, $"r{i:D3}") { ["N"] = i }))
            .ToList();

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitNamedTransactionAsync(actions));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Equal(5, error.FailedTransactionActionIndex);
        Assert.Equal(1, await CountAsync(pk));
        Assert.Equal(-1, (await _table.GetEntityAsync<TableEntity>(pk, "r005")).Value.GetInt32("N"));
    }

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("it''s")]
    [InlineData("ünïcødé 🚀 and spaces")]
    [InlineData("x' or PartitionKey ne 'x")]
    [InlineData("' or '' eq '")]
    public async Task CreateQueryFilter_ValueWithQuotesOrUnicode_MatchesExactlyThatValue(string value)
    {
        var pk = TableFixture.NewPartition();
        await _table.SubmitNamedTransactionAsync(
        [
            TableRows.Action(TableTransactionActionType.Add, new TableEntity(pk, "match") { ["Name"] = value }),
            TableRows.Action(TableTransactionActionType.Add, new TableEntity(pk, "other") { ["Name"] = value + "x" }),
            TableRows.Action(TableTransactionActionType.Add, new TableEntity(pk, "plain") { ["Name"] = "x" }),
        ]);

        var rows = new List<string>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and Name eq {value}")))
        {
            rows.Add(entity.RowKey);
        }

        Assert.Equal(["match"], rows);
    }

    [Fact]
    public async Task QueryRows_FirstItemsOfALargeQuery_SendsOneRequestAndNoneBeforeEnumeration()
    {
        var pk = await FillAsync(250);
        fixture.Requests.Reset();

        var pageable = _table.QueryRowsAsync<TextRow>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), maxPerPage: 100);
        var beforeEnumeration = fixture.Requests.Count;
        var taken = 0;
        await foreach (var row in pageable)
        {
            if (++taken == 10)
            {
                break;
            }
        }

        Assert.Equal(0, beforeEnumeration);
        Assert.Equal(1, fixture.Requests.Count);
    }

    [Fact]
    public async Task QueryRows_AsPagesFromAnEarlierPagesToken_ResumesRightAfterThatPage()
    {
        var pk = await FillAsync(250);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk}");
        string? token = null;
        await foreach (var page in _table.QueryRowsAsync<TextRow>(filter).AsPages(pageSizeHint: 100))
        {
            token = page.ContinuationToken;
            break;
        }

        var resumed = new List<string>();
        await foreach (var page in _table.QueryRowsAsync<TextRow>(filter).AsPages(token, 100))
        {
            resumed.AddRange(page.Values.Select(r => r.Text!));
        }

        Assert.Equal(Enumerable.Range(100, 150).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)), resumed);
    }

    [Fact]
    public async Task QueryRows_TokenNotMadeByAQuery_ThrowsArgumentExceptionBeforeAnyRequest()
    {
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var page in _table.QueryRowsAsync<TextRow>("PartitionKey eq 'x'").AsPages("garbage"))
            {
            }
        });
        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task DeleteEntities_MoreThanAPageOfTransactions_DeletesEveryMatchingEntity()
    {
        var pk = await FillAsync(250);

        var deleted = await _table.DeleteEntitiesAsync(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"));

        Assert.Equal(250, deleted);
        Assert.Equal(0, await CountAsync(pk));
    }

    private async Task<string> FillAsync(int count)
    {
        var pk = TableFixture.NewPartition();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(TableLimits.MaxTransactionActions))
        {
            await _table.SubmitNamedTransactionAsync(chunk.Select(i => TableRows.Action(
                TableTransactionActionType.Add, new TextRow { PartitionKey = pk, RowKey = $"r{i:D4}", Text = i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) })));
        }

        return pk;
    }

    private async Task<int> CountAsync(string pk)
    {
        var count = 0;
        await foreach (var entity in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    private sealed class TextRow : ITableRow<TextRow>
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public ETag ETag { get; set; }

        public string? Text { get; set; }

        public static TextRow ReadEntity(TableEntityReader reader) => new() { Text = reader.GetLargeString("Text") };

        public void WriteProperties(TableEntityWriter writer) => writer.WriteLargeString("Text", Text);
    }
}

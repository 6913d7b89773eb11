using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

public class TableFilterTests(TableFixture fixture) : IClassFixture<TableFixture>
{
    [Theory]
    [InlineData("O'Brien")]
    [InlineData("it''s")]
    [InlineData("ünïcødé 🚀 and spaces")]
    [InlineData("x' or PartitionKey ne 'x")]
    [InlineData("' or '' eq '")]
    public async Task QueryAsync_FilterOnValueWithQuotesOrUnicode_MatchesExactlyThatValue(string value)
    {
        var pk = TableFixture.NewPartition();
        await fixture.Table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity(pk, "match") { ["Name"] = value }),
            new(TableTransactionActionType.Add, new TableEntity(pk, "other") { ["Name"] = value + "x" }),
            new(TableTransactionActionType.Add, new TableEntity(pk, "plain") { ["Name"] = "x" }),
        ]);

        var rows = new List<string>();
        await foreach (var entity in fixture.Table.QueryAsync<TableEntity>(TableFilter.Create($"PartitionKey eq {pk} and Name eq {value}")))
        {
            rows.Add(entity.RowKey);
        }

        Assert.Equal(["match"], rows);
    }

    [Fact]
    public void Create_TypedValues_FormatsODataLiterals()
    {
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var when = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(1));

        var filter = TableFilter.Create($"A eq {"it's"} and B eq {42L} and C eq {7} and D eq {true} and E eq {id} and F eq {when} and G eq {new byte[] { 1, 255 }} and H eq {1.5}");

        Assert.Equal(
            "A eq 'it''s' and B eq 42L and C eq 7 and D eq true and E eq guid'0f8fad5b-d9cb-469f-a165-70867728950e' and F eq datetime'2026-01-02T02:04:05.0000000Z' and G eq X'01ff' and H eq 1.5",
            filter);
    }

    [Fact]
    public void Create_UnsupportedType_Throws()
    {
        Assert.Throws<NotSupportedException>(() => TableFilter.Create($"A eq {new object()}"));
    }
}

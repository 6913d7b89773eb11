using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Tests.Tables;

public class TableTransactionTests(TableFixture fixture) : IClassFixture<TableFixture>
{
    private readonly TableClient _table = fixture.Table;

    [Fact]
    public async Task SubmitTransaction_HundredAdds_AppliesAllAndReturnsTheirETags()
    {
        var pk = TableFixture.NewPartition();
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(pk, $"r{i:D3}") { ["N"] = i }))
            .ToList();

        var response = await _table.SubmitTransactionAsync(actions);

        Assert.Equal(100, response.Value.Count);
        Assert.All(response.Value, r => Assert.NotNull(r.ETag));
        var stored = await Count(pk);
        Assert.Equal(100, stored);
    }

    [Fact]
    public async Task SubmitTransaction_MixedActions_AppliesEachKind()
    {
        var pk = TableFixture.NewPartition();
        var keep = await _table.AddEntityAsync(new TableEntity(pk, "update") { ["A"] = "a", ["B"] = "b" });
        await _table.AddEntityAsync(new TableEntity(pk, "delete"));
        await _table.AddEntityAsync(new TableEntity(pk, "replace") { ["A"] = "a" });

        await _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity(pk, "add") { ["N"] = 1 }),
            new(TableTransactionActionType.UpdateMerge, new TableEntity(pk, "update") { ["B"] = "b2" }, keep.Headers.ETag!.Value),
            new(TableTransactionActionType.Delete, new TableEntity(pk, "delete")),
            new(TableTransactionActionType.UpsertReplace, new TableEntity(pk, "replace") { ["C"] = "c" }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity(pk, "upsert") { ["D"] = "d" }),
        ]);

        Assert.True((await _table.GetEntityIfExistsAsync<TableEntity>(pk, "add")).HasValue);
        var updated = (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "update")).Value!;
        Assert.Equal(("a", "b2"), (updated.GetString("A"), updated.GetString("B")));
        Assert.False((await _table.GetEntityIfExistsAsync<TableEntity>(pk, "delete")).HasValue);
        Assert.Equal(["C"], (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "replace")).Value!.Keys);
        Assert.Equal("d", (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "upsert")).Value!.GetString("D"));
    }

    [Fact]
    public async Task SubmitTransaction_OneActionFails_AppliesNothingAndNamesTheFailingAction()
    {
        var pk = TableFixture.NewPartition();
        await _table.AddEntityAsync(new TableEntity(pk, "r005") { ["N"] = -1 });
        var actions = Enumerable.Range(0, 10)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(pk, $"r{i:D3}") { ["N"] = i }))
            .ToList();

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync(actions));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Equal(5, error.FailedTransactionActionIndex);
        Assert.Equal(1, await Count(pk));
        Assert.Equal(-1, (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "r005")).Value!.GetInt32("N"));
    }

    [Fact]
    public async Task SubmitTransaction_StaleETag_AppliesNothing()
    {
        var pk = TableFixture.NewPartition();
        var first = await _table.AddEntityAsync(new TableEntity(pk, "a") { ["N"] = 1 });
        await _table.UpsertEntityAsync(new TableEntity(pk, "a") { ["N"] = 2 });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity(pk, "b")),
            new(TableTransactionActionType.UpdateReplace, new TableEntity(pk, "a") { ["N"] = 3 }, first.Headers.ETag!.Value),
        ]));

        Assert.Equal(412, error.Status);
        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.Equal(1, await Count(pk));
    }

    [Fact]
    public async Task SubmitTransaction_InvalidShape_RefusedBeforeAnyRequest()
    {
        fixture.Requests.Reset();
        TableTransactionAction Add(string pk, string rk) => new(TableTransactionActionType.Add, new TableEntity(pk, rk));

        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync(Enumerable.Range(0, 101).Select(i => Add("p", $"r{i}"))));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync([Add("p1", "r"), Add("p2", "r")]));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync([Add("p", "r"), Add("p", "r")]));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync([Add("p", "r"), Add("p", "bad/key")]));

        Assert.Equal(0, fixture.Requests.Count);
    }

    private async Task<int> Count(string pk)
    {
        var count = 0;
        await foreach (var entity in _table.QueryAsync<TableEntity>(TableFilter.Create($"PartitionKey eq {pk}")))
        {
            count++;
        }

        return count;
    }
}

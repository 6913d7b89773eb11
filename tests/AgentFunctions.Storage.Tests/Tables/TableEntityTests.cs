using AgentFunctions.Storage.Tables;
using Azure;

namespace AgentFunctions.Storage.Tests.Tables;

public class TableEntityTests(TableFixture fixture) : IClassFixture<TableFixture>
{
    private readonly TableClient _table = fixture.Table;

    [Fact]
    public async Task GetEntityIfExists_AfterAdd_RoundTripsEveryPropertyType()
    {
        var when = new DateTimeOffset(2026, 11, 21, 10, 30, 15, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var id = Guid.NewGuid();
        var entity = new TableEntity(TableFixture.NewPartition(), "row")
        {
            ["Text"] = "ünïcødé 'quoted' \"double\" 🚀\nline two",
            ["Flag"] = true,
            ["Small"] = -42,
            ["Big"] = long.MaxValue - 7,
            ["Ratio"] = 0.1 + 0.2,
            ["Whole"] = 3.0,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 0, 1, 2, 250, 255 },
        };

        var added = await _table.AddEntityAsync(entity);
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, "row");

        Assert.True(read.HasValue);
        var value = read.Value!;
        Assert.Equal(entity.GetString("Text"), value.GetString("Text"));
        Assert.Equal(true, value.GetBoolean("Flag"));
        Assert.Equal(-42, value.GetInt32("Small"));
        Assert.Equal(long.MaxValue - 7, value.GetInt64("Big"));
        Assert.Equal(0.1 + 0.2, value.GetDouble("Ratio"));
        Assert.Equal(3.0, value.GetDouble("Whole"));
        Assert.Equal(when, value.GetDateTimeOffset("When"));
        Assert.Equal(id, value.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 2, 250, 255 }, value.GetBinary("Bytes"));
        Assert.Equal(added.Headers.ETag, value.ETag);
        Assert.NotNull(value.Timestamp);
    }

    [Fact]
    public async Task GetEntityIfExists_Absent_ReturnsNoValueWithoutThrowing()
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(TableFixture.NewPartition(), "nothing");

        Assert.False(read.HasValue);
        Assert.Equal(404, read.GetRawResponse().Status);
    }

    [Fact]
    public async Task AddEntity_ExistingKeys_Throws409EntityAlreadyExists()
    {
        var entity = new TableEntity(TableFixture.NewPartition(), "row") { ["N"] = 1 };
        await _table.AddEntityAsync(entity);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _table.AddEntityAsync(entity));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
    }

    [Fact]
    public async Task UpsertEntity_Merge_KeepsPropertiesTheUpdateDoesNotCarry()
    {
        var pk = TableFixture.NewPartition();
        await _table.AddEntityAsync(new TableEntity(pk, "row") { ["A"] = "a", ["B"] = "b" });

        await _table.UpsertEntityAsync(new TableEntity(pk, "row") { ["B"] = "B2", ["C"] = "c" }, TableUpdateMode.Merge);

        var value = (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).Value!;
        Assert.Equal(["A", "B", "C"], value.Keys.Order());
        Assert.Equal("B2", value.GetString("B"));
    }

    [Fact]
    public async Task UpsertEntity_Replace_RemovesPropertiesTheUpdateDoesNotCarry()
    {
        var pk = TableFixture.NewPartition();
        await _table.AddEntityAsync(new TableEntity(pk, "row") { ["A"] = "a", ["B"] = "b" });

        await _table.UpsertEntityAsync(new TableEntity(pk, "row") { ["C"] = "c" }, TableUpdateMode.Replace);

        var value = (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).Value!;
        Assert.Equal(["C"], value.Keys);
    }

    [Fact]
    public async Task UpsertEntity_Absent_Inserts()
    {
        var pk = TableFixture.NewPartition();

        await _table.UpsertEntityAsync(new TableEntity(pk, "row") { ["A"] = 1 });

        Assert.Equal(1, (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).Value!.GetInt32("A"));
    }

    [Fact]
    public async Task UpdateEntity_CurrentETag_AppliesAndReturnsNewETag()
    {
        var pk = TableFixture.NewPartition();
        var added = await _table.AddEntityAsync(new TableEntity(pk, "row") { ["N"] = 1 });

        var updated = await _table.UpdateEntityAsync(new TableEntity(pk, "row") { ["N"] = 2 }, added.Headers.ETag!.Value, TableUpdateMode.Replace);

        var value = (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).Value!;
        Assert.Equal(2, value.GetInt32("N"));
        Assert.NotEqual(added.Headers.ETag, updated.Headers.ETag);
        Assert.Equal(updated.Headers.ETag, value.ETag);
    }

    [Fact]
    public async Task UpdateEntity_StaleETag_Throws412AndKeepsTheStoredEntity()
    {
        var pk = TableFixture.NewPartition();
        var first = await _table.AddEntityAsync(new TableEntity(pk, "row") { ["N"] = 1 });
        await _table.UpdateEntityAsync(new TableEntity(pk, "row") { ["N"] = 2 }, first.Headers.ETag!.Value);

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _table.UpdateEntityAsync(new TableEntity(pk, "row") { ["N"] = 3 }, first.Headers.ETag!.Value));

        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        Assert.Equal(2, (await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).Value!.GetInt32("N"));
    }

    [Fact]
    public async Task UpdateEntity_Absent_Throws404()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _table.UpdateEntityAsync(new TableEntity(TableFixture.NewPartition(), "row") { ["N"] = 1 }, ETag.All));

        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task DeleteEntity_StaleETag_Throws412AndKeepsTheEntity()
    {
        var pk = TableFixture.NewPartition();
        var first = await _table.AddEntityAsync(new TableEntity(pk, "row") { ["N"] = 1 });
        await _table.UpsertEntityAsync(new TableEntity(pk, "row") { ["N"] = 2 });

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _table.DeleteEntityAsync(pk, "row", first.Headers.ETag!.Value));

        Assert.Equal(412, error.Status);
        Assert.True((await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).HasValue);
    }

    [Fact]
    public async Task DeleteEntity_CurrentETag_Deletes()
    {
        var pk = TableFixture.NewPartition();
        var added = await _table.AddEntityAsync(new TableEntity(pk, "row"));

        await _table.DeleteEntityAsync(pk, "row", added.Headers.ETag!.Value);

        Assert.False((await _table.GetEntityIfExistsAsync<TableEntity>(pk, "row")).HasValue);
    }

    [Fact]
    public async Task DeleteEntity_Absent_DoesNotThrow()
    {
        var response = await _table.DeleteEntityAsync(TableFixture.NewPartition(), "row");

        Assert.Equal(404, response.Status);
    }

    [Theory]
    [InlineData("O'Brien", "it''s")]
    [InlineData("ünïcødé 🚀", "spaces and + and %20 and &")]
    [InlineData("a' or '1' eq '1", "()[]{}=,;:@!$*")]
    public async Task EntityOperations_KeysWithQuotesUnicodeAndPunctuation_AddressExactlyThatEntity(string partitionSuffix, string rowKey)
    {
        var pk = TableFixture.NewPartition() + partitionSuffix;
        await _table.AddEntityAsync(new TableEntity(pk, rowKey) { ["N"] = 1 });
        await _table.AddEntityAsync(new TableEntity(pk, rowKey + "x") { ["N"] = 2 });

        await _table.UpsertEntityAsync(new TableEntity(pk, rowKey) { ["N"] = 10 });
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey);
        await _table.DeleteEntityAsync(pk, rowKey + "x");

        Assert.Equal(10, read.Value!.GetInt32("N"));
        Assert.Equal(pk, read.Value!.PartitionKey);
        Assert.Equal(rowKey, read.Value!.RowKey);
        Assert.False((await _table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey + "x")).HasValue);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0085")]
    public async Task EntityOperations_ForbiddenKeyCharacters_RefusedBeforeAnyRequest(string key)
    {
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(new TableEntity("p", key)));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(new TableEntity(key, "r")));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.GetEntityIfExistsAsync<TableEntity>("p", key));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.DeleteEntityAsync(key, "r"));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.UpsertEntityAsync(new TableEntity("p", key)));

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task AddEntity_KeyOverOneKiB_RefusedBeforeAnyRequest()
    {
        fixture.Requests.Reset();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(new TableEntity("p", new string('k', 513))));

        Assert.Contains("512", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task AddEntity_KeyOfExactlyOneKiB_IsStored()
    {
        var rowKey = new string('k', 512);

        var pk = TableFixture.NewPartition();

        await _table.AddEntityAsync(new TableEntity(pk, rowKey));

        Assert.Equal(rowKey, (await _table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey)).Value!.RowKey);
    }

    [Fact]
    public async Task LargeString_OverOnePropertyWithSurrogatePairsAtTheSeams_RoundTripsWhole()
    {
        // 🚀 is a surrogate pair; with an odd prefix one lands across every 32,000-character seam.
        var value = "x" + string.Concat(Enumerable.Repeat("🚀", 60_000)) + "end";
        var entity = new LargeStringEntity { PartitionKey = TableFixture.NewPartition(), RowKey = "row", Text = value };

        await _table.AddEntityAsync(entity);
        var read = await _table.GetEntityIfExistsAsync<LargeStringEntity>(entity.PartitionKey, "row");

        Assert.Equal(value, read.Value!.Text);
    }

    private sealed class LargeStringEntity : ITableEntity<LargeStringEntity>
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public ETag ETag { get; set; }

        public string? Text { get; set; }

        public static LargeStringEntity ReadEntity(TableEntityReader reader) => new() { Text = reader.GetLargeString("Text") };

        public void WriteProperties(TableEntityWriter writer) => writer.WriteLargeString("Text", Text);
    }
}

using System.Text.Json;

namespace AgentFunctions.Http.Tests.State;

/// <summary>Cursor paging and the NDJSON stream through a history of 250 checkpoints.</summary>
public class HistoryPagingTests(HistoryFixture fixture) : IClassFixture<HistoryFixture>
{
    private string Thread => fixture.ThreadId;

    [Theory]
    [InlineData(40)]
    [InlineData(50)]
    [InlineData(1000)]
    public async Task GetHistory_FollowingTheNextLinks_ReadsEveryCheckpointOnceInPagesAsAsked(int limit)
    {
        // Arrange
        var client = fixture.Server.Client();
        var seen = new List<string>();
        var sizes = new List<int>();
        string? next = $"/threads/{Thread}/history?limit={limit}";

        // Act
        while (next is not null)
        {
            var response = await client.GetAsync(next);
            Assert.Equal(200, (int)response.StatusCode);
            var page = await response.ReadJsonAsync();
            seen.AddRange(page.CheckpointIds());
            sizes.Add(page.GetArrayLength());
            next = NextLink(response);
            Assert.Equal(next is not null, response.Headers.Contains("X-Next-Cursor"));
        }

        // Assert
        Assert.Equal(fixture.NewestFirst, seen);
        var expected = Enumerable.Repeat(limit, HistoryFixture.Count / limit).ToList();
        if (HistoryFixture.Count % limit > 0)
        {
            expected.Add(HistoryFixture.Count % limit);
        }

        Assert.Equal(expected, sizes);
    }

    [Fact]
    public async Task PostHistory_CursorInTheBodyWithAFilter_ReadsEveryMatchOnce()
    {
        // Arrange
        var client = fixture.Server.Client();
        var seen = new List<int>();
        var sizes = new List<int>();
        string? cursor = null;

        // Act
        do
        {
            var response = await client.PostHistoryAsync(Thread, new { limit = 30, metadata = new { parity = "even" }, cursor });
            Assert.Equal(200, (int)response.StatusCode);
            var page = await response.ReadJsonAsync();
            seen.AddRange(page.EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("n").GetInt32()));
            sizes.Add(page.GetArrayLength());
            cursor = response.Headers.TryGetValues("X-Next-Cursor", out var values) ? values.Single() : null;
        }
        while (cursor is not null);

        // Assert
        Assert.Equal(Enumerable.Range(0, HistoryFixture.Count / 2).Select(i => HistoryFixture.Count - 2 - (2 * i)), seen);
        Assert.Equal([30, 30, 30, 30, 5], sizes);
    }

    [Fact]
    public async Task PostHistory_CursorInTheQueryAsTheLinkGivesIt_ContinuesThePage()
    {
        // Arrange
        var client = fixture.Server.Client();
        var first = await client.PostHistoryAsync(Thread, new { limit = 7 });
        var link = NextLink(first)!;

        // Act
        var continued = await client.PostAsync(link, JsonContent(new { limit = 7 }));

        // Assert
        Assert.StartsWith($"/threads/{Thread}/history?cursor=", link, StringComparison.Ordinal);
        Assert.Equal(fixture.NewestFirst.Skip(7).Take(7), (await continued.ReadJsonAsync()).CheckpointIds());
        Assert.Equal(fixture.NewestFirst.Take(7), (await first.ReadJsonAsync()).CheckpointIds());
    }

    [Fact]
    public async Task StreamHistory_WholeHistory_IsOneJsonLinePerCheckpointNewestFirst()
    {
        // Act
        var response = await fixture.Server.Client().GetAsync($"/threads/{Thread}/history/stream");

        // Assert
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        Assert.Equal(string.Empty, lines[^1]);
        var items = lines[..^1].Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.Equal(fixture.NewestFirst, items.Select(i => i.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()));
        Assert.Equal(Enumerable.Range(1, HistoryFixture.Count).Reverse(), items.Select(i => i.GetProperty("values").GetProperty("messages").GetArrayLength()));
    }

    [Fact]
    public async Task StreamHistory_ValuesFalse_StreamsSummariesWithoutValues()
    {
        // Act
        var response = await fixture.Server.Client().GetAsync($"/threads/{Thread}/history/stream?values=false");

        // Assert
        var items = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.Equal(fixture.NewestFirst, items.Select(i => i.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()));
        Assert.All(items, i => Assert.False(i.TryGetProperty("values", out _)));
        Assert.Equal("even", items[^1].GetProperty("metadata").GetProperty("parity").GetString());
    }

    [Fact]
    public async Task StreamHistory_Before_StreamsTheOlderCheckpoints()
    {
        // Act
        var response = await fixture.Server.Client().GetAsync($"/threads/{Thread}/history/stream?values=false&before={fixture.NewestFirst[199]}");

        // Assert
        var ids = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
        Assert.Equal(fixture.NewestFirst.Skip(200), ids);
    }

    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        var link = links.Single();
        Assert.EndsWith(">; rel=\"next\"", link, StringComparison.Ordinal);
        return link[1..link.IndexOf('>', StringComparison.Ordinal)];
    }

    private static StringContent JsonContent(object value)
        => new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}

using AgentFunctions.Http.State;

namespace AgentFunctions.Http.Tests.State;

/// <summary>With <c>Http:PageByteBudget</c>, a history page ends where its body would pass the budget, with the cursor to continue.</summary>
public class HistoryPageBudgetTests(PageBudgetServerFixture server) : IClassFixture<PageBudgetServerFixture>
{
    [Fact]
    public async Task GetHistory_PagesPastTheBudget_EndEarlyAndTheirCursorsReadEveryCheckpointOnce()
    {
        // Arrange: 40 checkpoints adding a message of 1,000 characters each: states of 1 to 40 KB.
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        var ids = await StateTestData.WriteCheckpointsAsync(server.Services, thread, 40, messageChars: 1000);
        ids.Reverse();
        var client = server.Client();
        var pages = new List<(int Count, int Bytes)>();
        var seen = new List<string>();
        string? cursor = null;

        // Act
        do
        {
            var response = await client.GetAsync($"/threads/{thread}/history?limit=1000" + (cursor is null ? string.Empty : "&cursor=" + cursor));
            Assert.Equal(200, (int)response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var page = System.Text.Json.JsonDocument.Parse(bytes).RootElement.Clone();
            pages.Add((page.GetArrayLength(), bytes.Length));
            seen.AddRange(page.CheckpointIds());
            cursor = response.Headers.TryGetValues(HistoryHandlers.NextCursorHeader, out var values) ? values.Single() : null;
        }
        while (cursor is not null);

        // Assert: each page is within the budget, or one checkpoint larger than it; together they are the whole history.
        Assert.Equal(ids, seen);
        Assert.All(pages, p => Assert.True(p.Bytes <= PageBudgetServerFixture.Budget || p.Count == 1, $"{p.Count} items in {p.Bytes} bytes"));
        Assert.Contains(pages, p => p.Count == 1 && p.Bytes > PageBudgetServerFixture.Budget);
        Assert.Contains(pages, p => p.Count > 1);
    }
}

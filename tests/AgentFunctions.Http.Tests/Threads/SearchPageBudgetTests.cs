using System.Text.Json;
using AgentFunctions.Http.Tests.State;

namespace AgentFunctions.Http.Tests.Threads;

/// <summary>With <c>Http:PageByteBudget</c>, a thread search page ends where its body would pass the budget, with the next offset.</summary>
public class SearchPageBudgetTests(PageBudgetServerFixture server) : IClassFixture<PageBudgetServerFixture>
{
    [Fact]
    public async Task Search_WithValuesPastTheBudget_EndsEarlyAndTheNextOffsetsReadEveryThreadOnce()
    {
        // Arrange: six threads whose states are a message of 8,000 characters each: two fit in 20,000 bytes, three do not.
        var client = server.Client();
        var tag = Guid.NewGuid().ToString();
        var created = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var thread = await (await client.PostJsonAsync("/threads", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""")).ReadJsonAsync();
            created.Add(thread.GetProperty("thread_id").GetString()!);
            await StateTestData.WriteCheckpointsAsync(server.Services, created[^1], 1, messageChars: 8000);
        }

        var pages = new List<(int Count, int Bytes)>();
        var seen = new List<string>();
        string? next = "0";

        // Act
        while (next is not null)
        {
            var response = await client.PostJsonAsync("/threads/search", $$$"""{"metadata":{"tag":"{{{tag}}}"},"limit":1000,"offset":{{{next}}}}""");
            Assert.Equal(200, (int)response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var page = JsonDocument.Parse(bytes).RootElement.Clone();
            pages.Add((page.GetArrayLength(), bytes.Length));
            seen.AddRange(page.EnumerateArray().Select(t => t.GetProperty("thread_id").GetString()!));
            Assert.All(page.EnumerateArray(), t => Assert.Equal(1, t.GetProperty("values").GetProperty("messages").GetArrayLength()));
            next = response.Headers.TryGetValues("X-Pagination-Next", out var values) ? values.Single() : null;
        }

        // Assert
        Assert.Equal(created.Order(StringComparer.Ordinal), seen);
        Assert.Equal([2, 2, 2], pages.Select(p => p.Count));
        Assert.All(pages, p => Assert.True(p.Bytes <= PageBudgetServerFixture.Budget, $"{p.Count} items in {p.Bytes} bytes"));
    }
}

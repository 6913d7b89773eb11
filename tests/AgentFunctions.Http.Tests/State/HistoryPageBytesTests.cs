using System.Buffers;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Http.State;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.State;

/// <summary>
/// A page of history written item by item as it is read is, byte for byte, the page the server used to build
/// whole before answering: the first <c>limit</c> checkpoints serialized into one buffer, with the cursor after the last.
/// </summary>
public class HistoryPageBytesTests(LongHistoryFixture fixture) : IClassFixture<LongHistoryFixture>
{
    [Fact]
    public async Task GetHistory_Limit1000OnALongThread_IsTheBufferedPageByteForByte()
    {
        // Arrange
        var (expected, lastId) = await BufferedPageAsync(limit: 1000, metadataFilter: null);

        // Act
        var response = await fixture.Server.Client().GetAsync($"/threads/{fixture.ThreadId}/history?limit=1000");

        // Assert
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HistoryCursor.Create(lastId), response.Headers.GetValues(HistoryHandlers.NextCursorHeader).Single());
    }

    [Fact]
    public async Task PostHistory_Limit1000WithAMetadataFilter_IsTheBufferedPageByteForByte()
    {
        // Arrange: the odd half of 1,050 checkpoints is 525, fewer than the limit: no next page.
        var filter = JsonSerializer.SerializeToElement(new { parity = "odd" });
        var (expected, _) = await BufferedPageAsync(limit: 1000, filter);

        // Act
        var response = await fixture.Server.Client().PostHistoryAsync(fixture.ThreadId, new { limit = 1000, metadata = new { parity = "odd" } });

        // Assert
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
        Assert.False(response.Headers.Contains(HistoryHandlers.NextCursorHeader));
    }

    /// <summary>The page as the server built it before: the whole list read, then written into one buffer.</summary>
    private async Task<(byte[] Body, string LastId)> BufferedPageAsync(int limit, JsonElement? metadataFilter)
    {
        var store = fixture.Server.Services.GetRequiredService<ICheckpointStore>();
        var items = new List<Checkpoint>(limit);
        await foreach (var checkpoint in store.GetCheckpointsAsync(StateTestData.Owner, fixture.ThreadId, metadataFilter: metadataFilter, pageSizeHint: Math.Min(limit + 1, HistoryRequest.MaxLimit)))
        {
            if (items.Count == limit)
            {
                break;
            }

            items.Add(checkpoint);
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WireResults.WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                WireJson.WriteStateSnapshot(writer, item);
            }

            writer.WriteEndArray();
        }

        return (buffer.WrittenSpan.ToArray(), items[^1].CheckpointId);
    }
}

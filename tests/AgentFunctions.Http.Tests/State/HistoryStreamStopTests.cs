namespace AgentFunctions.Http.Tests.State;

/// <summary>The NDJSON history stream and a history page stop reading the store when their client stops reading.</summary>
public class HistoryStreamStopTests(CountingServerFixture server) : IClassFixture<CountingServerFixture>
{
    [Fact]
    public async Task StreamHistory_ClientStopsAfterTheFirstLine_ServerStopsReadingPages()
    {
        // Arrange: 250 checkpoints of growing state (the newest page alone is megabytes), 3 pages of 100.
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await StateTestData.WriteCheckpointsAsync(server.Services, thread, 250, messageChars: 1024);
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = server.BaseAddress };
        var response = await client.GetAsync($"/threads/{thread}/history/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // Act
        var first = await reader.ReadLineAsync();
        response.Dispose();

        // Assert
        Assert.StartsWith("{\"values\":", first, StringComparison.Ordinal);
        var reads = server.Reads[thread];
        await reads.Released.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(reads.Pages < 3, $"the server read {reads.Pages} of 3 pages after its client went away");
    }

    [Fact]
    public async Task StreamHistory_ReadToTheEnd_ReadsEveryPageOnceAndLetsGo()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await StateTestData.WriteCheckpointsAsync(server.Services, thread, 120);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        // Act
        var body = await client.GetStringAsync($"/threads/{thread}/history/stream");

        // Assert
        Assert.Equal(120, body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var reads = server.Reads[thread];
        await reads.Released.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, reads.Pages);
    }

    [Fact]
    public async Task GetHistory_ClientStopsAfterTheFirstBytesOfALargePage_ServerStopsReadingStates()
    {
        // Arrange: one page of 250 checkpoints of growing state (megabytes), whose states are read 100 at a time.
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await StateTestData.WriteCheckpointsAsync(server.Services, thread, 250, messageChars: 1024);
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = server.BaseAddress };
        var response = await client.GetAsync($"/threads/{thread}/history?limit=250", HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();

        // Act
        var first = new byte[11];
        await stream.ReadExactlyAsync(first);
        response.Dispose();

        // Assert
        Assert.Equal("[{\"values\":"u8.ToArray(), first);
        var reads = server.Reads[thread];
        await reads.ValuesReleased.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(reads.ValuePages < 3, $"the server read {reads.ValuePages} of 3 pages of states after its client went away");
    }
}

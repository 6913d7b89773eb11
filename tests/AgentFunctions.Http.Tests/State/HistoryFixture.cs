namespace AgentFunctions.Http.Tests.State;

/// <summary>The server, with a thread of <see cref="Count"/> checkpoints written straight to the store (for speed).</summary>
public sealed class HistoryFixture : IAsyncLifetime
{
    public const int Count = 250;

    public ServerFixture Server { get; } = new();

    public string ThreadId { get; private set; } = string.Empty;

    /// <summary>The thread's checkpoint ids, newest first (as history lists them).</summary>
    public IReadOnlyList<string> NewestFirst { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        ThreadId = await StateTestData.CreateThreadAsync(Server.Services);
        var ids = await StateTestData.WriteCheckpointsAsync(Server.Services, ThreadId, Count);
        ids.Reverse();
        NewestFirst = ids;
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

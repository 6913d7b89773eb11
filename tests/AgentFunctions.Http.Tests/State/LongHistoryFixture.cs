namespace AgentFunctions.Http.Tests.State;

/// <summary>The server, with a thread of <see cref="Count"/> checkpoints (more than the largest page) written straight to the store.</summary>
public sealed class LongHistoryFixture : IAsyncLifetime
{
    public const int Count = 1050;

    public ServerFixture Server { get; } = new();

    public string ThreadId { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        ThreadId = await StateTestData.CreateThreadAsync(Server.Services);
        await StateTestData.WriteCheckpointsAsync(Server.Services, ThreadId, Count);
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using AgentFunctions.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Service;

/// <summary>
/// The server's composition: one store per table (compaction and retention work on the same instance that serves
/// requests), and the host's clock in every store.
/// </summary>
public sealed class CompositionTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task Services_StoreInterfaces_ResolveToOneInstancePerTable()
    {
        await using var app = Build();

        Assert.Same(app.Services.GetRequiredService<ICheckpointStore>(), app.Services.GetRequiredService<ICheckpointCompaction>());
        Assert.Same(app.Services.GetRequiredService<IThreadStore>(), app.Services.GetRequiredService<IThreadRetention>());
        Assert.Same(app.Services.GetRequiredService<IRunStore>(), app.Services.GetRequiredService<IRunRetention>());
        var observers = Assert.IsType<RunCompletionObservers>(app.Services.GetRequiredService<RunExecutor>().CompletionObserver).Observers;
        Assert.Same(app.Services.GetRequiredService<CompactionTrigger>(), observers[0]);
        Assert.Same(app.Services.GetRequiredService<Core.Webhooks.WebhookTrigger>(), observers[1]);
    }

    [Fact]
    public async Task Stores_WithTheHostsClock_StampWhatTheyWriteWithIt()
    {
        // Arrange: the host's TimeProvider, registered before AddAgentFunctions.
        await using var app = Build();
        var owner = "clock-" + Guid.NewGuid().ToString("N")[..8];
        var threadId = Guid.NewGuid().ToString("D");

        // Act
        var thread = await app.Services.GetRequiredService<IThreadStore>().CreateAsync(new AgentThread { ThreadId = threadId, OwnerId = owner });
        await app.Services.GetRequiredService<ICheckpointStore>().PutAsync(new CheckpointWrite { OwnerId = owner, ThreadId = threadId });
        var summaries = new List<CheckpointSummary>();
        await foreach (var summary in app.Services.GetRequiredService<ICheckpointStore>().GetCheckpointSummariesAsync(owner, threadId))
        {
            summaries.Add(summary);
        }

        // Assert
        Assert.Equal(Now, thread.CreatedAt);
        Assert.Equal(Now, Assert.Single(summaries).CreatedAt);
    }

    private static Microsoft.AspNetCore.Builder.WebApplication Build() => ServerApp.Build([], builder =>
    {
        var storage = Environment.GetEnvironmentVariable(ServerFixture.StorageVariable) is { Length: > 0 } connection ? connection : "UseDevelopmentStorage=true";
        builder.Configuration.AddInMemoryCollection(
        [
            new("urls", "http://127.0.0.1:0"),
            new("Storage:ConnectionString", storage),
            new("Storage:Prefix", "t" + Guid.NewGuid().ToString("N")[..10]),
        ]);
        builder.Services.AddSingleton<TimeProvider>(new FixedClock(Now));
    });

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

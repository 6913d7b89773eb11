using AgentFunctions.Core.Graphs;
using System.Text.Json;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Core.Tools;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Threads;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tests.Runtime;

/// <summary>Every store on its own tables of the test account, and executors over them, as two instances of the app would have.</summary>
public sealed class RunExecutorFixture : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];

    public TableServiceClient Service { get; } = new(TestStorage.ConnectionString);

    public TableThreadStore Threads { get; private set; } = null!;

    public TableAssistantStore Assistants { get; private set; } = null!;

    public TableCheckpointStore Checkpoints { get; private set; } = null!;

    public TableRunStore Runs { get; private set; } = null!;

    public TableRunEventLog Events { get; private set; } = null!;

    /// <summary>The table of <see cref="Events"/>, for a log over another client.</summary>
    public string EventsTable => "ev" + _suffix;

    public Task InitializeAsync()
    {
        Threads = new TableThreadStore(Service, "th" + _suffix);
        Assistants = new TableAssistantStore(Service, "as" + _suffix);
        Checkpoints = new TableCheckpointStore(Service, new CheckpointStoreOptions { TableName = "cp" + _suffix });
        Runs = new TableRunStore(Service, "ru" + _suffix);
        Events = new TableRunEventLog(Service, new RunEventLogOptions { TableName = "ev" + _suffix, FlushInterval = TimeSpan.FromMilliseconds(50) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var prefix in new[] { "th", "as", "cp", "ru", "ev" })
        {
            await Service.DeleteTableAsync(prefix + _suffix);
        }
    }

    /// <summary>An executor as one instance of the app has it; each call is a different instance.</summary>
    public RunExecutor Executor() => Executor(Events, new RunExecutorOptions().LiveEventBufferBytes);

    /// <summary>An executor over <paramref name="events"/> that holds <paramref name="liveEventBufferBytes"/> of live events.</summary>
    public RunExecutor Executor(IRunEventLog events, int liveEventBufferBytes) => new(
        Runs, Threads, Assistants, Checkpoints, events,
        new GraphRegistry([new AgentGraph(Checkpoints, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry())]),
        new RunExecutorOptions { CancelPollInterval = TimeSpan.FromMilliseconds(100), LeaseDuration = TimeSpan.FromSeconds(10), MaxTurnPollInterval = TimeSpan.FromMilliseconds(200), LiveEventBufferBytes = liveEventBufferBytes });

    public async Task<AgentThread> NewThreadAsync(string owner = "owner")
        => await Threads.CreateAsync(new AgentThread { ThreadId = Guid.NewGuid().ToString("D"), OwnerId = owner });

    public async Task<AgentRun> CreateRunAsync(AgentThread thread, string body)
    {
        using var document = JsonDocument.Parse(body);
        var options = RunOptions.Parse(document.RootElement);
        return await Runs.CreateAsync(new AgentRun
        {
            RunId = RunIds.New(),
            OwnerId = thread.OwnerId,
            ThreadId = thread.ThreadId,
            AssistantId = AgentGraph.GraphId,
            MultitaskStrategy = options.MultitaskStrategy,
            Kwargs = options.ToJson(),
            Metadata = JsonObjects.Empty,
        });
    }

    public static string Input(string text, string extra = "")
        => $$"""{"input":{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]}{{extra}}}""";
}

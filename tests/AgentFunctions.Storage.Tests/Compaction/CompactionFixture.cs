using AgentFunctions.Core.Graphs;
using System.Text.Json;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Core.Tools;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Compaction;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Tests.Queues;
using AgentFunctions.Storage.Threads;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Tests.Compaction;

/// <summary>
/// Every store on its own tables, a <c>compaction</c> queue of its own, and the compaction pieces over
/// them as a host wires them (trigger, handler, sweep, thread deletion), each made per call so a test can
/// give it its own options, clock or fault-injecting client.
/// </summary>
public sealed class CompactionFixture : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];

    public TableServiceClient Service { get; } = new(TestStorage.ConnectionString);

    public QueueServiceClient Queues { get; } = QueueTestClients.Service();

    public string QueueName => "cq" + _suffix;

    public string CheckpointTable => "cp" + _suffix;

    public string ThreadTable => "th" + _suffix;

    public string RunTable => "ru" + _suffix;

    public string EventTable => "ev" + _suffix;

    public TableThreadStore Threads { get; private set; } = null!;

    public TableAssistantStore Assistants { get; private set; } = null!;

    public TableCheckpointStore Checkpoints { get; private set; } = null!;

    public TableRunStore Runs { get; private set; } = null!;

    public TableRunEventLog Events { get; private set; } = null!;

    public QueueCompactionScheduler Scheduler => new(Queues, QueueName);

    public async Task InitializeAsync()
    {
        Threads = new TableThreadStore(Service, "th" + _suffix);
        Assistants = new TableAssistantStore(Service, "as" + _suffix);
        Checkpoints = new TableCheckpointStore(Service, new CheckpointStoreOptions { TableName = CheckpointTable });
        Runs = new TableRunStore(Service, "ru" + _suffix);
        Events = new TableRunEventLog(Service, new RunEventLogOptions { TableName = "ev" + _suffix, FlushInterval = TimeSpan.FromMilliseconds(50) });
        await Queues.GetQueueClient(QueueName).CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var prefix in new[] { "th", "as", "cp", "ru", "ev" })
        {
            await Service.DeleteTableAsync(prefix + _suffix);
        }

        await Queues.GetQueueClient(QueueName).DeleteIfExistsAsync();
        await Queues.GetQueueClient(QueueName + "-poison").DeleteIfExistsAsync();
    }

    /// <summary>The checkpoint store on a client whose every request first goes through <paramref name="before"/>.</summary>
    public TableCheckpointStore CheckpointsThrough(Func<HttpMessage, ValueTask> before)
        => new(ServiceThrough(before), new CheckpointStoreOptions { TableName = CheckpointTable });

    public static TableServiceClient ServiceThrough(Func<HttpMessage, ValueTask> before)
    {
        var options = new TableClientOptions();
        options.AddPolicy(new InterceptingPolicy(before), HttpPipelinePosition.PerCall);
        return new TableServiceClient(TestStorage.ConnectionString, options);
    }

    public ThreadDeletion Deletion(IRunEventLog? events = null) => new(Threads, Runs, Runs, events ?? Events, Checkpoints);

    public CompactionHandler Handler(CompactionOptions options, ICheckpointCompaction? compaction = null, ThreadDeletion? deletion = null, TimeProvider? time = null)
        => new(Checkpoints, compaction ?? Checkpoints, Runs, Assistants, Events, deletion ?? Deletion(), options, time);

    public CompactionTrigger Trigger(CompactionOptions options) => new(Checkpoints, Scheduler, options);

    public RetentionSweep Sweep(CompactionOptions options, TimeProvider? time = null)
        => new(Threads, Runs, Threads, Runs, Checkpoints, Deletion(), Scheduler, options, time);

    public RunExecutor Executor(IRunCompletionObserver? observer = null) => new(
        Runs, Threads, Assistants, Checkpoints, Events,
        new GraphRegistry([new AgentGraph(Checkpoints, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry())]),
        new RunExecutorOptions { CancelPollInterval = TimeSpan.FromMilliseconds(100), LeaseDuration = TimeSpan.FromSeconds(10), MaxTurnPollInterval = TimeSpan.FromMilliseconds(200) })
    {
        CompletionObserver = observer,
    };

    public async Task<AgentThread> NewThreadAsync(string owner = "owner", TableThreadStore? store = null, DateTimeOffset? expiresAt = null)
        => await (store ?? Threads).CreateAsync(new AgentThread { ThreadId = Guid.NewGuid().ToString("D"), OwnerId = owner, ExpiresAt = expiresAt });

    public async Task<AgentRun> CreateRunAsync(AgentThread thread, string body, string assistantId = AgentGraph.GraphId)
    {
        using var document = JsonDocument.Parse(body);
        var options = RunOptions.Parse(document.RootElement);
        return await Runs.CreateAsync(new AgentRun
        {
            RunId = RunIds.New(),
            OwnerId = thread.OwnerId,
            ThreadId = thread.ThreadId,
            AssistantId = assistantId,
            MultitaskStrategy = options.MultitaskStrategy,
            Kwargs = options.ToJson(),
            Metadata = JsonObjects.Empty,
        });
    }

    /// <summary>Creates a background run and executes it to its end (its events persisted, as a background run's are).</summary>
    public async Task<AgentRun> RunAsync(AgentThread thread, string text, IRunCompletionObserver? observer = null, string extra = "", string assistantId = AgentGraph.GraphId)
    {
        var run = await CreateRunAsync(thread, Input(text, extra), assistantId);
        return (await Executor(observer).Start(run, persistEvents: true).Completion)!;
    }

    /// <summary>The compaction messages visible on the queue now, for one thread; they are taken off the queue.</summary>
    public async Task<List<CompactionMessage>> TakeMessagesAsync(string threadId)
    {
        var taken = new List<CompactionMessage>();
        var queue = Queues.GetQueueClient(QueueName);
        while (true)
        {
            var received = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
            if (received.Length == 0)
            {
                return taken;
            }

            foreach (var message in received)
            {
                var parsed = CompactionMessage.Parse(message.Body);
                if (parsed.ThreadId == threadId)
                {
                    taken.Add(parsed);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }
        }
    }

    /// <summary>Every row of a thread's checkpoint partition (checkpoints, state, the compaction mark).</summary>
    public async Task<int> CountCheckpointRowsAsync(AgentThread thread)
    {
        var partition = AgentFunctions.Storage.Owners.OwnerKey.ToPartitionKey(thread.OwnerId) + "|" + thread.ThreadId;
        var count = 0;
        await foreach (var row in Service.GetTableClient(CheckpointTable).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            count++;
        }

        return count;
    }

    public static string Input(string text, string extra = "")
        => $$"""{"input":{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]}{{extra}}}""";
}

using AgentFunctions.Core.Graphs;
using System.Text.Json;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Core.Tools;
using AgentFunctions.Faults.Tests.Infrastructure;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Tables;
using AgentFunctions.Storage.Threads;
using Azure.Data.Tables;

namespace AgentFunctions.Faults.Tests;

/// <summary>
/// A background run whose executor died part way (its first attempt played here by hand, then abandoned with its lease
/// left to expire) is taken over by another executor from the queue message: it continues where the first stopped.
/// </summary>
[Collection(FaultsTestGroup.Name)]
public sealed class TakeoverTests(FaultsFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan DeadLease = TimeSpan.FromMilliseconds(500);

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private TableServiceClient _service = null!;
    private TableThreadStore _threads = null!;
    private TableCheckpointStore _checkpoints = null!;
    private TableRunStore _runs = null!;
    private TableRunEventLog _events = null!;
    private AgentGraph _graph = null!;
    private RunWorker _worker = null!;

    public async Task InitializeAsync()
    {
        await fixture.EnsureRunningAsync();
        _service = new TableServiceClient(fixture.ConnectionString, new TableClientOptions().AddStorageTracing());
        _threads = new TableThreadStore(_service, "th" + _suffix);
        _checkpoints = new TableCheckpointStore(_service, new CheckpointStoreOptions { TableName = "cp" + _suffix });
        _runs = new TableRunStore(_service, "ru" + _suffix);
        _events = new TableRunEventLog(_service, new RunEventLogOptions { TableName = "ev" + _suffix, FlushInterval = TimeSpan.FromMilliseconds(50) });
        _graph = new AgentGraph(_checkpoints, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry());
        var executor = new RunExecutor(
            _runs, _threads, new TableAssistantStore(_service, "as" + _suffix), _checkpoints, _events, new GraphRegistry([_graph]),
            new RunExecutorOptions { CancelPollInterval = TimeSpan.FromMilliseconds(100), LeaseDuration = TimeSpan.FromSeconds(10), MaxTurnPollInterval = TimeSpan.FromMilliseconds(200) });
        _worker = new RunWorker(_runs, executor);
    }

    public async Task DisposeAsync()
    {
        foreach (var prefix in new[] { "th", "as", "cp", "ru", "ev" })
        {
            await _service.DeleteTableAsync(prefix + _suffix);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task TakeOver_AfterTheInputWasApplied_ContinuesWithoutApplyingItAgainAndAppendsAttempt2()
    {
        var (thread, run) = await CreateRunAsync("taken over tokens=20");
        var written = await FirstAttemptAsync(run, stopAfter: e => e.Event == RunEvent.Messages);

        var ended = await _worker.HandleAsync(new RunMessage(thread.OwnerId, thread.ThreadId, run.RunId));
        var events = await ReadLogAsync(run.RunId);

        Assert.Equal(RunStatus.Success, ended?.Status);
        Assert.Equal(2, ended?.Attempt);
        Assert.Equal(["human", "ai"], await MessageTypesAsync(thread));
        Assert.Equal(3, await CountCheckpointsAsync(thread));
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(written.Select(Text), events.Take(written.Count).Select(Text));
        var secondMetadata = events[written.Count];
        Assert.Equal(RunEvent.Metadata, secondMetadata.Event);
        Assert.Equal(2, secondMetadata.Data.GetProperty("attempt").GetInt32());
        Assert.Equal(ThreadStatus.Idle, (await _threads.GetAsync(thread.OwnerId, thread.ThreadId))?.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task TakeOver_AfterOnlyTheInputCheckpoint_AppliesTheInputOnce()
    {
        var (thread, run) = await CreateRunAsync("input only tokens=5");
        await FirstAttemptAsync(run, stopAfter: e => e.Event == RunEvent.Checkpoints);

        var ended = await _worker.HandleAsync(new RunMessage(thread.OwnerId, thread.ThreadId, run.RunId));

        Assert.Equal(RunStatus.Success, ended?.Status);
        Assert.Equal(["human", "ai"], await MessageTypesAsync(thread));
        Assert.Equal(3, await CountCheckpointsAsync(thread));
    }

    [Fact(Timeout = 60_000)]
    public async Task TakeOver_BeforeAnythingWasWritten_RunsFromTheStartAsAttempt2()
    {
        var (thread, run) = await CreateRunAsync("nothing yet tokens=5");
        Assert.NotNull(await _runs.TryAcquireAsync(run.OwnerId, run.ThreadId, run.RunId, "dead-executor", DeadLease));
        await Task.Delay(DeadLease * 2);

        var ended = await _worker.HandleAsync(new RunMessage(thread.OwnerId, thread.ThreadId, run.RunId));
        var events = await ReadLogAsync(run.RunId);

        Assert.Equal(RunStatus.Success, ended?.Status);
        Assert.Equal(["human", "ai"], await MessageTypesAsync(thread));
        Assert.Equal(0, events[0].Sequence);
        Assert.Equal(2, events[0].Data.GetProperty("attempt").GetInt32());
    }

    [Fact(Timeout = 60_000)]
    public async Task Redelivered_WhileTheDeadExecutorsLeaseIsLive_WaitsForTheLeaseAndTakesTheRunOver()
    {
        var (thread, run) = await CreateRunAsync("early tokens=5");
        Assert.NotNull(await _runs.TryAcquireAsync(run.OwnerId, run.ThreadId, run.RunId, "dead-executor", TimeSpan.FromSeconds(2)));

        var ended = await _worker.HandleAsync(new RunMessage(thread.OwnerId, thread.ThreadId, run.RunId));

        Assert.Equal(RunStatus.Success, ended?.Status);
        Assert.Equal(2, ended?.Attempt);
        Assert.Equal(["human", "ai"], await MessageTypesAsync(thread));
    }

    private async Task<(AgentThread Thread, AgentRun Run)> CreateRunAsync(string text)
    {
        var thread = await _threads.CreateAsync(new AgentThread { ThreadId = Guid.NewGuid().ToString("D"), OwnerId = "owner" });
        using var body = JsonDocument.Parse($$"""{"input":{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]},"stream_mode":["values","messages-tuple","checkpoints"]}""");
        var options = RunOptions.Parse(body.RootElement);
        var run = await _runs.CreateAsync(new AgentRun
        {
            RunId = RunIds.New(),
            OwnerId = thread.OwnerId,
            ThreadId = thread.ThreadId,
            AssistantId = AgentGraph.GraphId,
            Kwargs = options.ToJson(),
            Metadata = JsonObjects.Empty,
        });
        return (thread, run);
    }

    /// <summary>
    /// Attempt 1, as an executor that dies: takes the run under a short lease, runs the graph and writes its events up to
    /// the first that <paramref name="stopAfter"/> picks, then stops, its lease left to expire. Returns the events written.
    /// </summary>
    private async Task<List<RunEvent>> FirstAttemptAsync(AgentRun run, Func<RunEvent, bool> stopAfter)
    {
        var held = await _runs.TryAcquireAsync(run.OwnerId, run.ThreadId, run.RunId, "dead-executor", DeadLease);
        Assert.NotNull(held);
        var options = RunOptions.Parse(held.Kwargs);
        var execution = _graph.Run(new RunRequest
        {
            OwnerId = held.OwnerId,
            ThreadId = held.ThreadId,
            RunId = held.RunId,
            AssistantId = held.AssistantId,
            Input = options.ToStateUpdate(),
            StreamModes = options.StreamModes.ToHashSet(),
            Attempt = held.Attempt,
        });

        var written = new List<RunEvent>();
        var writer = _events.OpenWriter(run.RunId);
        await foreach (var runEvent in execution.Events)
        {
            await writer.AppendAsync(runEvent);
            written.Add(runEvent);
            if (stopAfter(runEvent))
            {
                break;
            }
        }

        await writer.DisposeAsync(); // what was appended is written; the log is not completed
        await Task.Delay(DeadLease * 2);
        return written;
    }

    private static string Text(RunEvent runEvent) => $"{runEvent.Sequence} {runEvent.Event} {runEvent.Data.GetRawText()}";

    private async Task<List<RunEvent>> ReadLogAsync(string runId)
    {
        var events = new List<RunEvent>();
        await foreach (var runEvent in _events.ReadAsync(runId))
        {
            events.Add(runEvent);
        }

        return events;
    }

    private async Task<List<string>> MessageTypesAsync(AgentThread thread)
    {
        var latest = await _checkpoints.GetLatestAsync(thread.OwnerId, thread.ThreadId);
        Assert.NotNull(latest);
        return latest.Values.Messages.Select(m => m.Type).ToList();
    }

    private async Task<int> CountCheckpointsAsync(AgentThread thread)
    {
        var count = 0;
        await foreach (var _ in _checkpoints.GetCheckpointSummariesAsync(thread.OwnerId, thread.ThreadId))
        {
            count++;
        }

        return count;
    }
}

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
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Faults.Tests;

/// <summary>
/// A run whose watcher (cancel checks, lease renewals) and end writes meet storage that is unavailable for a while: the
/// run's outcome is what happened to the run, not what a failed read said.
/// </summary>
[Collection(FaultsTestGroup.Name)]
public sealed class RunThroughOutageTests(FaultsFixture fixture) : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private TableServiceClient _service = null!;
    private TableThreadStore _threads = null!;
    private TableCheckpointStore _checkpoints = null!;
    private FlakyRunStore _runs = null!;
    private RunExecutor _executor = null!;

    public async Task InitializeAsync()
    {
        await fixture.EnsureRunningAsync();
        _service = new TableServiceClient(fixture.ConnectionString, new TableClientOptions().AddStorageTracing());
        _threads = new TableThreadStore(_service, "th" + _suffix);
        _checkpoints = new TableCheckpointStore(_service, new CheckpointStoreOptions { TableName = "cp" + _suffix });
        _runs = new FlakyRunStore(new TableRunStore(_service, "ru" + _suffix));
        var events = new TableRunEventLog(_service, new RunEventLogOptions { TableName = "ev" + _suffix, FlushInterval = TimeSpan.FromMilliseconds(50) });
        var graph = new AgentGraph(_checkpoints, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry());
        _executor = new RunExecutor(
            _runs, _threads, new TableAssistantStore(_service, "as" + _suffix), _checkpoints, events, new GraphRegistry([graph]),
            new RunExecutorOptions { CancelPollInterval = TimeSpan.FromMilliseconds(50), LeaseDuration = TimeSpan.FromSeconds(1) });
    }

    public async Task DisposeAsync()
    {
        foreach (var prefix in new[] { "th", "as", "cp", "ru", "ev" })
        {
            await _service.DeleteTableAsync(prefix + _suffix);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Run_CancelChecksAndLeaseRenewalsFailForAWhile_EndsAsSuccess()
    {
        var (thread, run) = await CreateRunAsync("watched tokens=40 delay_ms=50");
        var handle = _executor.Start(run, persistEvents: true);
        var events = new List<RunEvent>();
        await foreach (var runEvent in handle.ReadEventsAsync())
        {
            events.Add(runEvent);
            if (runEvent.Event == RunEvent.Messages && !_runs.Failing && _runs.FailedCalls == 0)
            {
                _runs.Failing = true; // every read and renewal of the run fails for 800 ms: several polls, and a renewal due
                _ = Task.Delay(800).ContinueWith(_ => _runs.Failing = false, TaskScheduler.Default);
            }
        }

        var ended = await handle.Completion;

        Assert.True(_runs.FailedCalls > 3, $"the watcher met the outage ({_runs.FailedCalls} failed calls)");
        Assert.Equal(RunStatus.Success, ended?.Status);
        Assert.DoesNotContain(events, e => e.Event == RunEvent.Error);
        Assert.Equal(ThreadStatus.Idle, (await _threads.GetAsync(thread.OwnerId, thread.ThreadId))?.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task Run_EndWritesFailForAWhile_AreRetriedAndTheRunEndsAsSuccess()
    {
        var (thread, run) = await CreateRunAsync("ending tokens=5");
        _runs.FailCompletions = 3;

        var ended = await _executor.Start(run, persistEvents: true).Completion;

        Assert.Equal(0, _runs.FailCompletions);
        Assert.Equal(RunStatus.Success, ended?.Status);
        Assert.Equal(RunStatus.Success, (await _runs.GetAsync(run.OwnerId, run.ThreadId, run.RunId))?.Status);
        Assert.Equal(ThreadStatus.Idle, (await _threads.GetAsync(thread.OwnerId, thread.ThreadId))?.Status);
    }

    private async Task<(AgentThread Thread, AgentRun Run)> CreateRunAsync(string text)
    {
        var thread = await _threads.CreateAsync(new AgentThread { ThreadId = Guid.NewGuid().ToString("D"), OwnerId = "owner" });
        using var body = JsonDocument.Parse($$"""{"input":{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]},"stream_mode":["messages-tuple"]}""");
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

    /// <summary>The table run store, with reads, renewals and completions failing as unavailable storage does when asked.</summary>
    private sealed class FlakyRunStore(IRunStore inner) : IRunStore
    {
        private int _failed;
        private int _failCompletions;

        public volatile bool Failing;

        public int FailedCalls => Volatile.Read(ref _failed);

        public int FailCompletions
        {
            get => Volatile.Read(ref _failCompletions);
            set => Volatile.Write(ref _failCompletions, value);
        }

        public Task<AgentRun> CreateAsync(AgentRun run, CancellationToken cancellationToken = default) => inner.CreateAsync(run, cancellationToken);

        public Task<AgentRun> CreateHeldAsync(AgentRun run, string executorId, TimeSpan lease, bool threadIsNew = false, CancellationToken cancellationToken = default)
            => inner.CreateHeldAsync(run, executorId, lease, threadIsNew, cancellationToken);

        public async Task<AgentRun?> GetAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
        {
            ThrowWhenFailing();
            return await inner.GetAsync(ownerId, threadId, runId, cancellationToken);
        }

        public AsyncPageable<AgentRun> ListAsync(string ownerId, string threadId, RunStatus? status = null, CancellationToken cancellationToken = default)
            => inner.ListAsync(ownerId, threadId, status, cancellationToken);

        public Task<AgentRun?> TryAcquireAsync(string ownerId, string threadId, string runId, string executorId, TimeSpan lease, CancellationToken cancellationToken = default)
            => inner.TryAcquireAsync(ownerId, threadId, runId, executorId, lease, cancellationToken);

        public async Task<AgentRun> RenewLeaseAsync(AgentRun run, TimeSpan lease, CancellationToken cancellationToken = default)
        {
            ThrowWhenFailing();
            return await inner.RenewLeaseAsync(run, lease, cancellationToken);
        }

        public async Task<AgentRun> CompleteAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
        {
            ThrowWhenCompletionFails();
            return await inner.CompleteAsync(run, status, errorMessage, cancellationToken);
        }

        public async Task<RunCompletion> CompleteAndFindNextAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
        {
            ThrowWhenCompletionFails();
            return await inner.CompleteAndFindNextAsync(run, status, errorMessage, cancellationToken);
        }

        public Task<AgentRun?> RequestCancelAsync(string ownerId, string threadId, string runId, CancelAction action, CancellationToken cancellationToken = default)
            => inner.RequestCancelAsync(ownerId, threadId, runId, action, cancellationToken);

        public Task<AgentRun?> GetActiveAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
            => inner.GetActiveAsync(ownerId, threadId, cancellationToken);

        public Task<bool> DeleteAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
            => inner.DeleteAsync(ownerId, threadId, runId, cancellationToken);

        private void ThrowWhenCompletionFails()
        {
            if (Interlocked.Decrement(ref _failCompletions) >= 0)
            {
                throw new StorageUnavailableException("Storage is away (simulated).");
            }

            Interlocked.Exchange(ref _failCompletions, 0);
        }

        private void ThrowWhenFailing()
        {
            if (Failing)
            {
                Interlocked.Increment(ref _failed);
                throw new StorageUnavailableException("Storage is away (simulated).");
            }
        }
    }
}

using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Runs;
using Microsoft.Extensions.Time.Testing;
using static AgentFunctions.Storage.Tests.Runs.RunStoreFixture;

namespace AgentFunctions.Storage.Tests.Runs;

/// <summary>One active run per thread: multitask strategies, the order runs start in, and leases.</summary>
public class RunQueueTests(RunStoreFixture fixture) : IClassFixture<RunStoreFixture>
{
    private readonly TableRunStore _store = fixture.Store;

    [Fact]
    public async Task CreateAsync_RejectOnBusyThread_ThrowsStoreConflictAndWritesNothing()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var active = await _store.CreateAsync(NewRun(owner, thread));
        var rejected = NewRun(owner, thread, MultitaskStrategy.Reject);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.CreateAsync(rejected));

        Assert.Null(await _store.GetAsync(owner, thread, rejected.RunId));
        Assert.Equal([active.RunId], await fixture.ReadQueueAsync(owner, thread));
        Assert.Equal(2, await fixture.CountRowsAsync(owner, thread));
    }

    [Fact]
    public async Task CreateAsync_RejectOnFreeThread_CreatesTheRunFirstInTheQueue()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var earlier = await _store.CreateAsync(NewRun(owner, thread));
        await _store.RequestCancelAsync(owner, thread, earlier.RunId, CancelAction.Interrupt);

        var run = await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Reject));

        Assert.Equal([run.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateAsync_Enqueue_QueuesTheRunsInCreationOrder()
    {
        var owner = NewOwner();
        var thread = NewThreadId();

        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        var third = await _store.CreateAsync(NewRun(owner, thread));

        Assert.Equal([first.RunId, second.RunId, third.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateHeldAsync_FreeThread_CreatesTheRunHeldByTheExecutor()
    {
        var owner = NewOwner();
        var thread = NewThreadId();

        var run = await _store.CreateHeldAsync(NewRun(owner, thread), "executor-a", Lease);

        var stored = await _store.GetAsync(owner, thread, run.RunId);
        Assert.Equal((RunStatus.Running, "executor-a", 1), (run.Status, run.LeaseOwner, run.Attempt));
        Assert.Equal((RunStatus.Running, "executor-a", 1, run.ETag), (stored?.Status, stored?.LeaseOwner, stored?.Attempt, stored?.ETag));
        Assert.Equal([run.RunId], await fixture.ReadQueueAsync(owner, thread));
        Assert.Null(await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-b", Lease));
    }

    [Fact]
    public async Task CreateHeldAsync_BehindAnActiveRun_CreatesThePendingRunInTheQueue()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateHeldAsync(NewRun(owner, thread), "executor-a", Lease);

        var second = await _store.CreateHeldAsync(NewRun(owner, thread, MultitaskStrategy.Interrupt), "executor-a", Lease);

        Assert.Equal((RunStatus.Pending, null, 0), (second.Status, second.LeaseOwner, second.Attempt));
        Assert.Equal([first.RunId, second.RunId], await fixture.ReadQueueAsync(owner, thread));
        Assert.Equal(CancelAction.Interrupt, (await _store.GetAsync(owner, thread, first.RunId))?.CancelRequested);
    }

    [Fact]
    public async Task CreateHeldAsync_ThreadWronglyGuessedNew_QueuesTheRunBehindTheActiveOne()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));

        var second = await _store.CreateHeldAsync(NewRun(owner, thread), "executor-a", Lease, threadIsNew: true);

        Assert.Equal(RunStatus.Pending, second.Status);
        Assert.Equal([first.RunId, second.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateHeldAsync_ThreadRightlyGuessedNew_HoldsTheRunInOneRequest()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var requests = fixture.Requests.Count;

        var run = await _store.CreateHeldAsync(NewRun(owner, thread), "executor-a", Lease, threadIsNew: true);

        Assert.Equal(1, fixture.Requests.Count - requests);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal([run.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CompleteAndFindNextAsync_RunWithAnotherQueuedBehindIt_SaysTheThreadStillHasActiveRuns()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateHeldAsync(NewRun(owner, thread), "executor-a", Lease);
        var second = await _store.CreateAsync(NewRun(owner, thread));

        var (ended, more) = await _store.CompleteAndFindNextAsync(first, RunStatus.Success);

        Assert.Equal(RunStatus.Success, ended.Status);
        Assert.True(more);
        Assert.Equal(second.RunId, (await _store.GetActiveAsync(owner, thread))?.RunId);
    }

    [Fact]
    public async Task CompleteAndFindNextAsync_LastActiveRun_SaysTheThreadIsFree()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateHeldAsync(NewRun(owner, thread), "executor-a", Lease);

        var (ended, more) = await _store.CompleteAndFindNextAsync(run, RunStatus.Success);
        var (again, moreAgain) = await _store.CompleteAndFindNextAsync(run, RunStatus.Success);

        Assert.Equal((RunStatus.Success, false), (ended.Status, more));
        Assert.Equal((RunStatus.Success, false), (again.Status, moreAgain));
        Assert.Null(await _store.GetActiveAsync(owner, thread));
    }

    [Fact]
    public async Task TryAcquireAsync_RunBehindAnUnfinishedOne_ReturnsNull()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));

        var acquired = await _store.TryAcquireAsync(owner, thread, second.RunId, "executor-a", Lease);

        Assert.Null(acquired);
    }

    [Fact]
    public async Task TryAcquireAsync_RunBehindARunningOne_ReturnsNull()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);

        var acquired = await _store.TryAcquireAsync(owner, thread, second.RunId, "executor-b", Lease);

        Assert.Null(acquired);
    }

    [Fact]
    public async Task TryAcquireAsync_AfterTheFirstCompleted_AcquiresTheNext()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
        await _store.CompleteAsync(running!, RunStatus.Success);

        var acquired = await _store.TryAcquireAsync(owner, thread, second.RunId, "executor-b", Lease);

        Assert.Equal(RunStatus.Running, acquired?.Status);
        Assert.Equal("executor-b", acquired?.LeaseOwner);
        Assert.Equal(1, acquired?.Attempt);
    }

    [Fact]
    public async Task CompleteAsync_FirstOfThree_LeavesTheOthersQueuedInOrder()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        var third = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);

        await _store.CompleteAsync(running!, RunStatus.Success);

        Assert.Equal([second.RunId, third.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CompleteAsync_PendingRunNobodyHolds_EndsItAndTakesItOffTheQueue()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));

        var completed = await _store.CompleteAsync(run, RunStatus.Error, "The assistant does not exist.");

        Assert.Equal(RunStatus.Error, completed.Status);
        Assert.Empty(await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CompleteAsync_AlreadyCompletedTheSameWay_ReturnsTheRunUnchanged()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        var completed = await _store.CompleteAsync(running!, RunStatus.Success);

        var again = await _store.CompleteAsync(running!, RunStatus.Success);

        Assert.Equal(completed.ETag, again.ETag);
    }

    [Fact]
    public async Task CompleteAsync_AlreadyCompletedAnotherWay_ThrowsStoreConflict()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        await _store.CompleteAsync(running!, RunStatus.Success);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.CompleteAsync(running!, RunStatus.Error));
    }

    [Fact]
    public async Task CompleteAsync_StillRunning_ThrowsArgumentException()
    {
        var owner = NewOwner();
        var run = await _store.CreateAsync(NewRun(owner, NewThreadId()));

        await Assert.ThrowsAsync<ArgumentException>(() => _store.CompleteAsync(run, RunStatus.Running));
    }

    [Fact]
    public async Task CreateAsync_Interrupt_AsksTheRunningRunToStopAndQueuesBehindIt()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);

        var second = await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Interrupt));

        var running = await _store.GetAsync(owner, thread, first.RunId);
        Assert.Equal(RunStatus.Running, running?.Status);
        Assert.Equal(CancelAction.Interrupt, running?.CancelRequested);
        Assert.Equal([first.RunId, second.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateAsync_Rollback_AsksTheRunningRunToRollBackAndQueuesBehindIt()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);

        var second = await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Rollback));

        var running = await _store.GetAsync(owner, thread, first.RunId);
        Assert.Equal(RunStatus.Running, running?.Status);
        Assert.Equal(CancelAction.Rollback, running?.CancelRequested);
        Assert.Equal([first.RunId, second.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateAsync_InterruptWithRunsQueued_EndsThePendingOnesAsInterrupted()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
        var queued = await _store.CreateAsync(NewRun(owner, thread));

        var third = await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Interrupt));

        var ended = await _store.GetAsync(owner, thread, queued.RunId);
        Assert.Equal(RunStatus.Interrupted, ended?.Status);
        Assert.Equal(CancelAction.Interrupt, ended?.CancelRequested);
        Assert.Equal([first.RunId, third.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateAsync_RollbackWithRunsQueued_DeletesThePendingOnes()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
        var queued = await _store.CreateAsync(NewRun(owner, thread));

        var third = await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Rollback));

        Assert.Null(await _store.GetAsync(owner, thread, queued.RunId));
        Assert.Equal([first.RunId, third.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task CreateAsync_InterruptAPendingFirstRun_LetsTheNewRunBeAcquired()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Interrupt));

        var acquired = await _store.TryAcquireAsync(owner, thread, second.RunId, "executor-a", Lease);

        Assert.Equal(RunStatus.Running, acquired?.Status);
    }

    [Fact]
    public async Task TryAcquireAsync_ExpiredLease_SecondExecutorTakesItOverWithTheNextAttempt()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await store.CreateAsync(NewRun(owner, thread));
        await store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start + Lease + TimeSpan.FromTicks(1));

        var taken = await store.TryAcquireAsync(owner, thread, run.RunId, "executor-b", Lease);

        Assert.Equal("executor-b", taken?.LeaseOwner);
        Assert.Equal(2, taken?.Attempt);
        Assert.Equal(clock.GetUtcNow() + Lease, taken?.LeaseExpiresAt);
    }

    [Fact]
    public async Task TryAcquireAsync_LiveLease_ReturnsNull()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await store.CreateAsync(NewRun(owner, thread));
        await store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start + Lease - TimeSpan.FromTicks(1));

        var taken = await store.TryAcquireAsync(owner, thread, run.RunId, "executor-b", Lease);

        Assert.Null(taken);
    }

    [Fact]
    public async Task TryAcquireAsync_EndedRun_ReturnsNull()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        await _store.CompleteAsync(running!, RunStatus.Success);

        var acquired = await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-b", Lease);

        Assert.Null(acquired);
    }

    [Fact]
    public async Task RenewLeaseAsync_Holder_ExtendsTheLeaseFromNow()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var run = await store.CreateAsync(NewRun(owner, NewThreadId()));
        var running = await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start.AddSeconds(30));

        var renewed = await store.RenewLeaseAsync(running!, Lease);

        var read = await store.GetAsync(owner, run.ThreadId, run.RunId);
        Assert.Equal(clock.GetUtcNow() + Lease, renewed.LeaseExpiresAt);
        Assert.Equal(renewed.LeaseExpiresAt, read?.LeaseExpiresAt);
        Assert.Equal(renewed.ETag, read?.ETag);
    }

    [Fact]
    public async Task RenewLeaseAsync_StaleETagAfterTakeover_ThrowsStoreConflict()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var run = await store.CreateAsync(NewRun(owner, NewThreadId()));
        var lost = await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start + Lease + TimeSpan.FromSeconds(1));
        await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-b", Lease);

        await Assert.ThrowsAsync<StoreConflictException>(() => store.RenewLeaseAsync(lost!, Lease));
    }

    [Fact]
    public async Task RenewLeaseAsync_AfterACancelRequest_ExtendsTheLeaseAndReturnsTheRequest()
    {
        var owner = NewOwner();
        var run = await _store.CreateAsync(NewRun(owner, NewThreadId()));
        var running = await _store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        await _store.RequestCancelAsync(owner, run.ThreadId, run.RunId, CancelAction.Interrupt);

        var renewed = await _store.RenewLeaseAsync(running!, Lease);

        Assert.Equal(CancelAction.Interrupt, renewed.CancelRequested);
        Assert.Equal(renewed.ETag, (await _store.GetAsync(owner, run.ThreadId, run.RunId))?.ETag);
    }

    [Fact]
    public async Task CompleteAsync_ByAnExecutorWhoseLeaseWasTakenOver_ThrowsStoreConflict()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var run = await store.CreateAsync(NewRun(owner, NewThreadId()));
        var lost = await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start + Lease + TimeSpan.FromSeconds(1));
        await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-b", Lease);

        await Assert.ThrowsAsync<StoreConflictException>(() => store.CompleteAsync(lost!, RunStatus.Success));
    }

    [Fact]
    public async Task CompleteAsync_AfterACancelRequest_EndsTheRunForItsHolder()
    {
        var owner = NewOwner();
        var run = await _store.CreateAsync(NewRun(owner, NewThreadId()));
        var running = await _store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        await _store.RequestCancelAsync(owner, run.ThreadId, run.RunId, CancelAction.Interrupt);

        var completed = await _store.CompleteAsync(running!, RunStatus.Interrupted);

        Assert.Equal(RunStatus.Interrupted, completed.Status);
        Assert.Equal(CancelAction.Interrupt, completed.CancelRequested);
    }

    [Fact]
    public async Task GetActiveAsync_FreeThread_ReturnsNull()
    {
        var active = await _store.GetActiveAsync(NewOwner(), NewThreadId());

        Assert.Null(active);
    }

    [Fact]
    public async Task GetActiveAsync_AfterTheFirstCompleted_ReturnsTheNext()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
        await _store.CompleteAsync(running!, RunStatus.Success);

        var active = await _store.GetActiveAsync(owner, thread);

        Assert.Equal(second.RunId, active?.RunId);
    }
}

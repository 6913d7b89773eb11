using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Runs;
using Microsoft.Extensions.Time.Testing;
using static AgentFunctions.Storage.Tests.Runs.RunStoreFixture;

namespace AgentFunctions.Storage.Tests.Runs;

/// <summary>Creators, executors and cancellers racing on one thread: no run is lost, run twice, or left queued after it ended.</summary>
public class RunConcurrencyTests(RunStoreFixture fixture) : IClassFixture<RunStoreFixture>
{
    private readonly TableRunStore _store = fixture.Store;

    [Fact]
    public async Task CreateAsync_20ConcurrentEnqueues_QueueHoldsEveryRunOnceInCreationOrder()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var runs = Enumerable.Range(0, 20).Select(_ => NewRun(owner, thread)).ToList();

        var created = await Task.WhenAll(runs.Select(run => _store.CreateAsync(run)));

        var queue = await fixture.ReadQueueAsync(owner, thread);
        var createdAt = created.ToDictionary(r => r.RunId, r => r.CreatedAt);
        Assert.Equal(runs.Select(r => r.RunId).Order(), queue.Order());
        Assert.Equal(queue.Select(id => createdAt[id]).Order(), queue.Select(id => createdAt[id]));
    }

    [Fact]
    public async Task CreateAsync_20ConcurrentEnqueues_RunsStartOneAtATimeInQueueOrder()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _store.CreateAsync(NewRun(owner, thread))));
        var queue = await fixture.ReadQueueAsync(owner, thread);

        var started = new List<string>();
        for (var i = 0; i < queue.Count; i++)
        {
            var takers = await Task.WhenAll(queue.Select(id => _store.TryAcquireAsync(owner, thread, id, "executor-" + id, Lease)));
            var taken = Assert.Single(takers, r => r is not null)!;
            started.Add(taken.RunId);
            await _store.CompleteAsync(taken, RunStatus.Success);
        }

        Assert.Equal(queue, started);
    }

    [Fact]
    public async Task CreateAsync_ConcurrentRejectsOnAFreeThread_CreatesExactlyOne()
    {
        var owner = NewOwner();
        var thread = NewThreadId();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                return await _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Reject));
            }
            catch (StoreConflictException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(outcomes, r => r is not null)!;
        Assert.Equal([winner.RunId], await fixture.ReadQueueAsync(owner, thread));
        Assert.Equal(2, await fixture.CountRowsAsync(owner, thread));
    }

    [Fact]
    public async Task TryAcquireAsync_TwoExecutorsRacing_ExactlyOneWinsEachTime()
    {
        var owner = NewOwner();
        for (var round = 0; round < 10; round++)
        {
            var run = await _store.CreateAsync(NewRun(owner, NewThreadId()));

            var takers = await Task.WhenAll(
                _store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease),
                _store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-b", Lease));

            var winner = Assert.Single(takers, r => r is not null)!;
            var stored = await _store.GetAsync(owner, run.ThreadId, run.RunId);
            Assert.Equal(winner.LeaseOwner, stored?.LeaseOwner);
            Assert.Equal(1, stored?.Attempt);
        }
    }

    [Fact]
    public async Task TryAcquireAsync_ExecutorsRacingForAnExpiredLease_ExactlyOneTakesItOver()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var run = await store.CreateAsync(NewRun(owner, NewThreadId()));
        await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start + Lease + TimeSpan.FromSeconds(1));

        var takers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => store.TryAcquireAsync(owner, run.ThreadId, run.RunId, $"executor-{i}", Lease)));

        var winner = Assert.Single(takers, r => r is not null)!;
        Assert.Equal(2, winner.Attempt);
        Assert.Equal(winner.ETag, (await store.GetAsync(owner, run.ThreadId, run.RunId))?.ETag);
    }

    [Fact]
    public async Task CompleteAsync_WhileOthersEnqueue_LeavesExactlyTheNewRunsQueued()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var running = await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
        var newRuns = Enumerable.Range(0, 10).Select(_ => NewRun(owner, thread)).ToList();

        var creating = Task.WhenAll(newRuns.Select(run => _store.CreateAsync(run)));
        var completing = _store.CompleteAsync(running!, RunStatus.Success);
        await Task.WhenAll(creating, completing);

        Assert.Equal(newRuns.Select(r => r.RunId).Order(), (await fixture.ReadQueueAsync(owner, thread)).Order());
    }

    [Fact]
    public async Task RequestCancelAsync_RacingAnAcquire_LeavesTheRunEitherEndedAndUnqueuedOrRunningWithTheRequest()
    {
        var owner = NewOwner();
        for (var round = 0; round < 10; round++)
        {
            var thread = NewThreadId();
            var run = await _store.CreateAsync(NewRun(owner, thread));

            var acquiring = _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
            var cancelling = _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Interrupt);
            await Task.WhenAll(acquiring, cancelling);

            var stored = await _store.GetAsync(owner, thread, run.RunId);
            var queue = await fixture.ReadQueueAsync(owner, thread);
            if (await acquiring is null)
            {
                Assert.Equal(RunStatus.Interrupted, stored?.Status);
                Assert.Empty(queue);
            }
            else
            {
                Assert.Equal(RunStatus.Running, stored?.Status);
                Assert.Equal(CancelAction.Interrupt, stored?.CancelRequested);
                Assert.Equal([run.RunId], queue);
            }
        }
    }

    [Fact]
    public async Task CreateAsync_InterruptRacingAnAcquire_NeverLeavesTwoRunsRunning()
    {
        var owner = NewOwner();
        for (var round = 0; round < 10; round++)
        {
            var thread = NewThreadId();
            var first = await _store.CreateAsync(NewRun(owner, thread));

            var acquiring = _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
            var interrupting = _store.CreateAsync(NewRun(owner, thread, MultitaskStrategy.Interrupt));
            await Task.WhenAll(acquiring, (Task)interrupting);
            var second = await _store.TryAcquireAsync(owner, thread, (await interrupting).RunId, "executor-b", Lease);

            Assert.True(await acquiring is null || second is null);
        }
    }
}

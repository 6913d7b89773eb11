using System.Text.Json;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Runs;
using Microsoft.Extensions.Time.Testing;
using static AgentFunctions.Storage.Tests.Runs.RunStoreFixture;

namespace AgentFunctions.Storage.Tests.Runs;

/// <summary>Run records: what is stored, read back, listed, cancelled and deleted.</summary>
public class TableRunStoreTests(RunStoreFixture fixture) : IClassFixture<RunStoreFixture>
{
    private readonly TableRunStore _store = fixture.Store;

    [Fact]
    public async Task GetAsync_AfterCreate_RoundTripsEveryField()
    {
        var clock = new FakeTimeProvider(Start.AddTicks(1234567));
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var kwargs = JsonObjects.Parse("""
            {"input": {"messages": [{"type": "human", "content": "Grüße 🚀 \"quoted\"\nline two"}]},
             "config": {"configurable": {"model": "offline"}}, "stream_mode": ["values", "messages-tuple"], "interrupt_before": null}
            """);
        var metadata = JsonObjects.Parse("""{"user": "u-1", "n": 42, "nested": {"a": [1, "two"]}, "汉字": "値"}""");
        var run = NewRun(owner, NewThreadId(), MultitaskStrategy.Rollback) with { AssistantId = "assistant-7", Kwargs = kwargs, Metadata = metadata };

        var created = await store.CreateAsync(run);
        var read = await store.GetAsync(owner, run.ThreadId, run.RunId);

        Assert.NotNull(read);
        Assert.Equal(run.RunId, read.RunId);
        Assert.Equal(owner, read.OwnerId);
        Assert.Equal(run.ThreadId, read.ThreadId);
        Assert.Equal("assistant-7", read.AssistantId);
        Assert.Equal(RunStatus.Pending, read.Status);
        Assert.Equal(MultitaskStrategy.Rollback, read.MultitaskStrategy);
        Assert.True(JsonElement.DeepEquals(kwargs, read.Kwargs));
        Assert.True(JsonElement.DeepEquals(metadata, read.Metadata));
        Assert.Equal(clock.GetUtcNow(), read.CreatedAt);
        Assert.Equal(clock.GetUtcNow(), read.UpdatedAt);
        Assert.Null(read.Error);
        Assert.Null(read.CancelRequested);
        Assert.Null(read.LeaseOwner);
        Assert.Null(read.LeaseExpiresAt);
        Assert.Equal(0, read.Attempt);
        Assert.Equal(created.ETag, read.ETag);
    }

    [Fact]
    public async Task GetAsync_AfterAcquireAndCancelRequest_RoundTripsLeaseAttemptAndRequest()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var run = await store.CreateAsync(NewRun(owner, NewThreadId()));
        clock.SetUtcNow(Start.AddSeconds(3));
        await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);

        var flagged = await store.RequestCancelAsync(owner, run.ThreadId, run.RunId, CancelAction.Rollback);
        var read = await store.GetAsync(owner, run.ThreadId, run.RunId);

        Assert.NotNull(read);
        Assert.Equal(RunStatus.Running, read.Status);
        Assert.Equal("executor-a", read.LeaseOwner);
        Assert.Equal(clock.GetUtcNow() + Lease, read.LeaseExpiresAt);
        Assert.Equal(1, read.Attempt);
        Assert.Equal(CancelAction.Rollback, read.CancelRequested);
        Assert.Equal(Start, read.CreatedAt);
        Assert.Equal(clock.GetUtcNow(), read.UpdatedAt);
        Assert.Equal(flagged?.ETag, read.ETag);
    }

    [Fact]
    public async Task GetAsync_AfterComplete_RoundTripsStatusErrorAndClearedLease()
    {
        var clock = new FakeTimeProvider(Start);
        var store = fixture.StoreWith(clock);
        var owner = NewOwner();
        var run = await store.CreateAsync(NewRun(owner, NewThreadId()));
        var acquired = await store.TryAcquireAsync(owner, run.ThreadId, run.RunId, "executor-a", Lease);
        clock.SetUtcNow(Start.AddSeconds(9));

        var completed = await store.CompleteAsync(acquired!, RunStatus.Error, "The model could not be reached.");
        var read = await store.GetAsync(owner, run.ThreadId, run.RunId);

        Assert.NotNull(read);
        Assert.Equal(RunStatus.Error, read.Status);
        Assert.Equal("The model could not be reached.", read.Error);
        Assert.Equal(clock.GetUtcNow(), read.UpdatedAt);
        Assert.Null(read.LeaseOwner);
        Assert.Null(read.LeaseExpiresAt);
        Assert.Equal(1, read.Attempt);
        Assert.Equal(completed.ETag, read.ETag);
    }

    [Fact]
    public async Task CreateAsync_FieldsOfARunThatStarted_AreIgnored()
    {
        var owner = NewOwner();
        var run = NewRun(owner, NewThreadId()) with
        {
            Status = RunStatus.Success,
            Error = "x",
            CancelRequested = CancelAction.Interrupt,
            LeaseOwner = "executor-a",
            LeaseExpiresAt = Start,
            Attempt = 3,
        };

        var created = await _store.CreateAsync(run);

        Assert.Equal(RunStatus.Pending, created.Status);
        Assert.Null(created.Error);
        Assert.Null(created.CancelRequested);
        Assert.Null(created.LeaseOwner);
        Assert.Null(created.LeaseExpiresAt);
        Assert.Equal(0, created.Attempt);
    }

    [Fact]
    public async Task CreateAsync_ExistingRunId_ThrowsStoreConflict()
    {
        var run = NewRun(NewOwner(), NewThreadId());
        await _store.CreateAsync(run);

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.CreateAsync(run));
    }

    [Fact]
    public async Task CreateAsync_IdNotMadeByRunIds_ThrowsArgumentException()
    {
        var run = NewRun(NewOwner(), NewThreadId()) with { RunId = Guid.NewGuid().ToString("D") };

        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateAsync(run));
    }

    [Fact]
    public async Task CreateAsync_KwargsNotAnObject_ThrowsArgumentException()
    {
        var run = NewRun(NewOwner(), NewThreadId()) with { Kwargs = JsonObjects.Parse("""[1, 2]""").Clone() };

        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateAsync(run));
    }

    [Fact]
    public async Task GetAsync_Absent_ReturnsNull()
    {
        var read = await _store.GetAsync(NewOwner(), NewThreadId(), RunIds.New());

        Assert.Null(read);
    }

    [Fact]
    public async Task GetAsync_IdNotMadeByRunIds_ReturnsNull()
    {
        var read = await _store.GetAsync(NewOwner(), NewThreadId(), "not-a-run");

        Assert.Null(read);
    }

    [Fact]
    public async Task ListAsync_AfterComplete_ReturnsTheRunsNewestFirstWithTheirFinalStatus()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        var third = await _store.CreateAsync(NewRun(owner, thread));
        var acquired = await _store.TryAcquireAsync(owner, thread, first.RunId, "executor-a", Lease);
        await _store.CompleteAsync(acquired!, RunStatus.Success);

        var runs = await ToListAsync(_store.ListAsync(owner, thread));

        Assert.Equal([third.RunId, second.RunId, first.RunId], runs.Select(r => r.RunId));
        Assert.Equal([RunStatus.Pending, RunStatus.Pending, RunStatus.Success], runs.Select(r => r.Status));
    }

    [Fact]
    public async Task ListAsync_WithStatus_ReturnsOnlyRunsWithThatStatus()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var first = await _store.CreateAsync(NewRun(owner, thread));
        var second = await _store.CreateAsync(NewRun(owner, thread));
        await _store.RequestCancelAsync(owner, thread, first.RunId, CancelAction.Interrupt);

        var interrupted = await ToListAsync(_store.ListAsync(owner, thread, RunStatus.Interrupted));
        var pending = await ToListAsync(_store.ListAsync(owner, thread, RunStatus.Pending));

        Assert.Equal([first.RunId], interrupted.Select(r => r.RunId));
        Assert.Equal([second.RunId], pending.Select(r => r.RunId));
    }

    [Fact]
    public async Task ListAsync_PagesOfTwo_ReturnEveryRunOnceNewestFirst()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await _store.CreateAsync(NewRun(owner, thread))).RunId);
        }

        var pages = new List<IReadOnlyList<AgentRun>>();
        await foreach (var page in _store.ListAsync(owner, thread).AsPages(pageSizeHint: 2))
        {
            pages.Add(page.Values);
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(Enumerable.Reverse(created), pages.SelectMany(p => p).Select(r => r.RunId));
    }

    [Fact]
    public void ListAsync_NotEnumerated_SendsNoRequest()
    {
        fixture.Requests.Reset();

        _ = _store.ListAsync(NewOwner(), NewThreadId());

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task RequestCancelAsync_PendingRun_EndsItAsInterruptedAndTakesItOffTheQueue()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));

        var cancelled = await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Interrupt);

        Assert.Equal(RunStatus.Interrupted, cancelled?.Status);
        Assert.Equal(CancelAction.Interrupt, cancelled?.CancelRequested);
        Assert.Empty(await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task RequestCancelAsync_RollbackOfAPendingRun_DeletesItAndTakesItOffTheQueue()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));

        var cancelled = await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Rollback);

        Assert.Equal(RunStatus.Interrupted, cancelled?.Status);
        Assert.Equal(CancelAction.Rollback, cancelled?.CancelRequested);
        Assert.Null(await _store.GetAsync(owner, thread, run.RunId));
        Assert.Empty(await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task RequestCancelAsync_PendingRun_CannotBeAcquiredAfterwards()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Rollback);

        var acquired = await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);

        Assert.Null(acquired);
    }

    [Fact]
    public async Task RequestCancelAsync_RunningRun_SetsCancelRequestedAndLeavesItRunning()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);

        var flagged = await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Interrupt);

        Assert.Equal(RunStatus.Running, flagged?.Status);
        Assert.Equal(CancelAction.Interrupt, flagged?.CancelRequested);
        Assert.Equal([run.RunId], await fixture.ReadQueueAsync(owner, thread));
    }

    [Fact]
    public async Task RequestCancelAsync_InterruptAfterRollback_KeepsTheRollback()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Rollback);

        var flagged = await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Interrupt);

        Assert.Equal(CancelAction.Rollback, flagged?.CancelRequested);
    }

    [Fact]
    public async Task RequestCancelAsync_EndedRun_ReturnsItUnchanged()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        var acquired = await _store.TryAcquireAsync(owner, thread, run.RunId, "executor-a", Lease);
        var completed = await _store.CompleteAsync(acquired!, RunStatus.Success);

        var cancelled = await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Interrupt);

        Assert.Equal(RunStatus.Success, cancelled?.Status);
        Assert.Null(cancelled?.CancelRequested);
        Assert.Equal(completed.ETag, cancelled?.ETag);
    }

    [Fact]
    public async Task RequestCancelAsync_Absent_ReturnsNull()
    {
        var cancelled = await _store.RequestCancelAsync(NewOwner(), NewThreadId(), RunIds.New(), CancelAction.Interrupt);

        Assert.Null(cancelled);
    }

    [Fact]
    public async Task DeleteAsync_ActiveRun_ThrowsStoreConflictAndKeepsIt()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));

        await Assert.ThrowsAsync<StoreConflictException>(() => _store.DeleteAsync(owner, thread, run.RunId));

        Assert.NotNull(await _store.GetAsync(owner, thread, run.RunId));
    }

    [Fact]
    public async Task DeleteAsync_EndedRun_DeletesIt()
    {
        var owner = NewOwner();
        var thread = NewThreadId();
        var run = await _store.CreateAsync(NewRun(owner, thread));
        await _store.RequestCancelAsync(owner, thread, run.RunId, CancelAction.Interrupt);

        var deleted = await _store.DeleteAsync(owner, thread, run.RunId);

        Assert.True(deleted);
        Assert.Null(await _store.GetAsync(owner, thread, run.RunId));
    }

    [Fact]
    public async Task DeleteAsync_Absent_ReturnsFalse()
    {
        var deleted = await _store.DeleteAsync(NewOwner(), NewThreadId(), RunIds.New());

        Assert.False(deleted);
    }
}

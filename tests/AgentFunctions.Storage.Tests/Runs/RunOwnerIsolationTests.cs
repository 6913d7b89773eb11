using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Runs;
using static AgentFunctions.Storage.Tests.Runs.RunStoreFixture;

namespace AgentFunctions.Storage.Tests.Runs;

/// <summary>One owner's runs are invisible to every other owner; ids that cannot name a run never reach a request.</summary>
public class RunOwnerIsolationTests(RunStoreFixture fixture) : IClassFixture<RunStoreFixture>
{
    private const string Owner = "alice@example.com";
    private const string Other = "bob@example.com";

    private readonly TableRunStore _store = fixture.Store;

    public static TheoryData<string> InvalidIds => new() { "", "a/b", "a'b", "x#1", "a b", "run?", new string('a', ResourceIds.MaxLength + 1) };

    [Fact]
    public async Task GetAsync_OtherOwner_ReturnsNull()
    {
        var run = await _store.CreateAsync(NewRun(Owner, NewThreadId()));

        var read = await _store.GetAsync(Other, run.ThreadId, run.RunId);

        Assert.Null(read);
    }

    [Fact]
    public async Task ListAsync_OtherOwner_FindsNothing()
    {
        var run = await _store.CreateAsync(NewRun(Owner, NewThreadId()));

        var runs = await ToListAsync(_store.ListAsync(Other, run.ThreadId));

        Assert.Empty(runs);
    }

    [Fact]
    public async Task GetActiveAsync_OtherOwner_ReturnsNull()
    {
        var run = await _store.CreateAsync(NewRun(Owner, NewThreadId()));

        var active = await _store.GetActiveAsync(Other, run.ThreadId);

        Assert.Null(active);
    }

    [Fact]
    public async Task TryAcquireAsync_OtherOwner_ReturnsNullAndLeavesTheRunPending()
    {
        var run = await _store.CreateAsync(NewRun(Owner, NewThreadId()));

        var acquired = await _store.TryAcquireAsync(Other, run.ThreadId, run.RunId, "executor-a", Lease);

        Assert.Null(acquired);
        Assert.Equal(RunStatus.Pending, (await _store.GetAsync(Owner, run.ThreadId, run.RunId))?.Status);
    }

    [Fact]
    public async Task RequestCancelAsync_OtherOwner_ReturnsNullAndLeavesTheRunPending()
    {
        var run = await _store.CreateAsync(NewRun(Owner, NewThreadId()));

        var cancelled = await _store.RequestCancelAsync(Other, run.ThreadId, run.RunId, CancelAction.Interrupt);

        Assert.Null(cancelled);
        Assert.Equal(RunStatus.Pending, (await _store.GetAsync(Owner, run.ThreadId, run.RunId))?.Status);
    }

    [Fact]
    public async Task DeleteAsync_OtherOwner_ReturnsFalseAndKeepsTheRun()
    {
        var run = await _store.CreateAsync(NewRun(Owner, NewThreadId()));
        await _store.RequestCancelAsync(Owner, run.ThreadId, run.RunId, CancelAction.Interrupt);

        var deleted = await _store.DeleteAsync(Other, run.ThreadId, run.RunId);

        Assert.False(deleted);
        Assert.NotNull(await _store.GetAsync(Owner, run.ThreadId, run.RunId));
    }

    [Fact]
    public async Task CreateAsync_SameThreadIdForAnotherOwner_QueuesItSeparately()
    {
        var mine = await _store.CreateAsync(NewRun(Owner, NewThreadId()));

        var theirs = await _store.CreateAsync(NewRun(Other, mine.ThreadId, MultitaskStrategy.Reject));

        Assert.Equal([theirs.RunId], await fixture.ReadQueueAsync(Other, mine.ThreadId));
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task EveryMethod_InvalidRunId_ThrowsBeforeAnyRequest(string runId)
    {
        var thread = NewThreadId();
        var run = NewRun(Owner, thread) with { RunId = runId, ETag = new Azure.ETag("W/\"1\"") };
        fixture.Requests.Reset();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => _store.CreateAsync(run));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.GetAsync(Owner, thread, runId));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.TryAcquireAsync(Owner, thread, runId, "executor-a", Lease));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.RenewLeaseAsync(run with { Status = RunStatus.Running, LeaseOwner = "executor-a" }, Lease));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.CompleteAsync(run, RunStatus.Success));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.RequestCancelAsync(Owner, thread, runId, CancelAction.Interrupt));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.DeleteAsync(Owner, thread, runId));

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task EveryMethod_InvalidThreadId_ThrowsBeforeAnyRequest(string threadId)
    {
        var runId = RunIds.New();
        var run = NewRun(Owner, threadId) with { RunId = runId, ETag = new Azure.ETag("W/\"1\"") };
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.CreateAsync(run));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.GetAsync(Owner, threadId, runId));
        Assert.Throws<InvalidResourceIdException>(() => _store.ListAsync(Owner, threadId));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.GetActiveAsync(Owner, threadId));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.TryAcquireAsync(Owner, threadId, runId, "executor-a", Lease));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.RenewLeaseAsync(run with { Status = RunStatus.Running, LeaseOwner = "executor-a" }, Lease));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.CompleteAsync(run, RunStatus.Success));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.RequestCancelAsync(Owner, threadId, runId, CancelAction.Interrupt));
        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.DeleteAsync(Owner, threadId, runId));

        Assert.Equal(0, fixture.Requests.Count);
    }

    [Fact]
    public async Task CreateAsync_InvalidAssistantId_ThrowsBeforeAnyRequest()
    {
        var run = NewRun(Owner, NewThreadId()) with { AssistantId = "../agent" };
        fixture.Requests.Reset();

        await Assert.ThrowsAsync<InvalidResourceIdException>(() => _store.CreateAsync(run));

        Assert.Equal(0, fixture.Requests.Count);
    }
}

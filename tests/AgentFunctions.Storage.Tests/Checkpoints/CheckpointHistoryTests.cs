using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.State;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

/// <summary>One thread of 5,000 checkpoints, each adding a message, shared by the history tests.</summary>
public sealed class LongThreadFixture : IAsyncLifetime
{
    public const int Count = 5000;

    public CheckpointStoreFixture Storage { get; } = new();

    public string Thread { get; } = NewThread();

    /// <summary>Checkpoint ids, oldest first.</summary>
    public List<string> Ids { get; } = [];

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        var store = Storage.Store();
        string? parent = null;
        for (var i = 0; i < Count; i++)
        {
            var put = await store.PutAsync(Write("owner", Thread, parent, StateUpdate.FromMessages(Human($"message {i}", $"m{i}")), step: i));
            Ids.Add(put.CheckpointId);
            parent = put.CheckpointId;
        }
    }

    public Task DisposeAsync() => Storage.DisposeAsync();
}

public class CheckpointHistoryTests(LongThreadFixture data) : IClassFixture<LongThreadFixture>
{
    private readonly ICheckpointStore _store = data.Storage.Store();

    [Fact]
    public async Task Summaries_AllPages_ReturnEveryCheckpointOnceNewestFirst()
    {
        var seen = new List<string>();

        await foreach (var page in _store.GetCheckpointSummariesAsync("owner", data.Thread).AsPages(pageSizeHint: 333))
        {
            Assert.InRange(page.Values.Count, 1, 333);
            seen.AddRange(page.Values.Select(s => s.CheckpointId));
        }

        Assert.Equal(Enumerable.Reverse(data.Ids), seen);
    }

    [Fact]
    public async Task Summaries_ResumedFromEachPagesToken_ContinueWithoutGapOrDuplicate()
    {
        var seen = new List<string>();
        string? token = null;
        do
        {
            // A new pageable per page, as an HTTP client resuming from the token it was given.
            await foreach (var page in _store.GetCheckpointSummariesAsync("owner", data.Thread).AsPages(token, 700))
            {
                seen.AddRange(page.Values.Select(s => s.CheckpointId));
                token = page.ContinuationToken;
                break;
            }
        }
        while (token is not null);

        Assert.Equal(Enumerable.Reverse(data.Ids), seen);
    }

    [Fact]
    public async Task Checkpoints_Before_StartsRightAfterThatCheckpointAndCarriesItsState()
    {
        var before = data.Ids[2500];

        var taken = new List<Checkpoint>();
        await foreach (var checkpoint in _store.GetCheckpointsAsync("owner", data.Thread, before: before, pageSizeHint: 3))
        {
            taken.Add(checkpoint);
            if (taken.Count == 5)
            {
                break;
            }
        }

        Assert.Equal(data.Ids[2495..2500].AsEnumerable().Reverse(), taken.Select(c => c.CheckpointId));
        Assert.Equal(2500, taken[0].Values.Messages.Count);
        Assert.Equal("message 2499", taken[0].Values.Messages[^1].Content.ToText());
        Assert.Equal(2496, taken[^1].Values.Messages.Count);
    }

    [Fact]
    public async Task Summaries_TakingTenOfFiveThousand_SendsOneRequestAndNoneBeforeEnumeration()
    {
        await WarmUpAsync();
        data.Storage.Requests.Reset();
        var pageable = _store.GetCheckpointSummariesAsync("owner", data.Thread, pageSizeHint: 10);
        var beforeEnumeration = data.Storage.Requests.Count;

        var taken = 0;
        await foreach (var summary in pageable)
        {
            if (++taken == 10)
            {
                break;
            }
        }

        Assert.Equal(0, beforeEnumeration);
        Assert.Equal(1, data.Storage.Requests.Count);
    }

    [Fact]
    public async Task Checkpoints_TakingTenWithValues_SendsTwoRequests()
    {
        var taken = 0;
        await WarmUpAsync();
        data.Storage.Requests.Reset();

        await foreach (var checkpoint in _store.GetCheckpointsAsync("owner", data.Thread, pageSizeHint: 10))
        {
            if (++taken == 10)
            {
                break;
            }
        }

        Assert.Equal(2, data.Storage.Requests.Count);
    }

    [Fact]
    public async Task GetLatest_FiveThousandCheckpoints_CostsTwoRequestsAndHasEveryMessage()
    {
        await WarmUpAsync();
        data.Storage.Requests.Reset();

        var latest = await _store.GetLatestAsync("owner", data.Thread);

        Assert.Equal(2, data.Storage.Requests.Count);
        Assert.Equal(data.Ids[^1], latest!.CheckpointId);
        Assert.Equal(LongThreadFixture.Count, latest.Values.Messages.Count);
        Assert.Equal(Enumerable.Range(0, LongThreadFixture.Count).Select(i => $"m{i}"), latest.Values.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task GetById_AnOldCheckpoint_CostsTwoRequests()
    {
        await WarmUpAsync();
        data.Storage.Requests.Reset();

        var old = await _store.GetAsync("owner", data.Thread, data.Ids[1234]);

        Assert.Equal(2, data.Storage.Requests.Count);
        Assert.Equal(1235, old!.Values.Messages.Count);
    }

    [Fact]
    public async Task Summaries_TokenNotFromTheStore_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var page in _store.GetCheckpointSummariesAsync("owner", data.Thread).AsPages("garbage"))
            {
            }
        });
    }

    /// <summary>A store creates its table on first use, once per process; count requests after that.</summary>
    private Task WarmUpAsync() => _store.GetLatestAsync("owner", "warm-up");
}

using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Storage.Threads;
using Azure;

namespace AgentFunctions.Storage.Tests.Threads;

/// <summary>
/// One owner with 250 threads t000..t249: status by i % 4 (idle, busy, interrupted, error); metadata
/// <c>{"i": i, "mod5": i % 5, "mod5text": "i % 5", "nested": {"even": i % 2 == 0, "tags": ["a", "b"]}}</c>.
/// </summary>
public sealed class ThreadSearchFixture : IAsyncLifetime
{
    public const int Count = 250;

    public ThreadStoreFixture Stores { get; } = new();

    public string Owner { get; } = ThreadStoreFixture.NewOwner();

    public static string Id(int i) => $"t{i:D3}";

    public static ThreadStatus StatusOf(int i) => (ThreadStatus)(i % 4);

    public async Task InitializeAsync()
    {
        await Stores.InitializeAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var metadata = JsonObjects.Parse(JsonSerializer.Serialize(new
            {
                i,
                mod5 = i % 5,
                mod5text = (i % 5).ToString(CultureInfo.InvariantCulture),
                nested = new { even = i % 2 == 0, tags = new[] { "a", "b" } },
            }));
            await Stores.Store.CreateAsync(new AgentThread { ThreadId = Id(i), OwnerId = Owner, Status = StatusOf(i), Metadata = metadata }, ct);
        });
    }

    public Task DisposeAsync() => Stores.DisposeAsync();
}

public class ThreadSearchTests(ThreadSearchFixture data) : IClassFixture<ThreadSearchFixture>
{
    private readonly TableThreadStore _store = data.Stores.Store;
    private readonly CountingPolicy _requests = data.Stores.Requests;
    private readonly string _owner = data.Owner;

    private static IEnumerable<string> Ids(Func<int, bool> where)
        => Enumerable.Range(0, ThreadSearchFixture.Count).Where(where).Select(ThreadSearchFixture.Id);

    [Fact]
    public async Task SearchAsync_EmptyQuery_ReturnsEveryThreadOfTheOwnerInIdOrder()
    {
        var found = await IdsAsync(_store.SearchAsync(_owner));

        Assert.Equal(Ids(_ => true), found);
    }

    [Fact]
    public async Task SearchAsync_ByStatus_ReturnsOnlyThreadsWithThatStatus()
    {
        var found = await IdsAsync(_store.SearchAsync(_owner, new ThreadSearchQuery { Status = ThreadStatus.Interrupted }));

        Assert.Equal(Ids(i => ThreadSearchFixture.StatusOf(i) == ThreadStatus.Interrupted), found);
    }

    [Fact]
    public async Task SearchAsync_ByStatus_FiltersOnTheServer()
    {
        var pages = 0;
        var items = 0;

        await foreach (var page in _store.SearchAsync(_owner, new ThreadSearchQuery { Status = ThreadStatus.Busy }).AsPages(pageSizeHint: 100))
        {
            pages++;
            items += page.Values.Count;
        }

        Assert.Equal(1, pages);
        Assert.Equal(63, items);
    }

    [Fact]
    public async Task SearchAsync_ByMetadataNumber_ReturnsThreadsWithAnEqualNumber()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"mod5": 3}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 5 == 3), found);
    }

    [Fact]
    public async Task SearchAsync_ByMetadataNumberAsString_DoesNotMatchTheNumber()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"mod5": "3"}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Empty(found);
    }

    [Fact]
    public async Task SearchAsync_ByMetadataString_DoesNotMatchTheNumberButTheString()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"mod5text": "3"}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 5 == 3), found);
    }

    [Fact]
    public async Task SearchAsync_ByNestedMetadataObject_ReturnsThreadsWithAnEqualValue()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"nested": {"tags": ["a", "b"], "even": true}}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 2 == 0), found);
    }

    [Fact]
    public async Task SearchAsync_ByPartOfANestedMetadataObject_ReturnsThreadsContainingIt()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"nested": {"even": true, "tags": ["b"]}}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 2 == 0), found);
    }

    [Fact]
    public async Task SearchAsync_BySeveralMetadataKeys_RequiresEveryKey()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"mod5": 0, "nested": {"even": false, "tags": ["a", "b"]}}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 10 == 5), found);
    }

    [Fact]
    public async Task SearchAsync_ByMetadataAndStatus_RequiresBoth()
    {
        var query = new ThreadSearchQuery { Status = ThreadStatus.Idle, Metadata = JsonObjects.Parse("""{"mod5": 0}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 4 == 0 && i % 5 == 0), found);
    }

    [Fact]
    public async Task SearchAsync_ByIds_ReturnsExactlyThoseThatExist()
    {
        var wanted = new[] { "t007", "t000", "t249", "t123", "t007", "missing-1" };

        var found = await IdsAsync(_store.SearchAsync(_owner, new ThreadSearchQuery { Ids = wanted }));

        Assert.Equal(["t000", "t007", "t123", "t249"], found);
    }

    [Fact]
    public async Task SearchAsync_ByMoreIdsThanOneFilterHolds_ReturnsEachOnce()
    {
        var wanted = Ids(i => i % 3 == 0).Take(ThreadSearchQuery.MaxIds).ToList();

        var found = await IdsAsync(_store.SearchAsync(_owner, new ThreadSearchQuery { Ids = wanted }));

        Assert.Equal(wanted, found);
    }

    [Fact]
    public async Task SearchAsync_ByIdsAndStatus_RequiresBoth()
    {
        var wanted = Ids(i => i < 40).ToList();

        var found = await IdsAsync(_store.SearchAsync(_owner, new ThreadSearchQuery { Ids = wanted, Status = ThreadStatus.Error }));

        Assert.Equal(Ids(i => i < 40 && i % 4 == 3), found);
    }

    [Fact]
    public async Task AsPages_PageSize100_ReturnsThreePagesWithoutGapOrDuplicate()
    {
        var sizes = new List<int>();
        var found = new List<string>();

        await foreach (var page in _store.SearchAsync(_owner).AsPages(pageSizeHint: 100))
        {
            sizes.Add(page.Values.Count);
            found.AddRange(page.Values.Select(t => t.ThreadId));
        }

        Assert.Equal([100, 100, 50], sizes);
        Assert.Equal(Ids(_ => true), found);
    }

    [Fact]
    public async Task AsPages_ResumedFromEachPagesToken_ReadsEveryThreadOnce()
    {
        var found = new List<string>();
        string? token = null;
        do
        {
            // A new pageable per page, as an HTTP client would resume with the token it was handed.
            await foreach (var page in _store.SearchAsync(_owner).AsPages(token, 100))
            {
                found.AddRange(page.Values.Select(t => t.ThreadId));
                token = page.ContinuationToken;
                break;
            }
        }
        while (token is not null);

        Assert.Equal(Ids(_ => true), found);
    }

    [Fact]
    public async Task AsPages_ManyIdsResumedFromEachPagesToken_ReadsEveryWantedThreadOnce()
    {
        var wanted = Ids(i => i % 2 == 1).Take(ThreadSearchQuery.MaxIds).ToList();
        var query = new ThreadSearchQuery { Ids = wanted };
        var found = new List<string>();
        string? token = null;
        do
        {
            await foreach (var page in _store.SearchAsync(_owner, query).AsPages(token, 5))
            {
                found.AddRange(page.Values.Select(t => t.ThreadId));
                token = page.ContinuationToken;
                break;
            }
        }
        while (token is not null);

        Assert.Equal(wanted, found);
    }

    [Fact]
    public async Task AsPages_MetadataFilterOnSmallPages_YieldsNoEmptyPageBeforeTheLast()
    {
        var query = new ThreadSearchQuery { Metadata = JsonObjects.Parse("""{"i": 200}""") };
        var pages = new List<int>();

        await foreach (var page in _store.SearchAsync(_owner, query).AsPages(pageSizeHint: 10))
        {
            pages.Add(page.Values.Count);
        }

        Assert.Equal(1, pages[0]);
        Assert.DoesNotContain(0, pages.SkipLast(1));
    }

    [Fact]
    public void SearchAsync_NotEnumerated_SendsNoRequest()
    {
        _requests.Reset();

        _ = _store.SearchAsync(_owner, new ThreadSearchQuery { Status = ThreadStatus.Busy, Ids = ["t001"] });

        Assert.Equal(0, _requests.Count);
    }

    [Fact]
    public async Task SearchAsync_FirstFewItems_SendOneRequest()
    {
        _requests.Reset();
        var found = new List<string>();

        await foreach (var thread in _store.SearchAsync(_owner))
        {
            found.Add(thread.ThreadId);
            if (found.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["t000", "t001", "t002"], found);
        Assert.Equal(1, _requests.Count);
    }

    [Fact]
    public async Task SearchAsync_ConsumerStopsAfterTheFirstPage_ReadsNoFurtherPage()
    {
        _requests.Reset();

        await foreach (var page in _store.SearchAsync(_owner).AsPages(pageSizeHint: 10))
        {
            break;
        }

        Assert.Equal(1, _requests.Count);
    }

    private static async Task<List<string>> IdsAsync(AsyncPageable<AgentThread> threads)
    {
        var ids = new List<string>();
        await foreach (var thread in threads)
        {
            ids.Add(thread.ThreadId);
        }

        return ids;
    }
}

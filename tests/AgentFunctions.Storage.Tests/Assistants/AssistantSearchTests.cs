using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Stores;
using AgentFunctions.Storage.Assistants;
using Azure;

namespace AgentFunctions.Storage.Tests.Assistants;

/// <summary>
/// One owner with assistants a00..a29: graph "agent" for even i, "research" for odd; name
/// "Helper {i}" or, for i % 3 == 0, "Math TUTOR {i}"; metadata <c>{"team": i % 3, "tier": {"level": i % 2}}</c>.
/// </summary>
public sealed class AssistantSearchFixture : IAsyncLifetime
{
    public const int Count = 30;

    public AssistantStoreFixture Stores { get; } = new();

    public string Owner { get; } = AssistantStoreFixture.NewOwner();

    public static string Id(int i) => $"a{i:D2}";

    public async Task InitializeAsync()
    {
        await Stores.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Stores.Store.CreateAsync(
            AssistantStoreFixture.NewAssistant(Owner, Id(i), i % 2 == 0 ? "agent" : "research", i % 3 == 0 ? $"Math TUTOR {i}" : $"Helper {i}") with
            {
                Metadata = JsonObjects.Parse(JsonSerializer.Serialize(new { team = i % 3, tier = new { level = i % 2 } })),
            })));
    }

    public Task DisposeAsync() => Stores.DisposeAsync();
}

public class AssistantSearchTests(AssistantSearchFixture data) : IClassFixture<AssistantSearchFixture>
{
    private readonly TableAssistantStore _store = data.Stores.Store;
    private readonly string _owner = data.Owner;

    private static IEnumerable<string> Ids(Func<int, bool> where)
        => Enumerable.Range(0, AssistantSearchFixture.Count).Where(where).Select(AssistantSearchFixture.Id);

    [Fact]
    public async Task SearchAsync_EmptyQuery_ReturnsEveryAssistantOfTheOwner()
    {
        var found = await IdsAsync(_store.SearchAsync(_owner));

        Assert.Equal(Ids(_ => true), found);
    }

    [Fact]
    public async Task SearchAsync_ByGraphId_ReturnsOnlyThatGraphsAssistants()
    {
        var found = await IdsAsync(_store.SearchAsync(_owner, new AssistantSearchQuery { GraphId = "research" }));

        Assert.Equal(Ids(i => i % 2 == 1), found);
    }

    [Fact]
    public async Task SearchAsync_ByNameInOtherCase_MatchesSubstrings()
    {
        var found = await IdsAsync(_store.SearchAsync(_owner, new AssistantSearchQuery { Name = "math tutor" }));

        Assert.Equal(Ids(i => i % 3 == 0), found);
    }

    [Fact]
    public async Task SearchAsync_ByMetadata_ReturnsAssistantsWithEqualValues()
    {
        var query = new AssistantSearchQuery { Metadata = JsonObjects.Parse("""{"team": 1, "tier": {"level": 0}}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 3 == 1 && i % 2 == 0), found);
    }

    [Fact]
    public async Task SearchAsync_ByMetadataNumberAsString_MatchesNothing()
    {
        var query = new AssistantSearchQuery { Metadata = JsonObjects.Parse("""{"team": "1"}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Empty(found);
    }

    [Fact]
    public async Task SearchAsync_ByGraphNameAndMetadata_RequiresAll()
    {
        var query = new AssistantSearchQuery { GraphId = "agent", Name = "helper", Metadata = JsonObjects.Parse("""{"team": 2}""") };

        var found = await IdsAsync(_store.SearchAsync(_owner, query));

        Assert.Equal(Ids(i => i % 2 == 0 && i % 3 == 2), found);
    }

    [Fact]
    public async Task SearchAsync_OtherOwner_FindsNothing()
    {
        var found = await IdsAsync(_store.SearchAsync(AssistantStoreFixture.NewOwner()));

        Assert.Empty(found);
    }

    [Fact]
    public async Task AsPages_ResumedFromEachPagesToken_ReadsEveryAssistantOnce()
    {
        var found = new List<string>();
        string? token = null;
        do
        {
            await foreach (var page in _store.SearchAsync(_owner).AsPages(token, 7))
            {
                found.AddRange(page.Values.Select(a => a.AssistantId));
                token = page.ContinuationToken;
                break;
            }
        }
        while (token is not null);

        Assert.Equal(Ids(_ => true), found);
    }

    [Fact]
    public void SearchAsync_NotEnumerated_SendsNoRequest()
    {
        data.Stores.Requests.Reset();

        _ = _store.SearchAsync(_owner, new AssistantSearchQuery { GraphId = "agent" });

        Assert.Equal(0, data.Stores.Requests.Count);
    }

    [Fact]
    public async Task SearchAsync_FirstFewItems_SendOneRequest()
    {
        data.Stores.Requests.Reset();
        var seen = 0;

        await foreach (var assistant in _store.SearchAsync(_owner))
        {
            if (++seen == 3)
            {
                break;
            }
        }

        Assert.Equal(1, data.Stores.Requests.Count);
    }

    [Fact]
    public void SearchAsync_InvalidGraphId_ThrowsBeforeAnyRequest()
    {
        data.Stores.Requests.Reset();

        Assert.Throws<InvalidResourceIdException>(() => _store.SearchAsync(_owner, new AssistantSearchQuery { GraphId = "x' or true or 'a" }));

        Assert.Equal(0, data.Stores.Requests.Count);
    }

    private static async Task<List<string>> IdsAsync(AsyncPageable<Assistant> assistants)
    {
        var ids = new List<string>();
        await foreach (var assistant in assistants)
        {
            ids.Add(assistant.AssistantId);
        }

        return ids;
    }
}

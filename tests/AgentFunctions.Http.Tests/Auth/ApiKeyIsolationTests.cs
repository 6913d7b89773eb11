namespace AgentFunctions.Http.Tests.Auth;

/// <summary>Under Auth:Mode ApiKey two keys are two owners: neither can reach the other's threads or assistants.</summary>
public class ApiKeyIsolationTests(ApiKeyServerFixture server) : IClassFixture<ApiKeyServerFixture>
{
    private readonly HttpClient _alice = server.Client(ApiKeyServerFixture.AliceKey);
    private readonly HttpClient _bob = server.Client(ApiKeyServerFixture.BobKey);

    public static TheoryData<string, string> Routes => new()
    {
        { "POST", "/threads" },
        { "POST", "/threads/search" },
        { "GET", "/threads/" + Guid.Empty },
        { "PATCH", "/threads/" + Guid.Empty },
        { "DELETE", "/threads/" + Guid.Empty },
        { "POST", "/assistants" },
        { "POST", "/assistants/search" },
        { "GET", "/assistants/agent" },
        { "PATCH", "/assistants/" + Guid.Empty },
        { "DELETE", "/assistants/" + Guid.Empty },
        { "GET", "/assistants/agent/graph" },
        { "GET", "/assistants/agent/schemas" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_NoKey_Returns401Problem(string method, string path)
    {
        var response = await server.Client().SendAsync(Request(method, path));

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_WrongKey_Returns401Problem(string method, string path)
    {
        var response = await server.Client("not-a-key-0123456789abcdef").SendAsync(Request(method, path));

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Thread_OtherOwner_CannotGetPatchOrDeleteIt()
    {
        // Arrange
        var id = await CreateThreadAsync(_alice, """{"owner":"alice"}""");

        // Act
        var get = await _bob.GetAsync($"/threads/{id}");
        var patch = await _bob.PatchJsonAsync($"/threads/{id}", """{"metadata":{"owner":"bob"}}""");
        var delete = await _bob.DeleteAsync($"/threads/{id}");

        // Assert
        Assert.Equal([404, 404, 404], new[] { get, patch, delete }.Select(r => (int)r.StatusCode));
        var thread = await (await _alice.GetAsync($"/threads/{id}")).ReadJsonAsync();
        Assert.Equal("alice", thread.GetProperty("metadata").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task ThreadSearch_OtherOwner_FindsNothingOfTheFirst()
    {
        var tag = Guid.NewGuid().ToString();
        var id = await CreateThreadAsync(_alice, $$$"""{"tag":"{{{tag}}}"}""");

        var byMetadata = await (await _bob.PostJsonAsync("/threads/search", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""")).ReadJsonAsync();
        var byIds = await (await _bob.PostJsonAsync("/threads/search", $$$"""{"ids":["{{{id}}}"]}""")).ReadJsonAsync();
        var own = await (await _alice.PostJsonAsync("/threads/search", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""")).ReadJsonAsync();

        Assert.Equal(0, byMetadata.GetArrayLength());
        Assert.Equal(0, byIds.GetArrayLength());
        Assert.Equal(1, own.GetArrayLength());
    }

    [Fact]
    public async Task Thread_SameIdForTwoOwners_AreTwoThreads()
    {
        var id = Guid.NewGuid().ToString();

        var alice = await _alice.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","metadata":{"owner":"alice"}}""");
        var bob = await _bob.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","metadata":{"owner":"bob"}}""");

        Assert.Equal(200, (int)alice.StatusCode);
        Assert.Equal(200, (int)bob.StatusCode);
        Assert.Equal("alice", (await (await _alice.GetAsync($"/threads/{id}")).ReadJsonAsync()).GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal("bob", (await (await _bob.GetAsync($"/threads/{id}")).ReadJsonAsync()).GetProperty("metadata").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Assistant_OtherOwner_CannotGetPatchDeleteOrReadItsGraph()
    {
        // Arrange
        var created = await (await _alice.PostJsonAsync("/assistants", """{"graph_id":"agent","name":"alice's"}""")).ReadJsonAsync();
        var id = created.GetProperty("assistant_id").GetString();

        // Act
        var responses = new[]
        {
            await _bob.GetAsync($"/assistants/{id}"),
            await _bob.PatchJsonAsync($"/assistants/{id}", """{"name":"bob's"}"""),
            await _bob.DeleteAsync($"/assistants/{id}"),
            await _bob.GetAsync($"/assistants/{id}/graph"),
            await _bob.GetAsync($"/assistants/{id}/schemas"),
        };

        // Assert
        Assert.All(responses, r => Assert.Equal(404, (int)r.StatusCode));
        var assistant = await (await _alice.GetAsync($"/assistants/{id}")).ReadJsonAsync();
        Assert.Equal("alice's", assistant.GetProperty("name").GetString());
        Assert.Equal(1, assistant.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task AssistantSearch_OtherOwner_FindsOnlyItsOwnAndTheDefault()
    {
        var tag = Guid.NewGuid().ToString();
        await _alice.PostJsonAsync("/assistants", $$$"""{"graph_id":"agent","metadata":{"tag":"{{{tag}}}"}}""");

        var tagged = await (await _bob.PostJsonAsync("/assistants/search", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""")).ReadJsonAsync();
        var all = await (await _bob.PostJsonAsync("/assistants/search", """{"limit":1000}""")).ReadJsonAsync();

        Assert.Equal(0, tagged.GetArrayLength());
        Assert.All(all.EnumerateArray(), a => Assert.NotEqual(tag, a.GetProperty("metadata").TryGetProperty("tag", out var t) ? t.GetString() : null));
        Assert.Contains(all.EnumerateArray(), a => a.GetProperty("graph_id").GetString() == "agent" && a.GetProperty("metadata").TryGetProperty("created_by", out _));
    }

    private static async Task<string> CreateThreadAsync(HttpClient client, string metadata)
    {
        var response = await client.PostJsonAsync("/threads", $$$"""{"metadata":{{{metadata}}}}""");
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("thread_id").GetString()!;
    }

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method is "POST" or "PATCH" ? new StringContent("""{"graph_id":"agent"}""", System.Text.Encoding.UTF8, "application/json") : null,
    };
}

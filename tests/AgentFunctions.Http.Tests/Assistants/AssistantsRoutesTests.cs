using System.Text.Json;
using AgentFunctions.Http.Assistants;

namespace AgentFunctions.Http.Tests.Assistants;

public class AssistantsRoutesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task Create_FullBody_ReturnsTheAssistantAtVersion1()
    {
        var response = await _client.PostJsonAsync("/assistants", """
            {"graph_id":"agent","config":{"configurable":{"system_prompt":"Be brief.","tools":["calculator"]},"recursion_limit":5},
             "context":{"tenant":"t1"},"metadata":{"team":"a"},"name":"Brief","description":"Answers briefly."}
            """);

        Assert.Equal(200, (int)response.StatusCode);
        var assistant = await response.ReadJsonAsync();
        Assert.Equal(
            ["assistant_id", "graph_id", "config", "context", "metadata", "name", "description", "version", "created_at", "updated_at"],
            assistant.EnumerateObject().Select(p => p.Name));
        Assert.True(Guid.TryParse(assistant.GetProperty("assistant_id").GetString(), out _));
        Assert.Equal("agent", assistant.GetProperty("graph_id").GetString());
        Assert.Equal(5, assistant.GetProperty("config").GetProperty("recursion_limit").GetInt32());
        Assert.Equal("t1", assistant.GetProperty("context").GetProperty("tenant").GetString());
        Assert.Equal("a", assistant.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal("Brief", assistant.GetProperty("name").GetString());
        Assert.Equal("Answers briefly.", assistant.GetProperty("description").GetString());
        Assert.Equal(1, assistant.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Create_OnlyGraphId_UsesLangGraphDefaults()
    {
        var assistant = await (await _client.PostJsonAsync("/assistants", """{"graph_id":"agent"}""")).ReadJsonAsync();

        Assert.Equal("Untitled", assistant.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, assistant.GetProperty("description").ValueKind);
        Assert.Equal("{}", assistant.GetProperty("config").GetRawText());
        Assert.Equal("{}", assistant.GetProperty("context").GetRawText());
        Assert.Equal("{}", assistant.GetProperty("metadata").GetRawText());
    }

    [Fact]
    public async Task Get_CreatedAssistant_RoundTrips()
    {
        var created = await CreateAsync("""{"graph_id":"agent","metadata":{"k":[1,2]},"name":"n"}""");

        var response = await _client.GetAsync($"/assistants/{Id(created)}");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(JsonElement.DeepEquals(created, await response.ReadJsonAsync()));
    }

    [Theory]
    [InlineData("agent")]
    [InlineData(null)]
    public async Task Get_DefaultAssistantByGraphIdOrId_ReturnsTheDefault(string? id)
    {
        var response = await _client.GetAsync($"/assistants/{id ?? AssistantLookup.DefaultAssistantId}");

        Assert.Equal(200, (int)response.StatusCode);
        var assistant = await response.ReadJsonAsync();
        Assert.Equal(AssistantLookup.DefaultAssistantId, assistant.GetProperty("assistant_id").GetString());
        Assert.Equal("agent", assistant.GetProperty("graph_id").GetString());
        Assert.Equal("system", assistant.GetProperty("metadata").GetProperty("created_by").GetString());
    }

    [Fact]
    public async Task Create_ExistingIdWithRaise_Returns409AndKeepsTheOriginal()
    {
        var id = Guid.NewGuid().ToString();
        await CreateAsync($$$"""{"graph_id":"agent","assistant_id":"{{{id}}}","name":"first"}""");

        var response = await _client.PostJsonAsync("/assistants", $$$"""{"graph_id":"agent","assistant_id":"{{{id}}}","name":"second","if_exists":"raise"}""");

        Assert.Equal(409, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("first", (await GetAsync(id)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_ExistingIdWithDoNothing_ReturnsTheExisting()
    {
        var id = Guid.NewGuid().ToString();
        await CreateAsync($$$"""{"graph_id":"agent","assistant_id":"{{{id}}}","name":"first"}""");

        var response = await _client.PostJsonAsync("/assistants", $$$"""{"graph_id":"agent","assistant_id":"{{{id}}}","name":"second","if_exists":"do_nothing"}""");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("first", (await response.ReadJsonAsync()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_DefaultIdWithRaise_Returns409()
    {
        var response = await _client.PostJsonAsync("/assistants", $$$"""{"graph_id":"agent","assistant_id":"{{{AssistantLookup.DefaultAssistantId}}}"}""");

        Assert.Equal(409, (int)response.StatusCode);
    }

    [Fact]
    public async Task Create_DefaultIdWithDoNothing_ReturnsTheDefault()
    {
        var response = await _client.PostJsonAsync("/assistants", """{"graph_id":"agent","assistant_id":"agent","if_exists":"do_nothing"}""");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(AssistantLookup.DefaultAssistantId, Id(await response.ReadJsonAsync()));
    }

    [Fact]
    public async Task Patch_Assistant_MakesANewVersionMergingMetadataAndReplacingTheRest()
    {
        var created = await CreateAsync("""
            {"graph_id":"agent","config":{"recursion_limit":3},"context":{"a":1},"metadata":{"keep":1,"change":1},"name":"old","description":"d"}
            """);

        var response = await _client.PatchJsonAsync($"/assistants/{Id(created)}", """
            {"config":{"configurable":{"model":"default"}},"metadata":{"change":2,"added":true},"name":"new"}
            """);

        Assert.Equal(200, (int)response.StatusCode);
        var patched = await response.ReadJsonAsync();
        Assert.Equal(2, patched.GetProperty("version").GetInt32());
        Assert.Equal("new", patched.GetProperty("name").GetString());
        Assert.Equal("d", patched.GetProperty("description").GetString());
        Assert.True(JsonElement.DeepEquals(Parse("""{"configurable":{"model":"default"}}"""), patched.GetProperty("config")));
        Assert.True(JsonElement.DeepEquals(Parse("""{"a":1}"""), patched.GetProperty("context")));
        Assert.True(JsonElement.DeepEquals(Parse("""{"keep":1,"change":2,"added":true}"""), patched.GetProperty("metadata")));
        Assert.Equal(created.GetProperty("created_at").GetString(), patched.GetProperty("created_at").GetString());
        Assert.True(JsonElement.DeepEquals(patched, await GetAsync(Id(created))));
    }

    [Theory]
    [InlineData("agent")]
    [InlineData(null)]
    public async Task Patch_DefaultAssistant_Returns409(string? id)
    {
        var response = await _client.PatchJsonAsync($"/assistants/{id ?? AssistantLookup.DefaultAssistantId}", """{"name":"x"}""");

        Assert.Equal(409, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Delete_Assistant_Returns204AndItIsGone()
    {
        var id = Id(await CreateAsync("""{"graph_id":"agent"}"""));

        var response = await _client.DeleteAsync($"/assistants/{id}");

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal(404, (int)(await _client.GetAsync($"/assistants/{id}")).StatusCode);
        Assert.Equal(404, (int)(await _client.DeleteAsync($"/assistants/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("agent")]
    [InlineData(null)]
    public async Task Delete_DefaultAssistant_Returns409(string? id)
    {
        var response = await _client.DeleteAsync($"/assistants/{id ?? AssistantLookup.DefaultAssistantId}");

        Assert.Equal(409, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(200, (int)(await _client.GetAsync("/assistants/agent")).StatusCode);
    }

    [Fact]
    public async Task Search_Metadata_ReturnsOnlyMatchingAssistants()
    {
        var tag = Guid.NewGuid().ToString();
        var a = Id(await CreateAsync($$$"""{"graph_id":"agent","metadata":{"tag":"{{{tag}}}","kind":"a"}}"""));
        var b = Id(await CreateAsync($$$"""{"graph_id":"agent","metadata":{"tag":"{{{tag}}}","kind":"b"}}"""));

        Assert.Equal(new[] { a, b }.Order(), (await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"}}""")).Order());
        Assert.Equal([b], await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}","kind":"b"}}"""));
    }

    [Fact]
    public async Task Search_Name_MatchesPartOfTheNameIgnoringCase()
    {
        var tag = Guid.NewGuid().ToString();
        var id = Id(await CreateAsync($$$"""{"graph_id":"agent","name":"Support Bot","metadata":{"tag":"{{{tag}}}"}}"""));
        await CreateAsync($$$"""{"graph_id":"agent","name":"Other","metadata":{"tag":"{{{tag}}}"}}""");

        Assert.Equal([id], await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"name":"support"}"""));
    }

    [Fact]
    public async Task Search_NoFilter_ListsTheDefaultAssistantFirst()
    {
        var found = await SearchAsync("""{"limit":1}""");

        Assert.Equal([AssistantLookup.DefaultAssistantId], found);
    }

    [Fact]
    public async Task Search_GraphIdAgent_IncludesTheDefault_AndOtherGraphsFindNothing()
    {
        Assert.Contains(AssistantLookup.DefaultAssistantId, await SearchAsync("""{"graph_id":"agent","limit":1000}"""));
        Assert.Empty(await SearchAsync("""{"graph_id":"other"}"""));
    }

    [Fact]
    public async Task Search_SystemMetadata_FindsOnlyTheDefault()
    {
        await CreateAsync("""{"graph_id":"agent","metadata":{"created_by":"someone"}}""");

        Assert.Equal([AssistantLookup.DefaultAssistantId], await SearchAsync("""{"metadata":{"created_by":"system"},"limit":1000}"""));
    }

    [Fact]
    public async Task Search_LimitAndOffset_PageWithoutDuplicates()
    {
        var tag = Guid.NewGuid().ToString();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(Id(await CreateAsync($$$"""{"graph_id":"agent","metadata":{"tag":"{{{tag}}}"}}""")));
        }

        var pages = new List<List<string>>();
        for (var offset = 0; offset < 6; offset += 2)
        {
            pages.Add(await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"limit":2,"offset":{{{offset}}}}"""));
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(created.Order(StringComparer.Ordinal), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task Search_Select_ReturnsOnlyTheSelectedFields()
    {
        var found = await (await _client.PostJsonAsync("/assistants/search", """{"limit":1,"select":["assistant_id","name"]}""")).ReadJsonAsync();

        Assert.Equal(["assistant_id", "name"], found[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task GetGraph_DefaultAssistant_DescribesTheAgentLoop()
    {
        var graph = await (await _client.GetAsync("/assistants/agent/graph")).ReadJsonAsync();

        Assert.Equal(["__start__", "agent", "tools", "__end__"], graph.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        var edges = graph.GetProperty("edges").EnumerateArray().Select(e => $"{e.GetProperty("source").GetString()}->{e.GetProperty("target").GetString()}");
        Assert.Equal(["__start__->agent", "agent->tools", "agent->__end__", "tools->agent"], edges);
    }

    [Fact]
    public async Task GetSchemas_CreatedAssistant_DescribesMessagesStateAndConfig()
    {
        var id = Id(await CreateAsync("""{"graph_id":"agent"}"""));

        var schemas = await (await _client.GetAsync($"/assistants/{id}/schemas")).ReadJsonAsync();

        Assert.Equal("agent", schemas.GetProperty("graph_id").GetString());
        Assert.Equal("array", schemas.GetProperty("state_schema").GetProperty("properties").GetProperty("messages").GetProperty("type").GetString());
        Assert.Contains("calculator", schemas.GetProperty("config_schema").GetProperty("properties").GetProperty("tools").GetProperty("items")
            .GetProperty("enum").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("graph")]
    [InlineData("schemas")]
    public async Task GraphAndSchemas_UnknownAssistant_Return404(string what)
    {
        var response = await _client.GetAsync($"/assistants/{Guid.NewGuid()}/{what}");

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonElement> CreateAsync(string body)
    {
        var response = await _client.PostJsonAsync("/assistants", body);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<JsonElement> GetAsync(string id)
    {
        var response = await _client.GetAsync($"/assistants/{id}");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<List<string>> SearchAsync(string body)
    {
        var response = await _client.PostJsonAsync("/assistants/search", body);
        Assert.Equal(200, (int)response.StatusCode);
        return [.. (await response.ReadJsonAsync()).EnumerateArray().Select(Id)];
    }

    private static string Id(JsonElement assistant) => assistant.GetProperty("assistant_id").GetString()!;

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}

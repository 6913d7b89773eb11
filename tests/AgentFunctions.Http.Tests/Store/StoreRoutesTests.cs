using System.Net;
using System.Text.Json;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Http.Tests.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Store;

/// <summary>The store routes over real HTTP and Azurite, with LangGraph's shapes, as <c>client.store</c> calls them.</summary>
public class StoreRoutesTests(StoreServerFixture server) : IClassFixture<StoreServerFixture>
{
    private readonly HttpClient _alice = server.Client(ApiKeyServerFixture.AliceKey);
    private readonly HttpClient _bob = server.Client(ApiKeyServerFixture.BobKey);
    private readonly string _root = "t" + Guid.NewGuid().ToString("N")[..8];

    [Fact(Timeout = 120_000)]
    public async Task PutItem_ThenGet_ReturnsTheItemAsLangGraphDoes()
    {
        using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}","prefs"],"key":"colour","value":{"name":"teal","n":1}}""");
        using var get = await _alice.GetAsync($"/store/items?namespace={_root}.prefs&key=colour");

        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var item = await get.ReadJsonAsync();
        Assert.Equal($"""["{_root}","prefs"]""", item.GetProperty("namespace").GetRawText());
        Assert.Equal("colour", item.GetProperty("key").GetString());
        Assert.Equal("""{"name":"teal","n":1}""", item.GetProperty("value").GetRawText());
        Assert.True(item.GetProperty("created_at").GetDateTimeOffset() <= item.GetProperty("updated_at").GetDateTimeOffset());
    }

    [Fact(Timeout = 120_000)]
    public async Task PutItem_Again_ReplacesTheValueAndKeepsCreatedAt()
    {
        using var first = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"k","value":{"v":1,"old":true}}""");
        var created = (await GetItemAsync(_alice, _root, "k")).GetProperty("created_at").GetDateTimeOffset();
        server.Clock.Advance(TimeSpan.FromSeconds(5));

        using var second = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"k","value":{"v":2}}""");
        var item = await GetItemAsync(_alice, _root, "k");

        Assert.Equal("""{"v":2}""", item.GetProperty("value").GetRawText());
        Assert.Equal(created, item.GetProperty("created_at").GetDateTimeOffset());
        Assert.True(item.GetProperty("updated_at").GetDateTimeOffset() > created);
    }

    [Fact(Timeout = 120_000)]
    public async Task DeleteItem_ThenGet_IsNull()
    {
        using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"gone","value":{"a":1}}""");

        using var delete = await SendAsync(_alice, HttpMethod.Delete, "/store/items", $$$"""{"namespace":["{{{_root}}}"],"key":"gone"}""");
        using var again = await SendAsync(_alice, HttpMethod.Delete, "/store/items", $$$"""{"namespace":["{{{_root}}}"],"key":"gone"}""");
        using var get = await _alice.GetAsync($"/store/items?namespace={_root}&key=gone");

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("null", await get.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task SearchItems_NamespacePrefix_ReturnsThatNamespaceAndDeeperOnes_NotSiblingsWithTheSameStart()
    {
        foreach (var (ns, key) in new[] { ("\"a\"", "1"), ("\"a\",\"b\"", "2"), ("\"a\",\"b\",\"c\"", "3"), ("\"ab\"", "4"), ("\"a b\"", "5") })
        {
            using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}",{{{ns}}}],"key":"{{{key}}}","value":{"k":"{{{key}}}"}}""");
        }

        var all = await SearchKeysAsync(_alice, $$$"""{"namespace_prefix":["{{{_root}}}","a"]}""");
        var deeper = await SearchKeysAsync(_alice, $$$"""{"namespace_prefix":["{{{_root}}}","a","b"]}""");
        var spaced = await SearchKeysAsync(_alice, $$$"""{"namespace_prefix":["{{{_root}}}","a b"]}""");

        Assert.Equal(["1", "2", "3"], all);
        Assert.Equal(["2", "3"], deeper);
        Assert.Equal(["5"], spaced);
    }

    [Fact(Timeout = 120_000)]
    public async Task SearchItems_FilterLimitOffset_PageTheMatchesWithScoreNull()
    {
        for (var i = 0; i < 6; i++)
        {
            using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}","docs"],"key":"d{{{i}}}","value":{"kind":"{{{(i % 2 == 0 ? "even" : "odd")}}}","i":{{{i}}}}}""");
        }

        using var response = await _alice.PostJsonAsync("/store/items/search", $$$"""{"namespace_prefix":["{{{_root}}}"],"filter":{"kind":"even"},"limit":2,"offset":1}""");
        var items = (await response.ReadJsonAsync()).GetProperty("items");

        Assert.Equal(["d2", "d4"], items.EnumerateArray().Select(i => i.GetProperty("key").GetString()));
        Assert.All(items.EnumerateArray(), i => Assert.Equal(JsonValueKind.Null, i.GetProperty("score").ValueKind));
        Assert.False(response.Headers.Contains("X-Pagination-Next"));
    }

    [Fact(Timeout = 120_000)]
    public async Task ListNamespaces_PrefixSuffixMaxDepth_ListEachNamespaceOnce()
    {
        foreach (var ns in new[] { "\"x\"", "\"x\",\"y\"", "\"x\",\"y\",\"z\"", "\"x\",\"w\",\"z\"", "\"v\"" })
        {
            for (var i = 0; i < 3; i++)
            {
                using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}",{{{ns}}}],"key":"k{{{i}}}","value":{"i":{{{i}}}}}""");
            }
        }

        var every = await NamespacesAsync(_alice, $$$"""{"prefix":["{{{_root}}}"]}""");
        var depth2 = await NamespacesAsync(_alice, $$$"""{"prefix":["{{{_root}}}"],"max_depth":2}""");
        var endingZ = await NamespacesAsync(_alice, $$$"""{"prefix":["{{{_root}}}"],"suffix":["z"]}""");
        var page = await NamespacesAsync(_alice, $$$"""{"prefix":["{{{_root}}}"],"limit":2,"offset":1}""");

        Assert.Equal(["v", "x", "x/w/z", "x/y", "x/y/z"], every);
        Assert.Equal(["v", "x"], depth2);
        Assert.Equal(["x/w/z", "x/y/z"], endingZ);
        Assert.Equal(["x", "x/w/z"], page);
    }

    [Fact(Timeout = 120_000)]
    public async Task Ttl_Passed_ItemIsGoneFromReadsAndTheRetentionSweepDeletesIt()
    {
        using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"short","value":{"a":1},"ttl":1}""");
        using var keep = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"long","value":{"a":2},"ttl":60}""");
        using var before = await _alice.GetAsync($"/store/items?namespace={_root}&key=short&refresh_ttl=false");
        Assert.Equal("short", (await before.ReadJsonAsync()).GetProperty("key").GetString());

        server.Clock.Advance(TimeSpan.FromMinutes(2));
        using var after = await _alice.GetAsync($"/store/items?namespace={_root}&key=short");
        var listed = await SearchKeysAsync(_alice, $$$"""{"namespace_prefix":["{{{_root}}}"]}""");
        var swept = await server.Services.GetRequiredService<RetentionSweep>().RunOnceAsync();

        Assert.Equal("null", await after.Content.ReadAsStringAsync());
        Assert.Equal(["long"], listed);
        Assert.True(swept.ItemsDeleted >= 1);
    }

    [Fact(Timeout = 120_000)]
    public async Task Ttl_ReadWithRefresh_MovesTheExpiryOn()
    {
        using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"kept","value":{"a":1},"ttl":10}""");

        server.Clock.Advance(TimeSpan.FromMinutes(6));
        using var refreshed = await _alice.GetAsync($"/store/items?namespace={_root}&key=kept");
        server.Clock.Advance(TimeSpan.FromMinutes(6));
        using var stillThere = await _alice.GetAsync($"/store/items?namespace={_root}&key=kept&refresh_ttl=false");

        Assert.Equal("kept", (await refreshed.ReadJsonAsync()).GetProperty("key").GetString());
        Assert.Equal("kept", (await stillThere.ReadJsonAsync()).GetProperty("key").GetString());
    }

    [Fact(Timeout = 120_000)]
    public async Task AnotherOwner_SeesNothingAndDeletesNothing()
    {
        using var put = await PutAsync(_alice, $$$"""{"namespace":["{{{_root}}}"],"key":"secret","value":{"pin":1234}}""");

        using var get = await _bob.GetAsync($"/store/items?namespace={_root}&key=secret");
        var searched = await SearchKeysAsync(_bob, $$$"""{"namespace_prefix":["{{{_root}}}"]}""");
        var namespaces = await NamespacesAsync(_bob, $$$"""{"prefix":["{{{_root}}}"]}""");
        using var delete = await SendAsync(_bob, HttpMethod.Delete, "/store/items", $$$"""{"namespace":["{{{_root}}}"],"key":"secret"}""");
        var stillAlices = await GetItemAsync(_alice, _root, "secret");

        Assert.Equal("null", await get.Content.ReadAsStringAsync());
        Assert.Empty(searched);
        Assert.Empty(namespaces);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("""{"pin":1234}""", stillAlices.GetProperty("value").GetRawText());
    }

    [Fact(Timeout = 120_000)]
    public async Task NoCaller_Is401()
    {
        using var anonymous = server.Client();
        using var response = await anonymous.GetAsync($"/store/items?namespace={_root}&key=k");
        await response.AssertProblemAsync(401);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("""{"key":"k","value":{}}""", "$.namespace")]
    [InlineData("""{"namespace":[],"key":"k","value":{}}""", "$.namespace")]
    [InlineData("""{"namespace":"a","key":"k","value":{}}""", "$.namespace")]
    [InlineData("""{"namespace":["a.b"],"key":"k","value":{}}""", "$.namespace")]
    [InlineData("""{"namespace":["a",""],"key":"k","value":{}}""", "$.namespace")]
    [InlineData("""{"namespace":["a",1],"key":"k","value":{}}""", "$.namespace[1]")]
    [InlineData("""{"namespace":["langgraph"],"key":"k","value":{}}""", "$.namespace")]
    [InlineData("""{"namespace":["a"],"value":{}}""", "$.key")]
    [InlineData("""{"namespace":["a"],"key":"","value":{}}""", "$.key")]
    [InlineData("""{"namespace":["a"],"key":"k"}""", "$.value")]
    [InlineData("""{"namespace":["a"],"key":"k","value":[1]}""", "$.value")]
    [InlineData("""{"namespace":["a"],"key":"k","value":{},"ttl":0}""", "$.ttl")]
    [InlineData("""{"namespace":["a"],"key":"k","value":{},"ttl":"5"}""", "$.ttl")]
    [InlineData("""{"namespace":["a"],"key":"k","value":{},"index":["text"]}""", "$.index")]
    public async Task PutItem_BadInput_Is422NamingTheField(string body, string path)
    {
        using var response = await SendAsync(_alice, HttpMethod.Put, "/store/items", body);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(path, problem.GetProperty("path").GetString());
    }

    [Fact(Timeout = 120_000)]
    public async Task PutItem_NamespaceAndKeyTooLongForAKey_Is422()
    {
        var labels = string.Join(",", Enumerable.Range(0, 10).Select(_ => "\"" + new string('é', 30) + "\""));
        using var response = await SendAsync(_alice, HttpMethod.Put, "/store/items", $$$"""{"namespace":[{{{labels}}}],"key":"k","value":{}}""");

        var problem = await response.AssertProblemAsync(422);
        Assert.Contains("too long", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task PutItem_ValueOverTheRecordLimit_Is413AndNothingIsStored()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        using var response = await SendAsync(_alice, HttpMethod.Put, "/store/items", $$$"""{"namespace":["{{{_root}}}"],"key":"big","value":{"text":"{{{huge}}}"}}""");
        using var get = await _alice.GetAsync($"/store/items?namespace={_root}&key=big");

        var problem = await response.AssertProblemAsync(413);
        Assert.Contains("'value'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("null", await get.Content.ReadAsStringAsync());
    }

    [Theory(Timeout = 120_000)]
    [InlineData("/store/items/search", """{"query":"what colour"}""", "$.query")]
    [InlineData("/store/items/search", """{"namespace_prefix":"a"}""", "$.namespace_prefix")]
    [InlineData("/store/items/search", """{"filter":[1]}""", "$.filter")]
    [InlineData("/store/items/search", """{"limit":0}""", "$.limit")]
    [InlineData("/store/items/search", """{"offset":-1}""", "$.offset")]
    [InlineData("/store/namespaces", """{"max_depth":0}""", "$.max_depth")]
    [InlineData("/store/namespaces", """{"prefix":["a."]}""", "$.prefix")]
    [InlineData("/store/namespaces", """{"suffix":[true]}""", "$.suffix[0]")]
    public async Task SearchAndNamespaces_BadInput_Is422NamingTheField(string route, string body, string path)
    {
        using var response = await _alice.PostJsonAsync(route, body);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(path, problem.GetProperty("path").GetString());
    }

    [Theory(Timeout = 120_000)]
    [InlineData("/store/items?namespace=a", "key")]
    [InlineData("/store/items?key=k", "namespace")]
    [InlineData("/store/items?namespace=a..b&key=k", "namespace")]
    [InlineData("/store/items?namespace=a&key=k&refresh_ttl=maybe", "refresh_ttl")]
    public async Task GetItem_BadQuery_Is422(string url, string path)
    {
        using var response = await _alice.GetAsync(url);

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(path, problem.GetProperty("path").GetString());
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string body) => SendAsync(client, HttpMethod.Put, "/store/items", body);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> GetItemAsync(HttpClient client, string ns, string key)
    {
        using var response = await client.GetAsync($"/store/items?namespace={ns}&key={key}");
        return await response.ReadJsonAsync();
    }

    private static async Task<List<string>> SearchKeysAsync(HttpClient client, string body)
    {
        using var response = await client.PostJsonAsync("/store/items/search", body);
        return [.. (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("key").GetString()!)];
    }

    private static async Task<List<string>> NamespacesAsync(HttpClient client, string body)
    {
        using var response = await client.PostJsonAsync("/store/namespaces", body);
        return [.. (await response.ReadJsonAsync()).GetProperty("namespaces").EnumerateArray().Select(ns => string.Join('/', ns.EnumerateArray().Skip(1).Select(l => l.GetString())))];
    }
}

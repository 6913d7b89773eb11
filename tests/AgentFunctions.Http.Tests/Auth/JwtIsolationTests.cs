using System.Net.Http.Headers;
using System.Text;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>
/// The server with Auth:Mode Jwt and a thread of Alice's (object id A in tenant T1) that has run once; other users
/// are Bob (B in T1), Alice's object id in another tenant T2, and Carol (a plain OpenID Connect subject).
/// </summary>
public class JwtIsolationFixture : JwtServerFixture
{
    public static readonly string TenantOne = Guid.NewGuid().ToString();
    public static readonly string TenantTwo = Guid.NewGuid().ToString();
    public static readonly string AliceId = Guid.NewGuid().ToString();
    public static readonly string BobId = Guid.NewGuid().ToString();

    public HttpClient Alice { get; private set; } = null!;

    public string ThreadId { get; private set; } = string.Empty;

    public string RunId { get; private set; } = string.Empty;

    public string CheckpointId { get; private set; } = string.Empty;

    /// <summary>A client for one of the other users, by name.</summary>
    public HttpClient Other(string name) => BearerClient(name switch
    {
        "bob, same tenant" => Issuer.EntraToken(Audience, BobId, TenantOne),
        "alice's object id, other tenant" => Issuer.EntraToken(Audience, AliceId, TenantTwo),
        "carol, plain subject" => Issuer.Token(Audience, new Dictionary<string, object> { ["sub"] = "carol" }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    });

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Alice = BearerClient(Issuer.EntraToken(Audience, AliceId, TenantOne));
        var thread = await (await Alice.PostJsonAsync("/threads", """{"metadata":{"owner":"alice"}}""")).ReadJsonAsync();
        ThreadId = thread.GetProperty("thread_id").GetString()!;
        Assert.Equal(200, (int)(await Alice.PostJsonAsync($"/threads/{ThreadId}/runs/wait", RunsApi.Body("tokens=1"))).StatusCode);
        var runs = await (await Alice.GetAsync($"/threads/{ThreadId}/runs")).ReadJsonAsync();
        RunId = runs[0].GetProperty("run_id").GetString()!;
        var state = await (await Alice.GetAsync($"/threads/{ThreadId}/state")).ReadJsonAsync();
        CheckpointId = state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()!;
    }
}

/// <summary>Under Auth:Mode Jwt, users and tenants are owners: no one reads, writes, runs, joins or deletes another's thread.</summary>
public class JwtIsolationTests(JwtIsolationFixture server) : IClassFixture<JwtIsolationFixture>
{
    public static readonly string[] Others = ["bob, same tenant", "alice's object id, other tenant", "carol, plain subject"];

    /// <summary>Every route that names a thread: method, path ({t} the thread, {r} its run, {c} its checkpoint), body.</summary>
    public static readonly (string Method, string Path, string? Body)[] ThreadRoutes =
    [
        ("GET", "/threads/{t}", null),
        ("PATCH", "/threads/{t}", """{"metadata":{"owner":"intruder"}}"""),
        ("DELETE", "/threads/{t}", null),
        ("GET", "/threads/{t}/state", null),
        ("POST", "/threads/{t}/state", """{"values":{"messages":[{"role":"user","content":"injected"}]}}"""),
        ("POST", "/threads/{t}/state/checkpoint", """{"checkpoint":{"checkpoint_id":"{c}"}}"""),
        ("GET", "/threads/{t}/state/{c}", null),
        ("GET", "/threads/{t}/history", null),
        ("POST", "/threads/{t}/history", "{}"),
        ("GET", "/threads/{t}/history/stream", null),
        ("POST", "/threads/{t}/runs", RunsApi.Body("tokens=1")),
        ("POST", "/threads/{t}/runs/stream", RunsApi.Body("tokens=1")),
        ("POST", "/threads/{t}/runs/wait", RunsApi.Body("tokens=1")),
        ("GET", "/threads/{t}/runs", null),
        ("GET", "/threads/{t}/runs/{r}", null),
        ("POST", "/threads/{t}/runs/{r}/cancel", null),
        ("GET", "/threads/{t}/runs/{r}/join", null),
        ("GET", "/threads/{t}/runs/{r}/stream", null),
        ("DELETE", "/threads/{t}/runs/{r}", null),
    ];

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var other in Others)
        {
            foreach (var (method, path, _) in ThreadRoutes)
            {
                data.Add(other, method, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ThreadRoute_OtherOwner_NotFoundAndAlicesThreadUnchanged(string other, string method, string path)
    {
        // Arrange
        var body = ThreadRoutes.Single(r => r.Method == method && r.Path == path).Body;
        using var request = new HttpRequestMessage(new HttpMethod(method), Fill(path))
        {
            Content = body is null ? null : new StringContent(Fill(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        // Act
        var response = await server.Other(other).SendAsync(request);

        // Assert: not found, as an unknown id is; Alice's thread, run and state are as they were.
        await response.AssertProblemAsync(404);
        var thread = await (await server.Alice.GetAsync($"/threads/{server.ThreadId}")).ReadJsonAsync();
        Assert.Equal("alice", thread.GetProperty("metadata").GetProperty("owner").GetString());
        var runs = await (await server.Alice.GetAsync($"/threads/{server.ThreadId}/runs")).ReadJsonAsync();
        Assert.Equal([server.RunId], runs.EnumerateArray().Select(r => r.GetProperty("run_id").GetString()));
        var state = await (await server.Alice.GetAsync($"/threads/{server.ThreadId}/state")).ReadJsonAsync();
        Assert.Equal(server.CheckpointId, state.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString());
    }

    [Theory]
    [MemberData(nameof(OtherNames))]
    public async Task ThreadSearch_OtherOwner_FindsNothingOfAlices(string other)
    {
        var byIds = await (await server.Other(other).PostJsonAsync("/threads/search", $$"""{"ids":["{{server.ThreadId}}"]}""")).ReadJsonAsync();
        var byMetadata = await (await server.Other(other).PostJsonAsync("/threads/search", """{"metadata":{"owner":"alice"}}""")).ReadJsonAsync();

        Assert.Equal(0, byIds.GetArrayLength());
        Assert.Equal(0, byMetadata.GetArrayLength());
    }

    [Fact]
    public async Task Thread_SameUserNewToken_StillTheirs()
    {
        var again = server.BearerClient(server.Issuer.EntraToken(JwtServerFixture.Audience, JwtIsolationFixture.AliceId, JwtIsolationFixture.TenantOne, scopes: "another.scope"));

        var response = await again.GetAsync($"/threads/{server.ThreadId}");

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Thread_SameIdInTwoTenants_AreTwoThreads()
    {
        // Arrange
        var id = Guid.NewGuid().ToString();
        var elsewhere = server.Other("alice's object id, other tenant");

        // Act
        var first = await server.Alice.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","metadata":{"tenant":"one"}}""");
        var second = await elsewhere.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","metadata":{"tenant":"two"}}""");

        // Assert
        Assert.Equal([200, 200], new[] { (int)first.StatusCode, (int)second.StatusCode });
        Assert.Equal("one", (await (await server.Alice.GetAsync($"/threads/{id}")).ReadJsonAsync()).GetProperty("metadata").GetProperty("tenant").GetString());
        Assert.Equal("two", (await (await elsewhere.GetAsync($"/threads/{id}")).ReadJsonAsync()).GetProperty("metadata").GetProperty("tenant").GetString());
    }

    public static TheoryData<string> OtherNames() => [.. Others];

    private string Fill(string template) => template.Replace("{t}", server.ThreadId, StringComparison.Ordinal)
        .Replace("{r}", server.RunId, StringComparison.Ordinal)
        .Replace("{c}", server.CheckpointId, StringComparison.Ordinal);
}

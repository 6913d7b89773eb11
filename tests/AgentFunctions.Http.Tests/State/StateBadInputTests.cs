using AgentFunctions.Core.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.State;

/// <summary>Client mistakes on the state and history routes: a problem-details 4xx, and no checkpoint written.</summary>
public class StateBadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Hello = """{"values":{"messages":[{"role":"user","content":"hello"}]}}""";

    [Theory]
    [InlineData("{\"values\": ")]
    [InlineData("not json")]
    public async Task UpdateState_MalformedJson_Returns400AndWritesNothing(string body)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state", body);

        // Assert
        await response.AssertProblemAsync(400);
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Theory]
    [InlineData("[]", "$")]
    [InlineData("""{"values": 5}""", "$.values")]
    [InlineData("""{"values": {"messages": 5}}""", "$.values.messages")]
    [InlineData("""{"values": {"messages": [{"role": "user"}]}}""", "$.values.messages[0]")]
    [InlineData("""{"values": {}, "as_node": 5}""", "$.as_node")]
    [InlineData("""{"values": {}, "as_node": "nowhere"}""", "$.as_node")]
    [InlineData("""{"values": {}, "checkpoint_id": 5}""", "$.checkpoint_id")]
    [InlineData("""{"values": {}, "checkpoint": "x"}""", "$.checkpoint")]
    [InlineData("""{"values": {}, "checkpoint": {"checkpoint_id": []}}""", "$.checkpoint.checkpoint_id")]
    public async Task UpdateState_WrongTypes_Returns422WithThePathAndWritesNothing(string body, string path)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state", body);

        // Assert
        var problem = await response.AssertProblemAsync(422);
        Assert.StartsWith(path, problem.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Fact]
    public async Task UpdateState_RemovingAMessageThatIsNotThere_Returns422AndWritesNothing()
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state", """{"values":{"messages":[{"type":"remove","id":"nope","content":""}]}}""");

        // Assert
        await response.AssertProblemAsync(422);
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Theory]
    [InlineData("0190c5e4-7d3a-7000-8000-000000000001")] // well formed, not this thread's
    [InlineData("not-a-checkpoint")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public async Task UpdateState_UnknownCheckpoint_Returns404AndWritesNothing(string checkpointId)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await server.Client().UpdateStateAsync(thread, Hello);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state", $$$"""{"values":{},"checkpoint_id":"{{{checkpointId}}}"}""");

        // Assert
        await response.AssertProblemAsync(404);
        Assert.Equal(1, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Fact]
    public async Task UpdateState_UnknownThread_Returns404()
    {
        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{Guid.NewGuid():D}/state", Hello);

        // Assert
        await response.AssertProblemAsync(404);
    }

    [Fact]
    public async Task AnyRoute_ThreadOfAnotherOwner_Returns404AndWritesNothing()
    {
        // Arrange
        var thread = Guid.NewGuid().ToString("D");
        await server.Services.GetRequiredService<IThreadStore>().CreateAsync(new AgentThread { ThreadId = thread, OwnerId = "someone-else" });

        // Act
        var get = await server.Client().GetAsync($"/threads/{thread}/state");
        var post = await server.Client().PostJsonAsync($"/threads/{thread}/state", Hello);

        // Assert
        await get.AssertProblemAsync(404);
        await post.AssertProblemAsync(404);
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread, "someone-else"));
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Theory]
    [InlineData("GET", "/state")]
    [InlineData("POST", "/state")]
    [InlineData("POST", "/state/checkpoint")]
    [InlineData("GET", "/state/0190c5e4-7d3a-7000-8000-000000000001")]
    [InlineData("GET", "/history")]
    [InlineData("POST", "/history")]
    [InlineData("GET", "/history/stream")]
    public async Task AnyRoute_UnknownThread_Returns404(string method, string route)
    {
        // Act
        var response = await Send(method, $"/threads/{Guid.NewGuid():D}{route}", """{"checkpoint":{}}""");

        // Assert
        await response.AssertProblemAsync(404);
    }

    [Theory]
    [InlineData("a'b")]
    [InlineData("a\"b")]
    [InlineData("a%2Fb")]
    [InlineData("a%2F..%2Fb")]
    [InlineData("a%0Ab")]
    [InlineData("a%09b")]
    [InlineData("%20")]
    public async Task AnyRoute_ThreadIdsThatCannotBeIds_Return404(string threadId)
    {
        // Arrange
        var routes = new[] { ("GET", "/state"), ("POST", "/state"), ("GET", "/history"), ("POST", "/history"), ("GET", "/history/stream") };

        foreach (var (method, route) in routes)
        {
            // Act
            var response = await Send(method, $"/threads/{threadId}{route}", Hello);

            // Assert
            Assert.True((int)response.StatusCode == 404, $"{method} {route}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task AnyRoute_NulInTheThreadId_IsRefusedBeforeReachingTheApi()
    {
        // Arrange: Kestrel itself refuses a path that decodes to a NUL (400, before routing).
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var get = await Send("GET", "/threads/a%00b/state", string.Empty);
        var post = await Send("POST", $"/threads/{thread}%00/state", Hello);

        // Assert
        Assert.Equal(400, (int)get.StatusCode);
        Assert.Equal(400, (int)post.StatusCode);
        Assert.Equal(0, await StateTestData.CountCheckpointsAsync(server.Services, thread));
    }

    [Theory]
    [InlineData("not-a-checkpoint")]
    [InlineData("0190c5e4-7d3a-7000-8000-000000000001")]
    [InlineData("a'b")]
    [InlineData("a%2Fb")]
    [InlineData("a%0Ab")]
    public async Task GetStateAtCheckpoint_UnknownOrMalformedId_Returns404(string checkpointId)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await server.Client().UpdateStateAsync(thread, Hello);

        // Act
        var response = await server.Client().GetAsync($"/threads/{thread}/state/{checkpointId}");

        // Assert
        await response.AssertProblemAsync(404);
    }

    [Theory]
    [InlineData("""{"checkpoint":{"checkpoint_id":"not-a-checkpoint"}}""", 404)]
    [InlineData("""{"checkpoint":{"checkpoint_id":"0190c5e4-7d3a-7000-8000-000000000001"}}""", 404)]
    [InlineData("""{}""", 422)]
    [InlineData("""{"checkpoint":5}""", 422)]
    [InlineData("""{"checkpoint":""", 400)]
    public async Task PostStateCheckpoint_BadCheckpoint_ReturnsAProblem(string body, int status)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);
        await server.Client().UpdateStateAsync(thread, Hello);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/state/checkpoint", body);

        // Assert
        await response.AssertProblemAsync(status);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=ten")]
    [InlineData("limit=-1")]
    public async Task GetHistory_BadLimit_Returns422WithThePath(string query)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().GetAsync($"/threads/{thread}/history?{query}");

        // Assert
        var problem = await response.AssertProblemAsync(422);
        Assert.Equal("query.limit", problem.GetProperty("path").GetString());
    }

    [Theory]
    [InlineData("""{"limit":"10"}""", 422, "$.limit")]
    [InlineData("""{"limit":0}""", 422, "$.limit")]
    [InlineData("""{"limit":1.5}""", 422, "$.limit")]
    [InlineData("""{"before":5}""", 422, "$.before")]
    [InlineData("""{"before":{"configurable":{"checkpoint_id":5}}}""", 422, "$.before.configurable.checkpoint_id")]
    [InlineData("""{"metadata":[]}""", 422, "$.metadata")]
    [InlineData("""{"checkpoint":"x"}""", 422, "$.checkpoint")]
    [InlineData("""{"cursor":5}""", 422, "$.cursor")]
    [InlineData("""{"before":"not-a-checkpoint"}""", 404, null)]
    [InlineData("""{"before":{"configurable":{"checkpoint_id":"x'y"}}}""", 404, null)]
    [InlineData("""{"cursor":"bm90IGEgY3Vyc29y"}""", 400, null)]
    [InlineData("""{"cursor":"!!!"}""", 400, null)]
    [InlineData("""{"limit": """, 400, null)]
    public async Task PostHistory_BadInput_ReturnsAProblem(string body, int status, string? path)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().PostJsonAsync($"/threads/{thread}/history", body);

        // Assert
        var problem = await response.AssertProblemAsync(status);
        if (path is not null)
        {
            Assert.Equal(path, problem.GetProperty("path").GetString());
        }
    }

    [Theory]
    [InlineData("cursor=bm90IGEgY3Vyc29y")]
    [InlineData("cursor=")]
    [InlineData("cursor=aDE6bm90LWFuLWlk")]
    [InlineData("cursor=%00")]
    public async Task GetHistory_MalformedCursor_Returns400(string query)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().GetAsync($"/threads/{thread}/history?{query}");

        // Assert
        await response.AssertProblemAsync(400);
    }

    [Theory]
    [InlineData("before=not-a-checkpoint", 404)]
    [InlineData("values=maybe", 422)]
    public async Task StreamHistory_BadQuery_ReturnsAProblem(string query, int status)
    {
        // Arrange
        var thread = await StateTestData.CreateThreadAsync(server.Services);

        // Act
        var response = await server.Client().GetAsync($"/threads/{thread}/history/stream?{query}");

        // Assert
        await response.AssertProblemAsync(status);
    }

    private Task<HttpResponseMessage> Send(string method, string path, string body)
    {
        // The path goes out as written: escapes stay escaped, and nothing is normalised away.
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(server.BaseAddress, new Uri(path, UriKind.Relative)));
        if (method == "POST")
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return server.Client().SendAsync(request);
    }
}

using AgentFunctions.Http.Tests.Threads;

namespace AgentFunctions.Http.Tests.Assistants;

/// <summary>Client mistakes on the assistants routes: each is a problem with the right status, and nothing is stored.</summary>
public class AssistantsBadInputTests(SmallBodyServerFixture server) : IClassFixture<SmallBodyServerFixture>
{
    private const string Marked = "\"graph_id\":\"agent\",\"metadata\":{\"marker\":\"{marker}\"}";

    private static readonly string LongId = new('a', 200);

    private readonly HttpClient _client = server.Client();

    public static TheoryData<string, string, string?, int, string?> Cases => new()
    {
        // method, path, body ({marker} and {existing} are filled in), status, problem path
        { "POST", "/assistants", "{" + Marked, 400, null },
        { "POST", "/assistants", "[{" + Marked + "}]", 422, "$" },
        { "POST", "/assistants", "{\"metadata\":{\"marker\":\"{marker}\"}}", 422, "$.graph_id" },
        { "POST", "/assistants", "{\"graph_id\":5,\"metadata\":{\"marker\":\"{marker}\"}}", 422, "$.graph_id" },
        { "POST", "/assistants", "{\"graph_id\":\"other\",\"metadata\":{\"marker\":\"{marker}\"}}", 422, "$.graph_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":7}", 422, "$.assistant_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":\"a'b\"}", 422, "$.assistant_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":\"a\\\"b\"}", 422, "$.assistant_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":\"a/b\"}", 422, "$.assistant_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":\"a\\nb\"}", 422, "$.assistant_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":\"" + LongId + "\"}", 422, "$.assistant_id" },
        { "POST", "/assistants", "{" + Marked + ",\"assistant_id\":\"{existing}\"}", 409, null },
        { "POST", "/assistants", "{" + Marked + ",\"config\":[]}", 422, "$.config" },
        { "POST", "/assistants", "{" + Marked + ",\"config\":{\"recursion_limit\":0}}", 422, "$.config.recursion_limit" },
        { "POST", "/assistants", "{" + Marked + ",\"config\":{\"configurable\":5}}", 422, "$.config.configurable" },
        { "POST", "/assistants", "{" + Marked + ",\"config\":{\"configurable\":{\"tools\":[1]}}}", 422, "$.config.configurable.tools[0]" },
        { "POST", "/assistants", "{" + Marked + ",\"config\":{\"configurable\":{\"tools\":[\"no_such_tool\"]}}}", 422, "$.config.configurable.tools" },
        { "POST", "/assistants", "{" + Marked + ",\"context\":\"x\"}", 422, "$.context" },
        { "POST", "/assistants", "{\"graph_id\":\"agent\",\"metadata\":[\"{marker}\"]}", 422, "$.metadata" },
        { "POST", "/assistants", "{" + Marked + ",\"name\":5}", 422, "$.name" },
        { "POST", "/assistants", "{" + Marked + ",\"description\":[]}", 422, "$.description" },
        { "POST", "/assistants", "{" + Marked + ",\"if_exists\":\"replace\"}", 422, "$.if_exists" },
        { "GET", "/assistants/" + Guid.Empty, null, 404, null },
        { "GET", "/assistants/a'b", null, 404, null },
        { "GET", "/assistants/a%22b", null, 404, null },
        { "GET", "/assistants/a%2Fb", null, 404, null },
        { "GET", "/assistants/a%0Ab", null, 404, null },
        { "GET", "/assistants/" + LongId, null, 404, null },
        { "PATCH", "/assistants/" + Guid.Empty, "{\"name\":\"patched\"}", 404, null },
        { "PATCH", "/assistants/a%2Fb", "{\"name\":\"patched\"}", 404, null },
        { "PATCH", "/assistants/" + LongId, "{\"name\":\"patched\"}", 404, null },
        { "PATCH", "/assistants/{existing}", "{\"name\":\"patched\"", 400, null },
        { "PATCH", "/assistants/{existing}", "{\"name\":\"patched\",\"graph_id\":\"other\"}", 422, "$.graph_id" },
        { "PATCH", "/assistants/{existing}", "{\"config\":{\"tags\":\"a\"}}", 422, "$.config.tags" },
        { "PATCH", "/assistants/{existing}", "{\"config\":{\"recursion_limit\":-1}}", 422, "$.config.recursion_limit" },
        { "PATCH", "/assistants/{existing}", "{\"config\":{\"recursion_limit\":\"5\"}}", 422, "$.config.recursion_limit" },
        { "POST", "/assistants", "{" + Marked + ",\"config\":{\"tags\":[1]}}", 422, "$.config.tags[0]" },
        { "PATCH", "/assistants/{existing}", "{\"name\":\"patched\",\"config\":{\"configurable\":5}}", 422, "$.config.configurable" },
        { "PATCH", "/assistants/{existing}", "{\"name\":\"patched\",\"metadata\":\"x\"}", 422, "$.metadata" },
        { "PATCH", "/assistants/{existing}", "{\"name\":[\"patched\"]}", 422, "$.name" },
        { "DELETE", "/assistants/" + Guid.Empty, null, 404, null },
        { "DELETE", "/assistants/a%22b", null, 404, null },
        { "DELETE", "/assistants/a%2Fb", null, 404, null },
        { "POST", "/assistants/search", "{\"limit\":0}", 422, "$.limit" },
        { "POST", "/assistants/search", "{\"limit\":1001}", 422, "$.limit" },
        { "POST", "/assistants/search", "{\"offset\":-1}", 422, "$.offset" },
        { "POST", "/assistants/search", "{\"graph_id\":5}", 422, "$.graph_id" },
        { "POST", "/assistants/search", "{\"name\":5}", 422, "$.name" },
        { "POST", "/assistants/search", "{\"metadata\":[]}", 422, "$.metadata" },
        { "POST", "/assistants/search", "{\"select\":[\"nope\"]}", 422, "$.select[0]" },
        { "POST", "/assistants/search", "{\"sort_order\":\"up\"}", 422, "$.sort_order" },
        { "POST", "/assistants/search", "{", 400, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_BadInput_IsAProblemAndChangesNothing(string method, string path, string? body, int status, string? problemPath)
    {
        // Arrange: an assistant that a mistaken request must not change, and a marker no mistaken create may leave behind.
        var marker = Guid.NewGuid().ToString();
        var existing = await CreateAsync(marker);
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{existing}", existing, StringComparison.Ordinal));
        if (body is not null)
        {
            var text = body.Replace("{marker}", marker, StringComparison.Ordinal).Replace("{existing}", existing, StringComparison.Ordinal);
            request.Content = new StringContent(text, System.Text.Encoding.UTF8, "application/json");
        }

        // Act
        var response = await _client.SendAsync(request);

        // Assert
        var problem = await response.AssertProblemAsync(status);
        if (problemPath is not null)
        {
            Assert.Equal(problemPath, problem.GetProperty("path").GetString());
        }

        await AssertUnchangedAsync(marker, existing);
    }

    [Theory]
    [InlineData("POST", "/assistants")]
    [InlineData("PATCH", "/assistants/{existing}")]
    [InlineData("POST", "/assistants/search")]
    public async Task Request_OversizedBody_Returns413AndChangesNothing(string method, string path)
    {
        var marker = Guid.NewGuid().ToString();
        var existing = await CreateAsync(marker);
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{existing}", existing, StringComparison.Ordinal))
        {
            Content = new StringContent(SmallBodyServerFixture.OversizedBody(), System.Text.Encoding.UTF8, "application/json"),
        };

        var response = await _client.SendAsync(request);

        await response.AssertProblemAsync(413);
        await AssertUnchangedAsync(marker, existing);
    }

    private async Task<string> CreateAsync(string marker)
    {
        var response = await _client.PostJsonAsync("/assistants", $$$"""{"graph_id":"agent","name":"original","metadata":{"marker":"{{{marker}}}"}}""");
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("assistant_id").GetString()!;
    }

    private async Task AssertUnchangedAsync(string marker, string existing)
    {
        var found = await (await _client.PostJsonAsync("/assistants/search", $$$"""{"metadata":{"marker":"{{{marker}}}"},"limit":10}""")).ReadJsonAsync();
        var assistant = Assert.Single(found.EnumerateArray());
        Assert.Equal(existing, assistant.GetProperty("assistant_id").GetString());
        Assert.Equal("original", assistant.GetProperty("name").GetString());
        Assert.Equal(1, assistant.GetProperty("version").GetInt32());
    }
}

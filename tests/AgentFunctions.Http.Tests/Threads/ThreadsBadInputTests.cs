using System.Text.Json;

namespace AgentFunctions.Http.Tests.Threads;

/// <summary>Client mistakes on the threads routes: each is a problem with the right status, and nothing is stored.</summary>
public class ThreadsBadInputTests(SmallBodyServerFixture server) : IClassFixture<SmallBodyServerFixture>
{
    private static readonly string LongId = new('a', 200);

    private readonly HttpClient _client = server.Client();

    public static TheoryData<string, string, string?, int, string?> Cases => new()
    {
        // method, path, body ({marker} and {existing} are filled in), status, problem path
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"}", 400, null },
        { "POST", "/threads", "[{\"marker\":\"{marker}\"}]", 422, "$" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":5}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"a'b\"}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"a\\\"b\"}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"a/b\"}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"a\\u0001b\"}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"" + LongId + "\"}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"\"}", 422, "$.thread_id" },
        { "POST", "/threads", "{\"metadata\":\"{marker}\"}", 422, "$.metadata" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"if_exists\":\"replace\"}", 422, "$.if_exists" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"if_exists\":true}", 422, "$.if_exists" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"supersteps\":[{\"updates\":[]}]}", 422, "$.supersteps" },
        { "POST", "/threads", "{\"metadata\":{\"marker\":\"{marker}\"},\"thread_id\":\"{existing}\",\"if_exists\":\"raise\"}", 409, null },
        { "GET", "/threads/" + Guid.Empty, null, 404, null },
        { "GET", "/threads/a'b", null, 404, null },
        { "GET", "/threads/a%22b", null, 404, null },
        { "GET", "/threads/a%2Fb", null, 404, null },
        { "GET", "/threads/a%01b", null, 404, null },
        { "GET", "/threads/" + LongId, null, 404, null },
        { "PATCH", "/threads/" + Guid.Empty, "{\"metadata\":{\"patched\":true}}", 404, null },
        { "PATCH", "/threads/a'b", "{\"metadata\":{\"patched\":true}}", 404, null },
        { "PATCH", "/threads/a%2Fb", "{\"metadata\":{\"patched\":true}}", 404, null },
        { "PATCH", "/threads/{existing}", "{\"metadata\":{\"patched\":true}", 400, null },
        { "PATCH", "/threads/{existing}", "{\"metadata\":[\"patched\"]}", 422, "$.metadata" },
        { "PATCH", "/threads/{existing}", "\"patched\"", 422, "$" },
        { "DELETE", "/threads/" + Guid.Empty, null, 404, null },
        { "DELETE", "/threads/a%22b", null, 404, null },
        { "DELETE", "/threads/a%2Fb", null, 404, null },
        { "DELETE", "/threads/" + LongId, null, 404, null },
        { "POST", "/threads/search", "{\"limit\":", 400, null },
        { "POST", "/threads/search", "{\"limit\":0}", 422, "$.limit" },
        { "POST", "/threads/search", "{\"limit\":1001}", 422, "$.limit" },
        { "POST", "/threads/search", "{\"limit\":\"5\"}", 422, "$.limit" },
        { "POST", "/threads/search", "{\"limit\":2.5}", 422, "$.limit" },
        { "POST", "/threads/search", "{\"offset\":-1}", 422, "$.offset" },
        { "POST", "/threads/search", "{\"status\":\"sleeping\"}", 422, "$.status" },
        { "POST", "/threads/search", "{\"metadata\":5}", 422, "$.metadata" },
        { "POST", "/threads/search", "{\"values\":[]}", 422, "$.values" },
        { "POST", "/threads/search", "{\"ids\":\"x\"}", 422, "$.ids" },
        { "POST", "/threads/search", "{\"ids\":[1]}", 422, "$.ids[0]" },
        { "POST", "/threads/search", "{\"ids\":[\"{existing}\",\"a'b\"]}", 422, "$.ids[1]" },
        { "POST", "/threads/search", "{\"ids\":[" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"t{i}\"")) + "]}", 422, "$.ids" },
        { "POST", "/threads/search", "{\"select\":[\"thread_id\",\"nope\"]}", 422, "$.select[1]" },
        { "POST", "/threads/search", "{\"sort_by\":\"colour\"}", 422, "$.sort_by" },
        { "POST", "/threads/search", "{\"sort_order\":\"up\"}", 422, "$.sort_order" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_BadInput_IsAProblemAndChangesNothing(string method, string path, string? body, int status, string? problemPath)
    {
        // Arrange: a thread that a mistaken request must not change, and a marker no mistaken create may leave behind.
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
    [InlineData("POST", "/threads")]
    [InlineData("PATCH", "/threads/{existing}")]
    [InlineData("POST", "/threads/search")]
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
        var response = await _client.PostJsonAsync("/threads", $$$"""{"metadata":{"marker":"{{{marker}}}"}}""");
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("thread_id").GetString()!;
    }

    private async Task AssertUnchangedAsync(string marker, string existing)
    {
        var found = await (await _client.PostJsonAsync("/threads/search", $$$"""{"metadata":{"marker":"{{{marker}}}"},"limit":10}""")).ReadJsonAsync();
        var thread = Assert.Single(found.EnumerateArray());
        Assert.Equal(existing, thread.GetProperty("thread_id").GetString());
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse($$$"""{"marker":"{{{marker}}}"}""").RootElement, thread.GetProperty("metadata")));
    }
}

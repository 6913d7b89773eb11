using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Invocation;

/// <summary>
/// The API through <see cref="Http.Invocation.ApiInvocation"/>, as the Functions app calls it, over real HTTP:
/// the caller is identified, failures become the same problem details the server sends, the body limit
/// holds, and a streamed body is written whole before the invocation returns.
/// </summary>
public class ApiInvocationTests(FunctionStyleServerFixture server) : IClassFixture<FunctionStyleServerFixture>
{
    private readonly HttpClient _client = server.Client(FunctionStyleServerFixture.Key);

    [Fact]
    public async Task Invoke_NoApiKey_Returns401ProblemAndRunsNoHandler()
    {
        using var response = await server.Client().PostJsonAsync("/threads", "{}");

        var problem = await response.AssertProblemAsync(401);
        Assert.Equal("Unauthorized", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Invoke_WrongApiKey_Returns401Problem()
    {
        using var response = await server.Client("not-a-key-0123456789abcdef").GetAsync("/threads/" + Guid.NewGuid());

        await response.AssertProblemAsync(401);
    }

    [Fact]
    public async Task Invoke_Writer_NoApiKey_Returns401Problem()
    {
        using var response = await server.Client().GetAsync($"/threads/{Guid.NewGuid()}/history/stream");

        await response.AssertProblemAsync(401);
    }

    [Fact]
    public async Task Ok_NoApiKey_Answers()
    {
        using var response = await server.Client().GetAsync("/ok");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Invoke_CreateThenGet_AnswersTheCallersThread()
    {
        var created = await (await _client.PostJsonAsync("/threads", """{"metadata":{"via":"function"}}""")).ReadJsonAsync();
        var threadId = created.GetProperty("thread_id").GetString();

        using var response = await _client.GetAsync($"/threads/{threadId}");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("function", (await response.ReadJsonAsync()).GetProperty("metadata").GetProperty("via").GetString());
    }

    [Fact]
    public async Task Invoke_UnknownThread_Returns404Problem()
    {
        using var response = await _client.GetAsync($"/threads/{Guid.NewGuid()}");

        await response.AssertProblemAsync(404);
    }

    [Fact]
    public async Task Invoke_MalformedJson_Returns400Problem()
    {
        using var response = await _client.PostJsonAsync("/threads", "{\"metadata\":");

        var problem = await response.AssertProblemAsync(400);
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Invoke_InvalidInput_Returns422ProblemWithThePath()
    {
        var threadId = (await (await _client.PostJsonAsync("/threads", "{}")).ReadJsonAsync()).GetProperty("thread_id").GetString();

        using var response = await _client.PostJsonAsync($"/threads/{threadId}/runs/stream", """{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"hi"}]},"stream_mode":"nonsense"}""");

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal("$.stream_mode", problem.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Invoke_OversizedBody_Returns413Problem()
    {
        var body = "{\"metadata\":{\"pad\":\"" + new string('x', FunctionStyleServerFixture.MaxBodyBytes * 2) + "\"}}";

        using var response = await _client.PostJsonAsync("/threads", body);

        await response.AssertProblemAsync(413);
    }

    [Fact]
    public async Task Invoke_HandlerFails_Returns500ProblemWithoutTheExceptionText()
    {
        using var response = await _client.PostJsonAsync("/fails", "{}");

        var problem = await response.AssertProblemAsync(500);
        Assert.DoesNotContain(FunctionStyleServerFixture.SecretFailure, problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Invoke_StreamedRun_WritesTheWholeEventStream()
    {
        var threadId = (await (await _client.PostJsonAsync("/threads", "{}")).ReadJsonAsync()).GetProperty("thread_id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/threads/{threadId}/runs/stream")
        {
            Content = new StringContent("""{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"hello tokens=5"}]},"stream_mode":["values","messages-tuple"]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var frames = SseParser.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("metadata", frames[0].Event);
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), frames.Select(f => f.Id));
        Assert.Equal(5, frames.Count(f => f.Event == "messages"));
        var messages = frames.Last(f => f.Event == "values").Json.GetProperty("messages");
        Assert.Equal("ai", messages[messages.GetArrayLength() - 1].GetProperty("type").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Invoke_Writer_StreamsTheHistoryAsNdjson()
    {
        var threadId = (await (await _client.PostJsonAsync("/threads", "{}")).ReadJsonAsync()).GetProperty("thread_id").GetString();
        using var run = await _client.PostJsonAsync($"/threads/{threadId}/runs/stream", """{"assistant_id":"agent","input":{"messages":[{"role":"user","content":"hello tokens=3"}]}}""");
        await run.Content.ReadAsByteArrayAsync();

        using var response = await _client.GetAsync($"/threads/{threadId}/history/stream");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Equal(threadId, JsonDocument.Parse(line).RootElement.GetProperty("checkpoint").GetProperty("thread_id").GetString()));
    }
}

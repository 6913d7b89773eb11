using System.Runtime.CompilerServices;
using AgentFunctions.Http.Tests.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Store;

/// <summary>
/// A model that calls <c>memory_write</c> once (key and value from the user's message, <c>key=value</c>), then
/// <c>memory_read</c> for the same key, then answers with what the read returned.
/// </summary>
internal sealed class MemoryCallingModel : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var history = messages.ToList();
        var results = history.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).ToList();
        var (key, value) = history.Last(m => m.Role == ChatRole.User).Text.Split('=') is [var k, var v] ? (k.Trim(), v.Trim()) : ("k", "v");
        ChatResponseUpdate update = results.Count switch
        {
            0 => new(ChatRole.Assistant, [new FunctionCallContent("call-write", "memory_write", new Dictionary<string, object?> { ["key"] = key, ["value"] = value })]),
            1 => new(ChatRole.Assistant, [new FunctionCallContent("call-read", "memory_read", new Dictionary<string, object?> { ["key"] = key })]),
            _ => new(ChatRole.Assistant, "recalled " + results[^1].Result),
        };
        update.MessageId = "m" + results.Count;
        yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>The API-key server whose model calls the memory tools.</summary>
public sealed class MemoryModelServerFixture : ApiKeyServerFixture
{
    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<IChatClient, MemoryCallingModel>();
}

/// <summary>The built-in memory tools: a run writes and reads its owner's store, which the store API then shows (and no one else's).</summary>
public class MemoryToolTests(MemoryModelServerFixture server) : IClassFixture<MemoryModelServerFixture>
{
    private readonly HttpClient _alice = server.Client(ApiKeyServerFixture.AliceKey);
    private readonly HttpClient _bob = server.Client(ApiKeyServerFixture.BobKey);

    [Fact(Timeout = 180_000)]
    public async Task Run_WithTheMemoryTools_WritesAndReadsTheOwnersStore()
    {
        var key = "colour" + Guid.NewGuid().ToString("N")[..6];
        using var assistant = await _alice.PostJsonAsync("/assistants", """{"graph_id":"agent","config":{"configurable":{"tools":["memory_write","memory_read"]}}}""");
        var assistantId = (await assistant.ReadJsonAsync()).GetProperty("assistant_id").GetString();
        using var thread = await _alice.PostJsonAsync("/threads", "{}");
        var threadId = (await thread.ReadJsonAsync()).GetProperty("thread_id").GetString();

        using var run = await _alice.PostJsonAsync($"/threads/{threadId}/runs/wait", $$$"""{"assistant_id":"{{{assistantId}}}","input":{"messages":[{"role":"user","content":"{{{key}}}=teal"}]}}""");
        var values = await run.ReadJsonAsync();
        using var alices = await _alice.GetAsync($"/store/items?namespace=memories&key={key}");
        using var bobs = await _bob.GetAsync($"/store/items?namespace=memories&key={key}");

        var messages = values.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal("recalled teal", messages[^1].GetProperty("content").GetString());
        Assert.Equal("""{"value":"teal"}""", (await alices.ReadJsonAsync()).GetProperty("value").GetRawText());
        Assert.Equal("null", await bobs.Content.ReadAsStringAsync());
    }
}

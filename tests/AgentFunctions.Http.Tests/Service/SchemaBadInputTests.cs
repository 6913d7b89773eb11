using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Service;

/// <summary>
/// Every field of every request body LangGraph defines (threads: create, patch, search, count; state: update, checkpoint,
/// history; assistants: create, patch, search, count, versions, latest; runs), each set in turn to every value of a
/// palette: null, wrong types, empty and huge values, numbers out of any range, deep nesting, an unknown enum value.
/// Whatever the value, the answer is never a 5xx; a value of a type the field does not take is a 4xx with problem
/// details; and a 4xx changes nothing (no thread, assistant, run or checkpoint written or changed).
/// </summary>
public class SchemaBadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Owner = "local";
    private const string Hello = """{"messages":[{"role":"user","content":"tokens=1"}]}""";

    /// <summary>The values each field is set to, by name.</summary>
    private static readonly (string Name, string Json)[] Palette =
    [
        ("null", "null"),
        ("true", "true"),
        ("zero", "0"),
        ("negative", "-1"),
        ("fraction", "1.5"),
        ("hugeNumber", "1e308"),
        ("bigInteger", "123456789012345678901234567890"),
        ("string", "\"x\""),
        ("emptyString", "\"\""),
        ("hugeString", "\"" + new string('y', 300_000) + "\""),
        ("emptyArray", "[]"),
        ("array", "[1,\"a\",null]"),
        ("emptyObject", "{}"),
        ("object", "{\"a\":{\"b\":[1]}}"),
        ("deep", new string('[', 200) + new string(']', 200)),
    ];

    private static readonly string[] Strings = ["string", "emptyString", "hugeString"];
    private static readonly string[] Objects = ["emptyObject", "object"];
    private static readonly string[] Numbers = ["zero", "fraction", "hugeNumber", "bigInteger"];

    private static readonly Dictionary<string, Endpoint> Endpoints = new()
    {
        ["thread create"] = new("POST", "/threads", """{"metadata":{"m":"{marker}"}}"""),
        ["thread patch"] = new("PATCH", "/threads/{thread}", """{"metadata":{"m":"{marker}"}}"""),
        ["thread search"] = new("POST", "/threads/search", "{}"),
        ["thread count"] = new("POST", "/threads/count", "{}"),
        ["state update"] = new("POST", "/threads/{thread}/state", """{"values":{"messages":[{"role":"user","content":"{marker}"}]}}"""),
        ["state checkpoint"] = new("POST", "/threads/{thread}/state/checkpoint", """{"checkpoint":{"checkpoint_id":"{checkpoint}"}}"""),
        ["history"] = new("POST", "/threads/{thread}/history", "{}"),
        ["assistant create"] = new("POST", "/assistants", """{"graph_id":"agent","metadata":{"m":"{marker}"}}"""),
        ["assistant patch"] = new("PATCH", "/assistants/{assistant}", """{"metadata":{"m":"{marker}"}}"""),
        ["assistant search"] = new("POST", "/assistants/search", "{}"),
        ["assistant count"] = new("POST", "/assistants/count", "{}"),
        ["assistant versions"] = new("POST", "/assistants/{assistant}/versions", "{}"),
        ["assistant latest"] = new("POST", "/assistants/{assistant}/latest", """{"version":1}"""),
        ["run"] = new("POST", "/threads/{thread}/runs/wait", $$"""{"assistant_id":"agent","input":{{Hello}}}"""),
    };

    /// <summary>Endpoint, field (a dotted path into the body), and the palette values the field may take (others must be a 4xx).</summary>
    public static TheoryData<string, string, string[]> Fields => new()
    {
        { "thread create", "thread_id", ["string"] },
        { "thread create", "metadata", Objects },
        { "thread create", "if_exists", [] },
        { "thread create", "ttl", [] },
        { "thread create", "ttl.ttl", ["fraction"] },
        { "thread create", "ttl.strategy", [] },
        { "thread create", "supersteps", ["emptyArray"] },
        { "thread patch", "metadata", Objects },
        { "thread patch", "ttl", [] },
        { "thread patch", "ttl.ttl", ["fraction"] },
        { "thread search", "metadata", Objects },
        { "thread search", "values", Objects },
        { "thread search", "ids", ["emptyArray"] },
        { "thread search", "status", [] },
        { "thread search", "limit", [] },
        { "thread search", "offset", ["zero"] },
        { "thread search", "sort_by", [] },
        { "thread search", "sort_order", [] },
        { "thread search", "select", ["emptyArray"] },
        { "thread count", "metadata", Objects },
        { "thread count", "values", Objects },
        { "thread count", "status", [] },
        { "state update", "values", ["emptyObject", "object", "emptyArray"] },
        { "state update", "values.messages", ["emptyArray", .. Strings] },
        { "state update", "as_node", [] },
        { "state update", "checkpoint_id", [] },
        { "state update", "checkpoint", Objects },
        { "state update", "checkpoint.checkpoint_id", [] },
        { "state update", "checkpoint.checkpoint_ns", Strings },
        { "state checkpoint", "checkpoint", Objects },
        { "state checkpoint", "checkpoint.checkpoint_id", [] },
        { "state checkpoint", "checkpoint.checkpoint_ns", Strings },
        { "state checkpoint", "checkpoint.checkpoint_map", Objects },
        { "state checkpoint", "subgraphs", ["true"] },
        { "history", "limit", [] },
        { "history", "before", Objects },
        { "history", "metadata", Objects },
        { "history", "checkpoint", Objects },
        { "history", "checkpoint.checkpoint_ns", Strings },
        { "assistant create", "assistant_id", ["string"] },
        { "assistant create", "graph_id", [] },
        { "assistant create", "config", Objects },
        { "assistant create", "config.configurable", Objects },
        { "assistant create", "config.tags", ["emptyArray"] },
        { "assistant create", "config.recursion_limit", [] },
        { "assistant create", "context", Objects },
        { "assistant create", "metadata", Objects },
        { "assistant create", "if_exists", [] },
        { "assistant create", "name", Strings },
        { "assistant create", "description", Strings },
        { "assistant patch", "graph_id", [] },
        { "assistant patch", "config", Objects },
        { "assistant patch", "context", Objects },
        { "assistant patch", "metadata", Objects },
        { "assistant patch", "name", Strings },
        { "assistant patch", "description", Strings },
        { "assistant search", "metadata", Objects },
        { "assistant search", "graph_id", Strings },
        { "assistant search", "name", Strings },
        { "assistant search", "limit", [] },
        { "assistant search", "offset", ["zero"] },
        { "assistant search", "sort_by", [] },
        { "assistant search", "sort_order", [] },
        { "assistant search", "select", ["emptyArray"] },
        { "assistant count", "metadata", Objects },
        { "assistant count", "graph_id", Strings },
        { "assistant count", "name", Strings },
        { "assistant versions", "metadata", Objects },
        { "assistant versions", "limit", [] },
        { "assistant versions", "offset", ["zero"] },
        { "assistant latest", "version", [] },
        { "run", "assistant_id", ["string"] }, // "x" is an assistant the assistant_id case of create made
        { "run", "input", Objects },
        { "run", "input.messages", ["emptyArray", .. Strings] },
        { "run", "command", Objects },
        { "run", "metadata", Objects },
        { "run", "config", Objects },
        { "run", "config.configurable", Objects },
        { "run", "config.tags", ["emptyArray"] },
        { "run", "config.recursion_limit", [] },
        { "run", "context", Objects },
        { "run", "webhook", [] },
        { "run", "interrupt_before", ["emptyArray"] },
        { "run", "interrupt_after", ["emptyArray"] },
        { "run", "stream_mode", ["emptyArray"] },
        { "run", "stream_subgraphs", ["true"] },
        { "run", "stream_resumable", ["true"] },
        { "run", "on_disconnect", [] },
        { "run", "feedback_keys", ["emptyArray"] },
        { "run", "multitask_strategy", [] },
        { "run", "if_not_exists", [] },
        { "run", "after_seconds", [.. Numbers] },
        { "run", "checkpoint", Objects },
        { "run", "checkpoint_id", [] },
        { "run", "checkpoint_during", ["true"] },
        { "run", "durability", [] },
        { "run", "on_completion", [] },
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public async Task Field_AnyValue_NeverA5xxAndA4xxChangesNothing(string endpoint, string field, string[] accepted)
    {
        var client = server.Client();
        var (thread, checkpoint, assistant) = await ArrangeAsync(client);
        var failures = new List<string>();
        foreach (var (name, json) in Palette)
        {
            // Arrange: the endpoint's valid body with the field set to the value.
            var marker = Guid.NewGuid().ToString("N");
            var (method, path, template) = Endpoints[endpoint];
            var body = JsonNode.Parse(Fill(template, marker, thread, checkpoint, assistant))!.AsObject();
            Set(body, field, JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 1000 }));
            var before = await WorldAsync(thread, assistant);
            using var request = new HttpRequestMessage(new HttpMethod(method), Fill(path, marker, thread, checkpoint, assistant))
            {
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };

            // Act
            using var response = await client.SendAsync(request);

            // Assert
            var status = (int)response.StatusCode;
            var what = $"{endpoint} {field}={name}: {status}";
            if (status >= 500)
            {
                failures.Add($"{what} {await response.Content.ReadAsStringAsync()}");
            }
            else if (status >= 400)
            {
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{what} without problem details");
                }

                if (await WorldAsync(thread, assistant) is var after && after != before)
                {
                    failures.Add($"{what} changed {before} to {after}");
                }
            }
            else if (name != "null" && !accepted.Contains(name))
            {
                failures.Add($"{what}: accepted a value the field does not take");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>A thread with a checkpoint and an assistant, for the routes that name one.</summary>
    private static async Task<(string Thread, string Checkpoint, string Assistant)> ArrangeAsync(HttpClient client)
    {
        var thread = (await (await client.PostJsonAsync("/threads", "{}")).ReadJsonAsync()).GetProperty("thread_id").GetString()!;
        var update = await (await client.PostJsonAsync($"/threads/{thread}/state", $$"""{"values":{{Hello}}}""")).ReadJsonAsync();
        var checkpoint = update.GetProperty("checkpoint").GetProperty("checkpoint_id").GetString()!;
        var assistant = (await (await client.PostJsonAsync("/assistants", """{"graph_id":"agent"}""")).ReadJsonAsync()).GetProperty("assistant_id").GetString()!;
        return (thread, checkpoint, assistant);
    }

    private static string Fill(string text, string marker, string thread, string checkpoint, string assistant) => text
        .Replace("{marker}", marker, StringComparison.Ordinal)
        .Replace("{thread}", thread, StringComparison.Ordinal)
        .Replace("{checkpoint}", checkpoint, StringComparison.Ordinal)
        .Replace("{assistant}", assistant, StringComparison.Ordinal);

    /// <summary>Sets a dotted path in the body, making the objects on the way.</summary>
    private static void Set(JsonObject body, string path, JsonNode? value)
    {
        var names = path.Split('.');
        var target = body;
        foreach (var name in names[..^1])
        {
            if (target[name] is not JsonObject inner)
            {
                inner = [];
                target[name] = inner;
            }

            target = inner;
        }

        target[names[^1]] = value;
    }

    /// <summary>What a mistaken request must leave as it was: the owner's threads and assistants, and the two the routes name.</summary>
    private async Task<World> WorldAsync(string thread, string assistant)
    {
        var services = server.Services;
        var threads = services.GetRequiredService<IThreadStore>();
        var assistants = services.GetRequiredService<IAssistantStore>();
        var runs = services.GetRequiredService<IRunStore>();
        var checkpoints = services.GetRequiredService<Core.Checkpoints.ICheckpointStore>();
        var threadCount = 0;
        await foreach (var _ in threads.SearchAsync(Owner))
        {
            threadCount++;
        }

        var assistantCount = 0;
        await foreach (var _ in assistants.SearchAsync(Owner))
        {
            assistantCount++;
        }

        var runCount = 0;
        await foreach (var _ in runs.ListAsync(Owner, thread))
        {
            runCount++;
        }

        return new World(
            threadCount,
            assistantCount,
            runCount,
            (await threads.GetAsync(Owner, thread))?.ETag.ToString(),
            (await checkpoints.GetLatestAsync(Owner, thread))?.CheckpointId,
            (await assistants.GetAsync(Owner, assistant))?.ETag.ToString());
    }

    private sealed record Endpoint(string Method, string Path, string Body);

    private sealed record World(int Threads, int Assistants, int Runs, string? ThreadVersion, string? LatestCheckpoint, string? AssistantVersion);
}

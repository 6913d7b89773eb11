using System.Text.Json;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Agents;

/// <summary>Graphs a deployment declares, in code and in configuration, served over HTTP like the built-in one.</summary>
public sealed class DeclaredGraphsTests(DeclaredGraphsServerFixture server) : IClassFixture<DeclaredGraphsServerFixture>
{
    private readonly RunsApi _api = new(server);

    private static string Body(string assistantId, string text, string extra = "")
        => RunsApi.Body(text, extra).Replace("\"assistant_id\":\"agent\"", $"\"assistant_id\":\"{assistantId}\"", StringComparison.Ordinal);

    [Theory(Timeout = 60_000)]
    [InlineData("support", "lookup_order", """{"orderId":"A-7"}""", "order A-7 shipped")]
    [InlineData("ops", "restart_service", """{"service":"billing"}""", "billing restarted")]
    public async Task Stream_DeclaredGraph_TheOfflineModelCallsTheUserTool(string graph, string tool, string arguments, string result)
    {
        var threadId = await _api.NewThreadAsync();

        var (response, frames) = await _api.StreamAsync(
            $"/threads/{threadId}/runs/stream", Body(graph, $"tool:{tool} {arguments}", "\"stream_mode\":[\"values\",\"messages-tuple\",\"updates\"]"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(frames, f => f.Event == "error");
        var final = RunsApi.Messages(frames.Last(f => f.Event == "values").Json);
        Assert.Equal(["human", "ai", "tool", "ai"], final.Select(m => m.Type));
        Assert.Equal(result, final[2].Text);
        Assert.Equal($"The answer is {result}.", final[3].Text);
        var toolChunk = frames.Where(f => f.Event == "messages").Select(f => f.Json).Single(t => t[0].GetProperty("type").GetString() == "tool");
        Assert.Equal(graph, toolChunk[1].GetProperty("graph_id").GetString());
        Assert.Contains(frames, f => f.Event == "updates" && f.Json.TryGetProperty("tools", out _));
        Assert.Equal("success", await _api.RunStatusAsync(threadId, frames[0].Json.GetProperty("run_id").GetString()!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_ToolTheGraphDoesNotOffer_AnswersAnErrorToolMessage()
    {
        var threadId = await _api.NewThreadAsync();

        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body("support", "tool:restart_service {\"service\":\"x\"}"));

        var final = RunsApi.Messages(frames.Last(f => f.Event == "values").Json);
        Assert.Equal(["human", "ai", "tool", "ai"], final.Select(m => m.Type));
        Assert.StartsWith("Error: Tool 'restart_service' is not enabled", final[2].Text, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Info_ListsEveryGraph()
    {
        var info = await (await _api.Client.GetAsync("/info")).ReadJsonAsync();

        Assert.Equal(["af-agent", "agent", "helper", "ops", "support"], info.GetProperty("graphs").EnumerateArray().Select(g => g.GetProperty("graph_id").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Search_DefaultAssistantOfEveryGraph()
    {
        using var response = await _api.Client.PostJsonAsync("/assistants/search", """{"metadata":{"created_by":"system"},"limit":100}""");

        var found = (await response.ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["af-agent", "agent", "helper", "ops", "support"], found.Select(a => a.GetProperty("graph_id").GetString()).Order(StringComparer.Ordinal));
        var support = found.Single(a => a.GetProperty("graph_id").GetString() == "support");
        Assert.Equal(GraphRegistry.DefaultAssistantId("support"), support.GetProperty("assistant_id").GetString());
        Assert.Equal(DeclaredGraphsServerFixture.SupportPrompt, support.GetProperty("config").GetProperty("configurable").GetProperty("system_prompt").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Search_ByGraphId_FindsThatGraphsAssistants()
    {
        using var created = await _api.Client.PostJsonAsync("/assistants", """{"graph_id":"ops","name":"night shift"}""");
        Assert.Equal(200, (int)created.StatusCode);

        using var response = await _api.Client.PostJsonAsync("/assistants/search", """{"graph_id":"ops","limit":100}""");

        var found = (await response.ReadJsonAsync()).EnumerateArray().ToList();
        Assert.All(found, a => Assert.Equal("ops", a.GetProperty("graph_id").GetString()));
        Assert.Contains(found, a => a.GetProperty("name").GetString() == "night shift");
    }

    [Fact(Timeout = 60_000)]
    public async Task Schemas_ListTheGraphsToolsAndModelsByName()
    {
        var schemas = await (await _api.Client.GetAsync("/assistants/ops/schemas")).ReadJsonAsync();

        var properties = schemas.GetProperty("config_schema").GetProperty("properties");
        Assert.Equal(["restart_service", "calculator"], Enum(properties.GetProperty("tools").GetProperty("items")));
        Assert.Equal(["default", "fast", "slow"], Enum(properties.GetProperty("model")));
    }

    [Fact(Timeout = 60_000)]
    public async Task Assistant_PicksAModelAndNarrowsTools_RunUsesThem()
    {
        using var created = await _api.Client.PostJsonAsync(
            "/assistants", """{"graph_id":"ops","config":{"configurable":{"model":"fast","tools":["calculator"]}}}""");
        var assistantId = (await created.ReadJsonAsync()).GetProperty("assistant_id").GetString()!;
        var threadId = await _api.NewThreadAsync();

        var (_, frames) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body(assistantId, "tool:restart_service {\"service\":\"x\"}"));

        var final = RunsApi.Messages(frames.Last(f => f.Event == "values").Json);
        Assert.StartsWith("Error: Tool 'restart_service' is not enabled for this assistant. Enabled: calculator.", final[2].Text, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("""{"configurable":{"model":"huge"}}""", "$.config.configurable.model", "huge")]
    [InlineData("""{"configurable":{"tools":["lookup_order"]}}""", "$.config.configurable.tools", "lookup_order")]
    public async Task Create_ConfigNamesWhatTheGraphDoesNotHave_Returns422NamingIt(string config, string path, string name)
    {
        using var response = await _api.Client.PostJsonAsync("/assistants", $$"""{"graph_id":"ops","config":{{config}}}""");

        var problem = await response.AssertProblemAsync(422);
        Assert.Contains(path, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains($"'{name}'", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Update_ConfigNamesAnUnknownTool_Returns422()
    {
        using var created = await _api.Client.PostJsonAsync("/assistants", """{"graph_id":"support"}""");
        var assistantId = (await created.ReadJsonAsync()).GetProperty("assistant_id").GetString()!;

        using var response = await _api.Client.PatchJsonAsync($"/assistants/{assistantId}", """{"config":{"configurable":{"tools":["restart_service"]}}}""");

        var problem = await response.AssertProblemAsync(422);
        Assert.Contains("'restart_service'", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunCreate_ConfigNamesAnUnknownModel_Returns422()
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs", Body("support", "hi", "\"config\":{\"configurable\":{\"model\":\"nope\"}}"));

        var problem = await response.AssertProblemAsync(422);
        Assert.Contains("'nope'", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_UnknownGraph_Returns422NamingTheGraphs()
    {
        using var response = await _api.Client.PostJsonAsync("/assistants", """{"graph_id":"nope"}""");

        var problem = await response.AssertProblemAsync(422);
        Assert.Contains("support", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("af-agent", "calc: 2*21", "calculator", "42")]
    [InlineData("helper", "tool:lookup_order {\"orderId\":\"B-2\"}", "lookup_order", "order B-2 shipped")]
    public async Task Stream_AgentFrameworkAgent_StreamsItsToolRoundTripAndCheckpointsTheConversation(string graph, string text, string tool, string result)
    {
        var threadId = await _api.NewThreadAsync();

        var (response, frames) = await _api.StreamAsync(
            $"/threads/{threadId}/runs/stream", Body(graph, text, "\"stream_mode\":[\"values\",\"messages-tuple\",\"updates\"]"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(frames, f => f.Event == "error");
        var final = RunsApi.Messages(frames.Last(f => f.Event == "values").Json);
        Assert.Equal(["human", "ai", "tool", "ai"], final.Select(m => m.Type));
        Assert.Equal(result, final[2].Text);
        Assert.Equal($"The answer is {result}.", final[3].Text);
        var chunks = frames.Where(f => f.Event == "messages").Select(f => f.Json).ToList();
        Assert.Contains(chunks, c => c[0].GetProperty("type").GetString() == "tool" && c[0].GetProperty("name").GetString() == tool);
        Assert.Equal(final[3].Text, string.Concat(chunks.Where(c => c[0].GetProperty("type").GetString() == "AIMessageChunk").Select(c => RunsApi.Text(c[0].GetProperty("content")))));
        Assert.All(chunks, c => Assert.Equal(graph, c[1].GetProperty("graph_id").GetString()));
        var update = frames.Single(f => f.Event == "updates").Json;
        Assert.Equal(3, update.GetProperty("agent").GetProperty("messages").GetArrayLength());

        // The next turn gets the conversation from the thread's checkpoints.
        var (_, second) = await _api.StreamAsync($"/threads/{threadId}/runs/stream", Body(graph, "thanks tokens=2"));
        Assert.Equal(["human", "ai", "tool", "ai", "human", "ai"], RunsApi.Messages(second.Last(f => f.Event == "values").Json).Select(m => m.Type));
        using var history = await _api.Client.PostJsonAsync($"/threads/{threadId}/history", """{"limit":100}""");
        Assert.Equal(6, (await history.ReadJsonAsync()).GetArrayLength());
    }

    [Fact(Timeout = 60_000)]
    public async Task Schemas_AgentFrameworkAgent_OffersNoModelsOrTools()
    {
        var schemas = await (await _api.Client.GetAsync("/assistants/helper/schemas")).ReadJsonAsync();

        var properties = schemas.GetProperty("config_schema").GetProperty("properties");
        Assert.Empty(Enum(properties.GetProperty("tools").GetProperty("items")));
    }

    private static List<string?> Enum(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Select(e => e.GetString())];
}

using System.Text.Json;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Tests.Runtime;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Graphs;

/// <summary>The tool-calling loop as a deployment declares it: its prompt, model by name, tools by name and tool sources.</summary>
public class DeclaredGraphTests
{
    private readonly InMemoryCheckpointStore _store = new();
    private readonly string _thread = Guid.NewGuid().ToString("D");

    [Fact]
    public async Task Run_ToolFromASource_IsCalledAndAnswered()
    {
        var source = new StubSource("docs", [AIFunctionFactory.Create((string q) => $"found {q}", "docs__search")]);
        var graph = Graph(new AgentGraphDefinition { Id = "support", Tools = [], ToolSources = ["docs"] }, source);

        var (_, outcome, state) = await RunAsync(graph, "tool:docs__search {\"q\":\"refunds\"}");

        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal(["human", "ai", "tool", "ai"], state.Messages.Select(m => m.Type));
        Assert.Equal("found refunds", state.Messages[2].Content.ToText());
    }

    [Fact]
    public async Task Run_SourceThatCannotListItsTools_RunGoesOnWithoutThem()
    {
        var graph = Graph(new AgentGraphDefinition { Id = "support", ToolSources = ["down"] }, new StubSource("down", null));

        var (_, outcome, state) = await RunAsync(graph, "calc: 1+1");

        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal("2", state.Messages[2].Content.ToText());
    }

    [Fact]
    public async Task Run_GraphWithSystemPromptAndNamedModel_CallsThatModelWithThePrompt()
    {
        var fast = new RecordingChatClient();
        var models = new NamedChatClientResolver(new OfflineChatClient(), [KeyValuePair.Create<string, IChatClient>("fast", fast)]);
        var graph = new AgentGraph(new AgentGraphDefinition { Id = "support", SystemPrompt = "Be brief.", Model = "fast" }, _store, models, new ToolRegistry(), []);

        var (_, outcome, _) = await RunAsync(graph, "hi tokens=2");

        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal(ChatRole.System, fast.Seen![0].Role);
        Assert.Equal("Be brief.", fast.Seen[0].Text);
    }

    [Fact]
    public async Task GetChoices_NamedTools_OffersThoseAndTheSourcesTools()
    {
        var registry = new ToolRegistry([AIFunctionFactory.Create(() => "x", "other")]);
        var source = new StubSource("docs", [AIFunctionFactory.Create(() => "y", "docs__search")]);
        var graph = new AgentGraph(
            new AgentGraphDefinition { Id = "support", Tools = ["calculator"], ToolSources = ["docs"] }, _store, new SingleChatClientResolver(new OfflineChatClient()), registry, [source]);

        var choices = await graph.GetChoicesAsync(CancellationToken.None);

        Assert.Equal(["calculator", "docs__search"], choices.Tools);
        Assert.Equal([NamedChatClientResolver.DefaultName], choices.Models);
    }

    [Fact]
    public async Task Run_DefinitionInterruptsBeforeTools_PausesThere()
    {
        var graph = Graph(new AgentGraphDefinition { Id = "careful", InterruptBefore = ["tools"] });

        var (_, outcome, state) = await RunAsync(graph, "calc: 1+1");

        Assert.Equal(RunStatus.Interrupted, outcome.Status);
        Assert.Equal(["human", "ai"], state.Messages.Select(m => m.Type));
    }

    [Fact]
    public void Registry_DefaultAssistantIdOrGraphId_FindsTheGraph()
    {
        var registry = new GraphRegistry([Graph(AgentGraphDefinition.BuiltIn), Graph(new AgentGraphDefinition { Id = "support" })]);

        Assert.Equal("support", registry.FindByDefaultAssistant("support")?.Id);
        Assert.Equal("support", registry.FindByDefaultAssistant(GraphRegistry.DefaultAssistantId("support"))?.Id);
        Assert.Null(registry.FindByDefaultAssistant("nope"));
        Assert.NotEqual(GraphRegistry.DefaultAssistantId("agent"), GraphRegistry.DefaultAssistantId("support"));
    }

    [Fact]
    public void Registry_TwoGraphsOfOneId_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new GraphRegistry([Graph(AgentGraphDefinition.BuiltIn), Graph(AgentGraphDefinition.BuiltIn)]));

        Assert.Contains("'agent'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolver_UnknownName_ThrowsListingTheModels()
    {
        var resolver = new NamedChatClientResolver(new OfflineChatClient(), [KeyValuePair.Create<string, IChatClient>("fast", new OfflineChatClient())]);

        var error = Assert.Throws<ArgumentException>(() => resolver.Resolve("slow"));

        Assert.Contains("default, fast", error.Message, StringComparison.Ordinal);
        Assert.Equal(["default", "fast"], resolver.Names);
    }

    private AgentGraph Graph(AgentGraphDefinition definition, params IToolSource[] sources)
        => new(definition, _store, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry(), sources);

    private async Task<(List<RunEvent> Events, RunOutcome Outcome, AgentState State)> RunAsync(AgentGraph graph, string text)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = text } } }));
        var execution = graph.Run(new RunRequest
        {
            OwnerId = "owner",
            ThreadId = _thread,
            RunId = Guid.NewGuid().ToString("D"),
            AssistantId = graph.Id,
            GraphId = graph.Id,
            Input = StateUpdate.ParseInput(document.RootElement),
            Settings = graph.Defaults,
        });
        var events = new List<RunEvent>();
        await foreach (var e in execution.Events)
        {
            events.Add(e);
        }

        return (events, execution.Outcome, _store.All("owner", _thread)[^1].Values);
    }

    private sealed class StubSource(string name, IReadOnlyList<AIFunction>? tools) : IToolSource
    {
        public string Name => name;

        public ValueTask<IReadOnlyList<AIFunction>> GetToolsAsync(CancellationToken cancellationToken)
            => tools is null ? throw new HttpRequestException("connection refused") : ValueTask.FromResult(tools);
    }

    private sealed class RecordingChatClient : IChatClient
    {
        private readonly OfflineChatClient _inner = new();

        public List<ChatMessage>? Seen { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => _inner.GetResponseAsync(messages, options, cancellationToken);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Seen = [.. messages];
            return _inner.GetStreamingResponseAsync(Seen, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => _inner.Dispose();
    }
}

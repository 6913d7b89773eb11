using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Runtime;

public class AgentGraphTests
{
    private const string Owner = "owner";
    private readonly InMemoryCheckpointStore _store = new();
    private readonly string _thread = Guid.NewGuid().ToString("D");

    [Fact]
    public async Task Run_PlainReplyOnAFreshThread_WritesThreeCheckpointsWithLangGraphSteps()
    {
        var (events, outcome) = await RunAsync(Input("hello tokens=3"));

        var written = _store.All(Owner, _thread);
        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal([-1, 0, 1], written.Select(c => c.Step));
        Assert.Equal([CheckpointSource.Input, CheckpointSource.Loop, CheckpointSource.Loop], written.Select(c => c.Source));
        Assert.Equal([["__start__"], ["agent"], []], written.Select(c => c.Next.ToArray()));
        Assert.Equal(["hello tokens=3", "Lorem ipsum dolor."], written[^1].Values.Messages.Select(m => m.Content.ToText()));
        Assert.Equal("metadata", events[0].Event);
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Run_MessagesTupleMode_StreamsEachTokenAsAChunkWithNodeMetadata()
    {
        var (events, _) = await RunAsync(Input("tokens=4"), modes: [StreamMode.MessagesTuple]);

        var chunks = events.Where(e => e.Event == "messages").ToList();
        Assert.Equal(["Lorem ", "ipsum ", "dolor ", "sit."], chunks.Select(c => c.Data[0].GetProperty("content").GetString()));
        Assert.All(chunks, c => Assert.Equal("AIMessageChunk", c.Data[0].GetProperty("type").GetString()));
        Assert.All(chunks, c => Assert.Equal("agent", c.Data[1].GetProperty("langgraph_node").GetString()));
        Assert.All(chunks, c => Assert.Equal(1, c.Data[1].GetProperty("langgraph_step").GetInt32()));
        Assert.Equal(["metadata", "messages"], events.Select(e => e.Event).Distinct());
    }

    [Fact]
    public async Task Run_ToolRoundTrip_WritesFiveCheckpointsAndAnswersWithTheToolResult()
    {
        var (events, outcome) = await RunAsync(Input("calc: 2+3*4"), modes: [StreamMode.Updates, StreamMode.Values]);

        var written = _store.All(Owner, _thread);
        var messages = written[^1].Values.Messages;
        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal([-1, 0, 1, 2, 3], written.Select(c => c.Step));
        Assert.Equal(["human", "ai", "tool", "ai"], messages.Select(m => m.Type));
        var call = Assert.Single(((AIMessage)messages[1]).ToolCalls);
        Assert.Equal("calculator", call.Name);
        Assert.Equal("14", messages[2].Content.ToText());
        Assert.Equal(call.Id, ((ToolMessage)messages[2]).ToolCallId);
        Assert.Equal("The answer is 14.", messages[3].Content.ToText());
        Assert.Equal(["agent", "tools", "agent"], events.Where(e => e.Event == "updates").Select(e => e.Data.EnumerateObject().Single().Name));
    }

    [Fact]
    public async Task Run_ToolThatFails_ProducesAnErrorToolMessageAndTheRunSucceeds()
    {
        var (_, outcome) = await RunAsync(Input("calc: 1/0"));

        var tool = (ToolMessage)_store.All(Owner, _thread)[^1].Values.Messages[2];
        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal(ToolMessageStatus.Error, tool.Status);
        Assert.Contains("Division by zero", tool.Content.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InterruptBeforeTools_PausesThenAResumeRunsTheRest()
    {
        var (_, paused) = await RunAsync(Input("calc: 6*7"), interruptBefore: ["tools"]);
        var atPause = _store.All(Owner, _thread)[^1];

        var (_, resumed) = await RunAsync(input: null, interruptBefore: ["tools"]);

        Assert.Equal(RunStatus.Interrupted, paused.Status);
        Assert.Equal(["tools"], atPause.Next);
        Assert.Equal(RunStatus.Success, resumed.Status);
        Assert.Equal("The answer is 42.", _store.All(Owner, _thread)[^1].Values.Messages[^1].Content.ToText());
        Assert.Equal(5, _store.All(Owner, _thread).Count);
    }

    [Fact]
    public async Task Run_InterruptAfterAgent_PausesWithToolsNext()
    {
        var (_, outcome) = await RunAsync(Input("calc: 1+1"), interruptAfter: ["agent"]);

        Assert.Equal(RunStatus.Interrupted, outcome.Status);
        Assert.Equal(["tools"], _store.All(Owner, _thread)[^1].Next);
    }

    [Fact]
    public async Task Run_RecursionLimitReached_EndsWithAClearError()
    {
        var (events, outcome) = await RunAsync(Input("calc: 1+1"), settings: new AssistantSettings { Tools = ["calculator"], RecursionLimit = 2 });

        Assert.Equal(RunStatus.Error, outcome.Status);
        Assert.Equal("Recursion limit of 2 reached without hitting a stop condition.", outcome.Error);
        var error = events[^1];
        Assert.Equal("error", error.Event);
        Assert.Equal("GraphRecursionError", error.Data.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Run_SecondRunOnTheThread_ContinuesTheStepNumbers()
    {
        await RunAsync(Input("first tokens=1"));

        await RunAsync(Input("second tokens=1"));

        Assert.Equal([-1, 0, 1, 2, 3, 4], _store.All(Owner, _thread).Select(c => c.Step));
        Assert.Equal(4, _store.All(Owner, _thread)[^1].Values.Messages.Count);
    }

    [Fact]
    public async Task Run_FromAnOlderCheckpoint_ForksTheThread()
    {
        await RunAsync(Input("first tokens=1"));
        var afterFirst = _store.All(Owner, _thread)[^1].CheckpointId;
        await RunAsync(Input("second tokens=1"));

        var (_, outcome) = await RunAsync(Input("instead tokens=2"), checkpointId: afterFirst);

        Assert.Equal(RunStatus.Success, outcome.Status);
        Assert.Equal(["first tokens=1", "Lorem.", "instead tokens=2", "Lorem ipsum."], _store.All(Owner, _thread)[^1].Values.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public async Task Run_ModelFails_SendsAGenericErrorEventAndKeepsTheDetailForTheLog()
    {
        var graph = new AgentGraph(_store, new SingleChatClientResolver(new FailingChatClient()), new ToolRegistry());

        var (events, outcome) = await DrainAsync(graph.Run(Request(Input("hi"))));

        Assert.Equal(RunStatus.Error, outcome.Status);
        Assert.Equal("The model call failed.", events[^1].Data.GetProperty("message").GetString());
        Assert.DoesNotContain("secret", events[^1].Data.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("secret", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StorageFailsMidRun_EndsWithAnErrorEventAndTheException()
    {
        _store.FailPut = write => write.Step == 1 ? new InvalidOperationException("storage is down") : null;

        var (events, outcome) = await RunAsync(Input("tokens=2"));

        Assert.Equal(RunStatus.Error, outcome.Status);
        Assert.IsType<InvalidOperationException>(outcome.Exception);
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("The run failed.", events[^1].Data.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Run_Cancelled_StopsAndReportsInterrupted()
    {
        using var cts = new CancellationTokenSource();
        var graph = Graph();
        var execution = graph.Run(Request(Input("tokens=1000 delay_ms=5"), [StreamMode.MessagesTuple]));
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in execution.Events.WithCancellation(cts.Token))
            {
                if (e.Event == "messages" && ++seen == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(RunStatus.Interrupted, execution.Outcome.Status);
        Assert.Equal(3, seen);
    }

    [Fact(Timeout = 30_000)]
    public async Task Run_TokenStreamed_EventArrivesBeforeTheModelFinishes()
    {
        var gate = new TaskCompletionSource();
        var graph = new AgentGraph(_store, new SingleChatClientResolver(new GatedChatClient(gate.Task)), new ToolRegistry());
        await using var events = graph.Run(Request(Input("hi"), [StreamMode.MessagesTuple])).Events.GetAsyncEnumerator();

        Assert.True(await events.MoveNextAsync()); // metadata
        Assert.True(await events.MoveNextAsync()); // the first token, while the model is still held at the gate

        Assert.Equal("first ", events.Current.Data[0].GetProperty("content").GetString());
        Assert.False(gate.Task.IsCompleted);
        gate.SetResult();
        while (await events.MoveNextAsync())
        {
        }
    }

    private AgentGraph Graph() => new(_store, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry());

    private async Task<(List<RunEvent> Events, RunOutcome Outcome)> RunAsync(
        StateUpdate? input,
        IEnumerable<StreamMode>? modes = null,
        IReadOnlyList<string>? interruptBefore = null,
        IReadOnlyList<string>? interruptAfter = null,
        AssistantSettings? settings = null,
        string? checkpointId = null)
    {
        var request = Request(input, modes) with
        {
            InterruptBefore = interruptBefore ?? [],
            InterruptAfter = interruptAfter ?? [],
            Settings = settings ?? new AssistantSettings { Tools = ["calculator"] },
            CheckpointId = checkpointId,
        };
        return await DrainAsync(Graph().Run(request));
    }

    private RunRequest Request(StateUpdate? input, IEnumerable<StreamMode>? modes = null) => new()
    {
        OwnerId = Owner,
        ThreadId = _thread,
        RunId = Guid.NewGuid().ToString("D"),
        AssistantId = "agent",
        Input = input,
        StreamModes = (modes ?? [StreamMode.Values]).ToHashSet(),
        Settings = new AssistantSettings { Tools = ["calculator"] },
    };

    private static async Task<(List<RunEvent>, RunOutcome)> DrainAsync(RunExecution execution)
    {
        var events = new List<RunEvent>();
        await foreach (var e in execution.Events)
        {
            events.Add(e);
        }

        return (events, execution.Outcome);
    }

    private static StateUpdate Input(string text)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = text } } }));
        return StateUpdate.ParseInput(document.RootElement);
    }

    private sealed class FailingChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("upstream said: secret detail");

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new InvalidOperationException("upstream said: secret detail");
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class GatedChatClient(Task gate) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "first ") { MessageId = "m1" };
            await gate.WaitAsync(cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "second") { MessageId = "m1", FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

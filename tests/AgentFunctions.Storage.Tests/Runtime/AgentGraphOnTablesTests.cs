using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Tools;
using AgentFunctions.Storage.Tests.Checkpoints;

namespace AgentFunctions.Storage.Tests.Runtime;

/// <summary>The run loop on the real checkpoint store: what LangGraph clients read back after a run.</summary>
public class AgentGraphOnTablesTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    [Fact]
    public async Task Run_ToolRoundTrip_HistoryHasFiveCheckpointsWithTheirWrites()
    {
        var store = fixture.Store();
        var graph = new AgentGraph(store, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry());
        var thread = Guid.NewGuid().ToString("D");
        using var input = JsonDocument.Parse("""{"messages":[{"role":"user","content":"calc: (1+2)*5"}]}""");

        var execution = graph.Run(new RunRequest
        {
            OwnerId = "o",
            ThreadId = thread,
            RunId = Guid.NewGuid().ToString("D"),
            AssistantId = "agent",
            Input = StateUpdate.ParseInput(input.RootElement),
            Settings = new AssistantSettings { Tools = ["calculator"] },
        });
        await foreach (var e in execution.Events)
        {
        }

        var history = new List<Checkpoint>();
        await foreach (var checkpoint in store.GetCheckpointsAsync("o", thread))
        {
            history.Add(checkpoint);
        }

        Assert.Equal(RunStatus.Success, execution.Outcome.Status);
        Assert.Equal([3, 2, 1, 0, -1], history.Select(c => c.Step));
        Assert.Equal(["agent", "tools", "agent", null, "__start__"], history.Select(c => c.Writes?.EnumerateObject().Single().Name));
        Assert.Equal("The answer is 15.", history[0].Values.Messages[^1].Content.ToText());
        Assert.Equal("15", history[1].Values.Messages[^1].Content.ToText());
        Assert.Equal("loop", history[0].Metadata.GetProperty("source").GetString());
        Assert.Equal("input", history[^1].Metadata.GetProperty("source").GetString());
        Assert.Equal(history[1].CheckpointId, history[0].ParentCheckpointId);
    }
}

using System.Text.Json;
using AgentFunctions.Core.State;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

/// <summary>
/// History summaries read only the summary columns; a checkpoint whose metadata, writes or tasks are split across
/// several properties (values over 32,000 characters) still comes back whole.
/// </summary>
public sealed class CheckpointSummaryColumnsTests(CheckpointStoreFixture storage) : IClassFixture<CheckpointStoreFixture>
{
    [Fact]
    public async Task Summaries_MetadataAndTasksSplitAcrossProperties_ComeBackWhole()
    {
        // Arrange: a small checkpoint, one with 100,000 characters of metadata (four properties), one with large tasks.
        var store = storage.Store();
        var thread = NewThread();
        var note = string.Concat(Enumerable.Repeat("ünïcødé 🚀 ", 10_000));
        var first = await store.PutAsync(Write("owner", thread, null, StateUpdate.FromMessages(Human("hello", "m0"))));
        var bigMetadata = Write("owner", thread, first.CheckpointId, StateUpdate.FromMessages(Ai("hi", "m1")), step: 1) with
        {
            Metadata = Json(JsonSerializer.Serialize(new { source = "loop", step = 1, parents = new { }, note })),
        };
        var second = await store.PutAsync(bigMetadata);
        var bigTasks = Write("owner", thread, second.CheckpointId, StateUpdate.FromMessages(Human("again", "m2")), step: 2) with
        {
            Tasks = Json(JsonSerializer.Serialize(new[] { new { id = "t", name = "agent", note } })),
        };
        var third = await store.PutAsync(bigTasks);

        // Act
        var summaries = new List<Core.Checkpoints.CheckpointSummary>();
        await foreach (var summary in store.GetCheckpointSummariesAsync("owner", thread))
        {
            summaries.Add(summary);
        }

        // Assert: newest first, each with what was written.
        Assert.Equal([third.CheckpointId, second.CheckpointId, first.CheckpointId], summaries.Select(s => s.CheckpointId));
        Assert.Equal(note, summaries[1].Metadata.GetProperty("note").GetString());
        Assert.Equal(first.CheckpointId, summaries[1].ParentCheckpointId);
        Assert.Equal(1, summaries[1].Step);
        Assert.Equal(note, summaries[0].Tasks[0].GetProperty("note").GetString());
        Assert.Equal(second.CheckpointId, summaries[0].ParentCheckpointId);
        Assert.Equal("loop", summaries[2].Metadata.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Summaries_FilteredOnSplitMetadata_FindTheCheckpoint()
    {
        var store = storage.Store();
        var thread = NewThread();
        var note = new string('n', 70_000);
        var first = await store.PutAsync(Write("owner", thread, null, StateUpdate.FromMessages(Human("hello", "m0"))));
        var second = await store.PutAsync(Write("owner", thread, first.CheckpointId, StateUpdate.FromMessages(Ai("hi", "m1")), step: 1) with
        {
            Metadata = Json(JsonSerializer.Serialize(new { source = "loop", step = 1, parents = new { }, note, tag = "big" })),
        });

        var found = new List<string>();
        await foreach (var summary in store.GetCheckpointSummariesAsync("owner", thread, metadataFilter: Json("""{"tag":"big"}""")))
        {
            found.Add(summary.CheckpointId);
        }

        Assert.Equal([second.CheckpointId], found);
    }
}

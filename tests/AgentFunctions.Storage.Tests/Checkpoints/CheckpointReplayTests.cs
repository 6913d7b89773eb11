using System.Text.Json;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;
using AgentFunctions.Storage.Checkpoints;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Checkpoints;

/// <summary>
/// Random sequences of appends, edits, removals, large values and forks (fixed seeds), checked
/// against a naive replay that keeps every checkpoint's full state in memory.
/// </summary>
public class CheckpointReplayTests(CheckpointStoreFixture fixture) : IClassFixture<CheckpointStoreFixture>
{
    public static TheoryData<int, string> Cases => new()
    {
        { 1234, "tight" },   // snapshots and new blocks every few steps
        { 5678, "tight" },
        { 1234, "default" }, // the shipped thresholds: long runs of deltas in blocks
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task LatestByIdAndHistory_RandomWritesAndForks_EqualNaiveReplay(int seed, string thresholds)
    {
        var store = fixture.Store(thresholds == "tight" ? Tight : null);
        var random = new Random(seed);
        var thread = NewThread();
        var expected = new Dictionary<string, AgentState>();
        var expectedWrites = new Dictionary<string, string?>();
        var order = new List<string>();

        var first = StateUpdate.FromMessages(Human("start", "m0"));
        var root = await store.PutAsync(Write("owner", thread, null, first));
        expected[root.CheckpointId] = AgentState.Empty.Apply(first);
        expectedWrites[root.CheckpointId] = null;
        order.Add(root.CheckpointId);
        var head = root.CheckpointId;
        var nextMessage = 1;

        for (var op = 0; op < 120; op++)
        {
            var fork = random.NextDouble() < 0.12;
            var parent = fork ? order[random.Next(order.Count)] : head;
            var delta = RandomDelta(random, expected[parent], ref nextMessage);
            var roll = random.NextDouble();
            if (roll < 0.2)
            {
                // A run's input checkpoint: nothing changes yet, the writes hold what the next step applies.
                var inputWrites = Json($$$"""{"__start__":{{{delta.ToJson()}}}}""");
                var input = await store.PutAsync(Write("owner", thread, parent, StateUpdate.Empty, step: -1, fork: fork) with { Writes = inputWrites });
                expected[input.CheckpointId] = expected[parent];
                expectedWrites[input.CheckpointId] = inputWrites.GetRawText();
                order.Add(input.CheckpointId);
                (parent, fork) = (input.CheckpointId, false);
            }

            JsonElement? writes = roll switch
            {
                < 0.5 => Json($$$"""{"agent":{{{delta.ToJson()}}}}"""),
                < 0.6 => Json("""{"tools":{"note":"explicit"}}"""),
                _ => null,
            };

            var put = await store.PutAsync(Write("owner", thread, parent, delta, step: op, fork: fork) with { Writes = writes });

            expected[put.CheckpointId] = expected[parent].Apply(delta);
            expectedWrites[put.CheckpointId] = writes?.GetRawText();
            order.Add(put.CheckpointId);
            head = put.CheckpointId;

            if (op % 10 == 0)
            {
                var latest = await store.GetLatestAsync("owner", thread);
                Assert.Equal(head, latest!.CheckpointId);
                Assert.Equal(expected[head].ToJson(), latest.Values.ToJson());
                var some = order[random.Next(order.Count)];
                Assert.Equal(expected[some].ToJson(), (await store.GetAsync("owner", thread, some))!.Values.ToJson());
            }
        }

        var seen = new List<string>();
        await foreach (var checkpoint in store.GetCheckpointsAsync("owner", thread, pageSizeHint: 7))
        {
            Assert.Equal(expected[checkpoint.CheckpointId].ToJson(), checkpoint.Values.ToJson());
            AssertJsonEqual(expectedWrites[checkpoint.CheckpointId], checkpoint.Writes);
            seen.Add(checkpoint.CheckpointId);
        }

        Assert.Equal(Enumerable.Reverse(order), seen);
    }

    private static void AssertJsonEqual(string? expected, JsonElement? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is not null)
        {
            Assert.True(JsonElement.DeepEquals(Json(expected), actual!.Value), $"expected {expected}, got {actual}");
        }
    }

    private static void Tight(CheckpointStoreOptions options)
    {
        options.MinSnapshotChars = 300;
        options.SnapshotGrowthFactor = 2;
        options.MaxRowsBetweenSnapshots = 4;
    }

    private static StateUpdate RandomDelta(Random random, AgentState current, ref int nextMessage)
    {
        var messages = new List<Message>();
        var roll = random.NextDouble();
        if (roll < 0.15 && current.Messages.Count > 0)
        {
            var target = current.Messages[random.Next(current.Messages.Count)];
            messages.Add(Ai($"edited {nextMessage++}", target.Id));
        }
        else if (roll < 0.22 && current.Messages.Count > 1)
        {
            messages.Add(RemoveMessage.For(current.Messages[random.Next(current.Messages.Count)].Id!));
        }
        else if (roll < 0.27)
        {
            // Larger than a block holds: stored in rows of its own.
            messages.Add(Ai(new string((char)('a' + random.Next(26)), 450_000 + random.Next(100_000)), $"m{nextMessage++}"));
        }
        else
        {
            for (var i = random.Next(1, 3); i > 0; i--)
            {
                messages.Add(random.Next(2) == 0 ? Human($"question {nextMessage} 🚀", $"m{nextMessage++}") : Ai(new string('x', random.Next(10, 3000)), $"m{nextMessage++}"));
            }
        }

        var channels = random.NextDouble() < 0.2 ? new Dictionary<string, JsonElement> { ["counter"] = Json(random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture)) } : null;
        return new StateUpdate(messages, channels);
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.State;
using static AgentFunctions.Storage.Tests.Checkpoints.CheckpointTestData;

namespace AgentFunctions.Storage.Tests.Compaction;

/// <summary>Threads written the way runs write them, and what a reader sees of them, for comparing before and after compaction.</summary>
internal static class CompactionTestData
{
    /// <summary>
    /// Writes <paramref name="turns"/> turns as a plain reply run writes them: the input checkpoint (its writes,
    /// <c>{__start__: input}</c>, are stored as the next delta), the input applied, and the reply. Returns the ids in order.
    /// </summary>
    public static async Task<List<string>> WriteTurnsAsync(ICheckpointStore store, string owner, string thread, int turns, string? parent = null, string tag = "t", int chars = 60)
    {
        var ids = new List<string>();
        for (var turn = 0; turn < turns; turn++)
        {
            var input = StateUpdate.FromMessages(Human($"{tag}{turn} " + new string('q', chars), $"{tag}h{turn}"));
            var reply = StateUpdate.FromMessages(Ai($"{tag}{turn} " + new string('a', chars), $"{tag}a{turn}"));
            parent = (await store.PutAsync(Write(owner, thread, parent, StateUpdate.Empty, step: -1, source: CheckpointSource.Input) with { Writes = Writes("__start__", input) })).CheckpointId;
            ids.Add(parent);
            parent = (await store.PutAsync(Write(owner, thread, parent, input, step: 0))).CheckpointId;
            ids.Add(parent);
            parent = (await store.PutAsync(Write(owner, thread, parent, reply, step: 1) with { Writes = Writes("agent", reply) })).CheckpointId;
            ids.Add(parent);
        }

        return ids;
    }

    public static JsonElement Writes(string node, StateUpdate update) => Json($"{{\"{node}\":{update.ToJson()}}}");

    /// <summary>Every checkpoint of the thread as history returns it (id → everything a client sees of it), and each read alone must agree.</summary>
    public static async Task<Dictionary<string, string>> ReadAllAsync(ICheckpointStore store, string owner, string thread)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var checkpoint in store.GetCheckpointsAsync(owner, thread, pageSizeHint: 7))
        {
            all[checkpoint.CheckpointId] = Describe(checkpoint);
        }

        return all;
    }

    /// <summary>Every field of a checkpoint a client can see, as one string.</summary>
    public static string Describe(Checkpoint checkpoint) => string.Join(
        "\n",
        checkpoint.CheckpointId,
        checkpoint.ParentCheckpointId ?? "-",
        checkpoint.Step,
        checkpoint.Source,
        checkpoint.Metadata.GetRawText(),
        checkpoint.Writes?.GetRawText() ?? "-",
        string.Join(",", checkpoint.Next),
        checkpoint.Tasks.GetRawText(),
        checkpoint.CreatedAt.ToUnixTimeMilliseconds(),
        checkpoint.Values.ToJson());

    /// <summary>A hash of the thread's current state (its latest checkpoint's values).</summary>
    public static async Task<string> StateHashAsync(ICheckpointStore store, string owner, string thread)
    {
        var latest = await store.GetLatestAsync(owner, thread) ?? throw new InvalidOperationException("The thread has no checkpoints.");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(latest.Values.ToJson())));
    }

    public static async Task<List<string>> HistoryIdsAsync(ICheckpointStore store, string owner, string thread)
    {
        var ids = new List<string>();
        await foreach (var summary in store.GetCheckpointSummariesAsync(owner, thread))
        {
            ids.Add(summary.CheckpointId);
        }

        return ids;
    }
}

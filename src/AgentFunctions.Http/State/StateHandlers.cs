using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.State;

/// <summary>
/// A thread's state, as LangGraph Platform serves it: the latest checkpoint or a given one as a state
/// snapshot (<c>{values, next, tasks, metadata, created_at, checkpoint, parent_checkpoint, interrupts}</c>),
/// and updates that write a checkpoint of their own (<c>metadata.source</c> <c>update</c>).
/// </summary>
public static class StateHandlers
{
    /// <summary><c>GET /threads/{thread_id}/state</c>: the latest state; a thread without checkpoints has LangGraph's empty state.</summary>
    public static async Task<IResult> GetStateAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);
        var checkpoints = context.RequestServices.GetRequiredService<ICheckpointStore>();
        var latest = await checkpoints.GetLatestAsync(ownerId, threadId, context.RequestAborted).ConfigureAwait(false);
        return Snapshot(latest);
    }

    /// <summary><c>GET /threads/{thread_id}/state/{checkpoint_id}</c>: the state at one checkpoint; 404 when the thread has no such checkpoint.</summary>
    public static async Task<IResult> GetStateAtCheckpointAsync(HttpContext context, string threadId, string checkpointId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);
        return Snapshot(await GetCheckpointAsync(context, ownerId, threadId, checkpointId).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>POST /threads/{thread_id}/state/checkpoint</c> with <c>{checkpoint: {checkpoint_id, …}, subgraphs?}</c>:
    /// the state at that checkpoint, or the latest when the checkpoint names no id.
    /// </summary>
    public static async Task<IResult> PostStateAtCheckpointAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = await RequestJson.ReadObjectAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        var checkpoint = body.OptionalCheckpointConfig("checkpoint", "$") ?? throw RequestJson.Invalid("$.checkpoint", "is required");
        var checkpointId = checkpoint.OptionalString("checkpoint_id", "$.checkpoint");
        _ = body.OptionalBoolean("subgraphs", "$"); // this server's graphs have no subgraphs: with or without, the state is the same
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);
        if (checkpointId is null)
        {
            var checkpoints = context.RequestServices.GetRequiredService<ICheckpointStore>();
            return Snapshot(await checkpoints.GetLatestAsync(ownerId, threadId, context.RequestAborted).ConfigureAwait(false));
        }

        return Snapshot(await GetCheckpointAsync(context, ownerId, threadId, checkpointId).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>POST /threads/{thread_id}/state</c> with <c>{values, as_node?, checkpoint_id?, checkpoint?}</c>: writes a
    /// checkpoint after the latest one, or, when an older checkpoint is named, a fork from it that becomes
    /// the latest. Its metadata is <c>{source: "update", step, parents: {}, writes: {as_node: values}}</c>
    /// and its <c>next</c> follows the graph's edges from <c>as_node</c>. 409 while a run is active on the
    /// thread; 422 for invalid values. Returns <c>{checkpoint: {thread_id, checkpoint_ns, checkpoint_id, checkpoint_map}}</c>.
    /// </summary>
    public static async Task<IResult> UpdateStateAsync(HttpContext context, string threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var request = StateUpdateRequest.Parse(body);
        var ownerId = await ThreadAccess.RequireThreadAsync(context, threadId).ConfigureAwait(false);

        var services = context.RequestServices;
        if (await services.GetRequiredService<IRunStore>().GetActiveAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false) is { } active)
        {
            throw new ApiProblemException(ApiProblem.Conflict($"Thread '{threadId}' has an active run ({active.RunId}); its state cannot be updated until the run ends."));
        }

        var checkpoints = services.GetRequiredService<ICheckpointStore>();
        var latest = await checkpoints.GetLatestAsync(ownerId, threadId, cancellationToken).ConfigureAwait(false);
        var baseCheckpoint = latest;
        if (request.CheckpointId is { } wanted && wanted != latest?.CheckpointId)
        {
            baseCheckpoint = await GetCheckpointAsync(context, ownerId, threadId, wanted).ConfigureAwait(false);
        }

        // Applied here first: an update that cannot apply (it removes a message that is not there) is a 422, and nothing is written.
        var state = (baseCheckpoint?.Values ?? Core.State.AgentState.Empty).Apply(request.Values);
        var asNode = request.AsNode ?? GraphEdges.LastWriter(baseCheckpoint);
        var next = GraphEdges.NextAfter(asNode, state);
        var step = (baseCheckpoint?.Step ?? -1) + 1;
        var written = await checkpoints.PutAsync(
            new CheckpointWrite
            {
                OwnerId = ownerId,
                ThreadId = threadId,
                ParentCheckpointId = baseCheckpoint?.CheckpointId,
                Fork = baseCheckpoint is not null && baseCheckpoint.CheckpointId != latest?.CheckpointId,
                Step = step,
                Source = CheckpointSource.Update,
                Metadata = WireJson.Build(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("source", "update");
                    w.WriteNumber("step", step);
                    w.WriteStartObject("parents");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }),
                Writes = WireJson.Build(w =>
                {
                    w.WriteStartObject();
                    w.WritePropertyName(asNode);
                    request.Values.WriteTo(w);
                    w.WriteEndObject();
                }),
                Delta = request.Values,
                Next = next,
                Tasks = WireJson.PendingTasks(next),
            },
            cancellationToken).ConfigureAwait(false);

        return WireResults.Json(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("checkpoint");
            WireJson.WriteCheckpointReference(w, threadId, written.CheckpointId);
            w.WriteEndObject();
        });
    }

    private static async Task<Checkpoint> GetCheckpointAsync(HttpContext context, string ownerId, string threadId, string checkpointId)
    {
        if (!CheckpointIds.TryGetSequence(checkpointId, out _))
        {
            throw ThreadAccess.CheckpointNotFound(threadId);
        }

        var checkpoints = context.RequestServices.GetRequiredService<ICheckpointStore>();
        return await checkpoints.GetAsync(ownerId, threadId, checkpointId, context.RequestAborted).ConfigureAwait(false)
            ?? throw ThreadAccess.CheckpointNotFound(threadId);
    }

    /// <summary>The state snapshot of a checkpoint, or LangGraph's empty state when there is none.</summary>
    private static IResult Snapshot(Checkpoint? checkpoint) => WireResults.Json(w =>
    {
        if (checkpoint is not null)
        {
            WireJson.WriteStateSnapshot(w, checkpoint);
            return;
        }

        w.WriteStartObject();
        w.WriteStartObject("values");
        w.WriteEndObject();
        w.WriteStartArray("next");
        w.WriteEndArray();
        w.WriteStartArray("tasks");
        w.WriteEndArray();
        w.WriteNull("metadata");
        w.WriteNull("created_at");
        w.WriteNull("checkpoint");
        w.WriteNull("parent_checkpoint");
        w.WriteStartArray("interrupts");
        w.WriteEndArray();
        w.WriteEndObject();
    });

}

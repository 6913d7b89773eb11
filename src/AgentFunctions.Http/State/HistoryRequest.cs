using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.State;

/// <summary>
/// What a history request asks for: at most <see cref="Limit"/> checkpoints, newest first, older than
/// <see cref="Before"/> (a checkpoint id; from <c>before</c>, or from a <c>cursor</c>, which wins), whose
/// metadata contains <see cref="Metadata"/>; with <see cref="CheckpointId"/>, only that checkpoint.
/// </summary>
internal sealed record HistoryRequest(int Limit, string? Before, JsonElement? Metadata, string? CheckpointId, bool Empty)
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 1000;

    /// <summary><c>GET /threads/{id}/history?limit=&amp;before=&amp;cursor=</c>.</summary>
    public static HistoryRequest FromQuery(IQueryCollection query)
    {
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var text))
        {
            limit = int.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxLimit
                ? n
                : throw RequestJson.Invalid("query.limit", $"must be an integer from 1 to {MaxLimit}");
        }

        var before = query.TryGetValue("before", out var given) ? CheckpointPosition(given.ToString(), "query.before") : null;
        return new HistoryRequest(limit, Cursor(query) ?? before, null, null, false);
    }

    /// <summary>
    /// <c>POST /threads/{id}/history</c> with <c>{limit, before, metadata, checkpoint, cursor}</c>: <c>before</c>
    /// is a checkpoint id or a config <c>{configurable: {checkpoint_id}}</c>; <c>checkpoint</c> narrows the
    /// history to one checkpoint (<c>checkpoint_id</c>) of a namespace (<c>checkpoint_ns</c>; this graph has only the root, "").
    /// A <c>cursor</c> may also come in the query string, as the <c>Link</c> header of a page gives it.
    /// </summary>
    public static HistoryRequest FromBody(JsonElement body, IQueryCollection query)
    {
        var limit = DefaultLimit;
        if (body.Optional("limit") is { } givenLimit)
        {
            limit = givenLimit.ValueKind == JsonValueKind.Number && givenLimit.TryGetInt32(out var n) && n is >= 1 and <= MaxLimit
                ? n
                : throw RequestJson.Invalid("$.limit", $"must be an integer from 1 to {MaxLimit}");
        }

        string? before = null;
        if (body.Optional("before") is { } givenBefore)
        {
            before = givenBefore.ValueKind switch
            {
                JsonValueKind.String => CheckpointPosition(givenBefore.GetString()!, "$.before"),
                JsonValueKind.Object => ConfigCheckpointId(givenBefore),
                _ => throw RequestJson.Invalid("$.before", "must be a checkpoint id or a config {configurable: {checkpoint_id}}"),
            };
        }

        var metadata = body.OptionalObject("metadata", "$");
        string? checkpointId = null;
        var empty = false;
        if (body.OptionalCheckpointConfig("checkpoint", "$") is { } checkpoint)
        {
            checkpointId = checkpoint.OptionalString("checkpoint_id", "$.checkpoint");
            empty = checkpoint.OptionalString("checkpoint_ns", "$.checkpoint") is { Length: > 0 };
        }

        var cursor = body.OptionalString("cursor", "$") is { } bodyCursor ? ReadCursor(bodyCursor) : Cursor(query);
        return new HistoryRequest(limit, cursor ?? before, metadata, checkpointId, empty);
    }

    private static string? ConfigCheckpointId(JsonElement config)
    {
        // {configurable: {checkpoint_id}} as LangGraph clients send it; a bare {checkpoint_id} is taken too.
        var (configurable, path) = config.OptionalObject("configurable", "$.before") is { } inner ? (inner, "$.before.configurable") : (config, "$.before");
        return configurable.OptionalString("checkpoint_id", path) is { } id ? CheckpointPosition(id, path + ".checkpoint_id") : null;
    }

    /// <summary>A <c>before</c> checkpoint id: any well-formed id is a position; a malformed one names no checkpoint (404).</summary>
    private static string CheckpointPosition(string id, string path)
        => CheckpointIds.TryGetSequence(id, out _)
            ? id
            : throw new ApiProblemException(ApiProblem.NotFound($"{path}: no checkpoint has that id."));

    private static string? Cursor(IQueryCollection query) => query.TryGetValue("cursor", out var cursor) ? ReadCursor(cursor.ToString()) : null;

    private static string ReadCursor(string cursor)
        => HistoryCursor.TryRead(cursor, out var before)
            ? before
            : throw new ApiProblemException(new ApiProblem(StatusCodes.Status400BadRequest, "Invalid cursor", "The cursor is not one this server gave out; start again without it."));
}

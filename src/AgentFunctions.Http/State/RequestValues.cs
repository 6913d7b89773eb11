using System.Text.Json;
using AgentFunctions.Http.Problems;

namespace AgentFunctions.Http.State;

/// <summary>Reads optional members of request objects at any depth, with the JSON path of a wrong type in the 422.</summary>
internal static class RequestValues
{
    /// <summary>The member <paramref name="name"/> of <paramref name="parent"/> when present and not null.</summary>
    public static JsonElement? Member(JsonElement parent, string name)
        => parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? String(JsonElement parent, string name, string parentPath)
        => Member(parent, name) is not { } value ? null
            : value.ValueKind == JsonValueKind.String ? value.GetString()
            : throw Invalid($"{parentPath}.{name}", "must be a string");

    public static JsonElement? Object(JsonElement parent, string name, string parentPath)
        => Member(parent, name) is not { } value ? null
            : value.ValueKind == JsonValueKind.Object ? value
            : throw Invalid($"{parentPath}.{name}", "must be an object");

    public static bool? Boolean(JsonElement parent, string name, string parentPath)
        => Member(parent, name) is not { } value ? null
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw Invalid($"{parentPath}.{name}", "must be true or false");

    /// <summary>
    /// A checkpoint config, <c>{thread_id?, checkpoint_ns?, checkpoint_id?, checkpoint_map?}</c>, every member checked
    /// (strings, and an object for the map); null when absent.
    /// </summary>
    public static JsonElement? CheckpointConfig(JsonElement parent, string name, string parentPath)
    {
        if (Object(parent, name, parentPath) is not { } checkpoint)
        {
            return null;
        }

        var path = $"{parentPath}.{name}";
        _ = String(checkpoint, "thread_id", path);
        _ = String(checkpoint, "checkpoint_ns", path);
        _ = String(checkpoint, "checkpoint_id", path);
        _ = Object(checkpoint, "checkpoint_map", path);
        return checkpoint;
    }

    public static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));
}

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

    public static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));
}

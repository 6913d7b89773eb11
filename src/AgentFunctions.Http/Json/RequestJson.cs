using System.Text.Json;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Json;

/// <summary>
/// Reads request bodies, the one parser of every route: JSON within the size the server accepts (a missing body is an
/// empty object), and their members at any depth, each of the wrong type a 422 with its JSON path.
/// </summary>
public static class RequestJson
{
    /// <summary>The body as a JSON object.</summary>
    /// <exception cref="JsonException">The body is not JSON (400).</exception>
    /// <exception cref="ApiProblemException">The body is JSON but not an object (422).</exception>
    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var root = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        return root.ValueKind == JsonValueKind.Object
            ? root
            : throw new ApiProblemException(ApiProblem.Unprocessable("$", "must be a JSON object"));
    }

    /// <summary>The body as any JSON value; a missing body is an empty object.</summary>
    /// <exception cref="JsonException">The body is not JSON (400).</exception>
    public static async Task<JsonElement> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Body.CanSeek && request.Headers.TransferEncoding.Count == 0))
        {
            return Core.Stores.JsonObjects.Empty;
        }

        using var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 128 }, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    /// <summary>A member of an object, when present and not null.</summary>
    public static JsonElement? Optional(this JsonElement body, string name)
        => body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A string member; null when absent; 422 (at <c>{parentPath}.{name}</c>) when of another type.</summary>
    public static string? OptionalString(this JsonElement body, string name, string parentPath = "$")
        => body.Optional(name) is not { } value ? null
            : value.ValueKind == JsonValueKind.String ? value.GetString()
            : throw Invalid($"{parentPath}.{name}", "must be a string");

    /// <summary>An integer member within a range; null when absent; 422 otherwise.</summary>
    public static int? OptionalInt(this JsonElement body, string name, int min, int max)
        => body.Optional(name) is not { } value ? null
            : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max ? n
            : throw Invalid("$." + name, $"must be an integer from {min} to {max}");

    /// <summary>An object member; null when absent; 422 (at <c>{parentPath}.{name}</c>) when of another type.</summary>
    public static JsonElement? OptionalObject(this JsonElement body, string name, string parentPath = "$")
        => body.Optional(name) is not { } value ? null
            : value.ValueKind == JsonValueKind.Object ? value
            : throw Invalid($"{parentPath}.{name}", "must be an object");

    /// <summary>A boolean member; null when absent; 422 (at <c>{parentPath}.{name}</c>) when of another type.</summary>
    public static bool? OptionalBoolean(this JsonElement body, string name, string parentPath = "$")
        => body.Optional(name) is not { } value ? null
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw Invalid($"{parentPath}.{name}", "must be true or false");

    /// <summary>One of <paramref name="allowed"/> at <c>$.name</c>, or null when absent; 422 otherwise.</summary>
    public static string? OptionalEnum(this JsonElement body, string name, params string[] allowed)
    {
        var value = body.OptionalString(name);
        return value is null || allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw Invalid("$." + name, $"must be one of {string.Join(", ", allowed)}");
    }

    /// <summary>An array of strings at <paramref name="path"/>; 422 when it is anything else.</summary>
    public static List<string> StringArray(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, "must be an array of strings");
        }

        var items = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Invalid($"{path}[{items.Count}]", "must be a string"));
        }

        return items;
    }

    /// <summary>
    /// A checkpoint config member, <c>{thread_id?, checkpoint_ns?, checkpoint_id?, checkpoint_map?}</c>, every member
    /// checked (strings, and an object for the map); null when absent.
    /// </summary>
    public static JsonElement? OptionalCheckpointConfig(this JsonElement body, string name, string parentPath = "$")
    {
        if (body.OptionalObject(name, parentPath) is not { } checkpoint)
        {
            return null;
        }

        var path = $"{parentPath}.{name}";
        _ = checkpoint.OptionalString("thread_id", path);
        _ = checkpoint.OptionalString("checkpoint_ns", path);
        _ = checkpoint.OptionalString("checkpoint_id", path);
        _ = checkpoint.OptionalObject("checkpoint_map", path);
        return checkpoint;
    }

    /// <summary>A 422 for the member at <paramref name="path"/>.</summary>
    public static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));
}

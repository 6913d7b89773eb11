using System.Text.Json;
using AgentFunctions.Http.Problems;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Json;

/// <summary>Reads request bodies: JSON objects, within the size the server accepts; a missing body is an empty object.</summary>
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

    /// <summary>A property of a body, when present and not null.</summary>
    public static JsonElement? Optional(this JsonElement body, string name)
        => body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A string property; null when absent; 422 when of another type.</summary>
    public static string? OptionalString(this JsonElement body, string name)
        => body.Optional(name) is not { } value ? null
            : value.ValueKind == JsonValueKind.String ? value.GetString()
            : throw new ApiProblemException(ApiProblem.Unprocessable("$." + name, "must be a string"));

    /// <summary>An integer property within a range; null when absent; 422 otherwise.</summary>
    public static int? OptionalInt(this JsonElement body, string name, int min, int max)
        => body.Optional(name) is not { } value ? null
            : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max ? n
            : throw new ApiProblemException(ApiProblem.Unprocessable("$." + name, $"must be an integer from {min} to {max}"));

    /// <summary>An object property; null when absent; 422 when of another type.</summary>
    public static JsonElement? OptionalObject(this JsonElement body, string name)
        => body.Optional(name) is not { } value ? null
            : value.ValueKind == JsonValueKind.Object ? value
            : throw new ApiProblemException(ApiProblem.Unprocessable("$." + name, "must be an object"));
}

using System.Text.Json;
using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Storage.Stores;

/// <summary>Checks of store arguments shared by the table-backed stores.</summary>
internal static class StoreArguments
{
    /// <summary>
    /// A search's metadata filter as a detached object, or null when there is no condition (absent,
    /// JSON null or <c>{}</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The filter is not a JSON object.</exception>
    public static JsonElement? MetadataFilter(JsonElement? metadata)
    {
        if (metadata is not { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value)
        {
            return null;
        }

        var filter = JsonObjects.RequireObject(value, "metadata");
        return filter.EnumerateObject().Any() ? filter : null;
    }

    /// <summary>Updates must say which version they replace: the default (no) ETag is refused.</summary>
    /// <exception cref="ArgumentException"><paramref name="ifMatch"/> is the default ETag.</exception>
    public static void RequireETag(ETag ifMatch)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("Pass the ETag the value was read with, or ETag.All to overwrite any version.", nameof(ifMatch));
        }
    }
}

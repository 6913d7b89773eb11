using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentFunctions.Core.Messages;

/// <summary>
/// Adds streamed JSON values together the way LangChain adds message chunks: objects merge key by
/// key, strings concatenate (identity strings such as <c>id</c>, <c>type</c> and <c>model_name</c>
/// keep their first value), arrays append except that objects with the same <c>index</c> merge,
/// integers add up and equal values stay. Where LangChain would fail on a type clash, the newer value
/// wins: the accumulator must never break a stream.
/// </summary>
internal static class JsonMerge
{
    private static readonly HashSet<string> IdempotentStrings =
        new(StringComparer.Ordinal) { "id", "type", "output_version", "model_provider", "model_name" };

    private static readonly HashSet<string> FirstWins =
        new(StringComparer.Ordinal) { "index", "created", "timestamp" };

    /// <summary>Merges <paramref name="right"/> into <paramref name="left"/> (mutated).</summary>
    public static void MergeInto(JsonObject left, JsonObject right)
    {
        foreach (var (key, rightValue) in right.ToList())
        {
            if (!left.TryGetPropertyValue(key, out var leftValue) || leftValue is null)
            {
                left[key] = rightValue?.DeepClone();
                continue;
            }

            if (rightValue is null)
            {
                continue;
            }

            left[key] = MergeValue(key, leftValue, rightValue);
        }
    }

    /// <summary>Appends <paramref name="right"/> to <paramref name="left"/> (mutated), merging items by <c>index</c>.</summary>
    public static void MergeListInto(JsonArray left, JsonArray right)
    {
        foreach (var item in right)
        {
            if (item is JsonObject rightObject && TryGetIndex(rightObject, out var index))
            {
                var match = left.OfType<JsonObject>().FirstOrDefault(
                    l => l.TryGetPropertyValue("index", out var leftIndex)
                        && leftIndex is not null
                        && JsonNode.DeepEquals(leftIndex, index));
                if (match is not null)
                {
                    var withoutType = (JsonObject)rightObject.DeepClone();
                    withoutType.Remove("type");
                    MergeInto(match, withoutType);
                    continue;
                }
            }

            left.Add(item?.DeepClone());
        }
    }

    /// <summary>Sums two objects of token counts key by key (for usage details).</summary>
    public static JsonElement? SumCounts(JsonElement? left, JsonElement? right)
    {
        if (left is not { ValueKind: JsonValueKind.Object } l)
        {
            return right;
        }

        if (right is not { ValueKind: JsonValueKind.Object } r)
        {
            return left;
        }

        var merged = JsonObject.Create(l)!;
        MergeInto(merged, JsonObject.Create(r)!);
        return MessageJsonValues.ToElement(merged);
    }

    private static JsonNode? MergeValue(string key, JsonNode left, JsonNode right)
    {
        if (left.GetValueKind() != right.GetValueKind())
        {
            return right.DeepClone();
        }

        switch (left)
        {
            case JsonObject leftObject:
                MergeInto(leftObject, (JsonObject)right);
                return leftObject;
            case JsonArray leftArray:
                MergeListInto(leftArray, (JsonArray)right);
                return leftArray;
        }

        if (JsonNode.DeepEquals(left, right) || FirstWins.Contains(key))
        {
            return left;
        }

        switch (left.GetValueKind())
        {
            case JsonValueKind.String:
                return IdempotentStrings.Contains(key)
                    ? left
                    : JsonValue.Create(left.GetValue<string>() + right.GetValue<string>());
            case JsonValueKind.Number
                when left.AsValue().TryGetValue<long>(out var a) && right.AsValue().TryGetValue<long>(out var b):
                return JsonValue.Create(a + b);
            default:
                return right.DeepClone();
        }
    }

    private static bool TryGetIndex(JsonObject item, out JsonNode index)
    {
        index = null!;
        if (!item.TryGetPropertyValue("index", out var value) || value is null)
        {
            return false;
        }

        var kind = value.GetValueKind();
        if (kind == JsonValueKind.Number
            || (kind == JsonValueKind.String && value.GetValue<string>().StartsWith("lc_", StringComparison.Ordinal)))
        {
            index = value;
            return true;
        }

        return false;
    }
}

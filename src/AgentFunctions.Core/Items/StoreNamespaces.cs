namespace AgentFunctions.Core.Items;

/// <summary>
/// The rules for namespaces and keys of the store, as LangGraph has them: a namespace has 1 to
/// <see cref="MaxDepth"/> labels, none empty, none containing '.', the first not <c>langgraph</c>; a key is
/// 1 to <see cref="MaxKeyLength"/> characters. How long both may be together depends on the storage key they
/// become, which the store checks.
/// </summary>
public static class StoreNamespaces
{
    public const int MaxDepth = 20;

    public const int MaxKeyLength = 256;

    public const int MaxLabelLength = 256;

    /// <summary>Why <paramref name="labels"/> cannot be a namespace (or prefix, with <paramref name="allowEmpty"/>), or null when it can.</summary>
    public static string? Problem(IReadOnlyList<string>? labels, bool allowEmpty = false)
    {
        if (labels is null || (labels.Count == 0 && !allowEmpty))
        {
            return "must be a non-empty array of strings";
        }

        if (labels.Count > MaxDepth)
        {
            return $"must have at most {MaxDepth} labels";
        }

        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if (string.IsNullOrEmpty(label))
            {
                return $"label {i} is empty";
            }

            if (label.Contains('.', StringComparison.Ordinal))
            {
                return $"label {i} contains '.', which namespace labels may not contain";
            }

            if (label.Length > MaxLabelLength)
            {
                return $"label {i} is longer than {MaxLabelLength} characters";
            }
        }

        return labels.Count > 0 && labels[0] == "langgraph" ? "must not start with the reserved label 'langgraph'" : null;
    }

    /// <summary>Why <paramref name="key"/> cannot be an item's key, or null when it can.</summary>
    public static string? KeyProblem(string? key)
        => string.IsNullOrEmpty(key) ? "must be a non-empty string"
            : key.Length > MaxKeyLength ? $"must be at most {MaxKeyLength} characters"
            : null;

    /// <summary>Why <paramref name="ttlMinutes"/> cannot be a time to live, or null when it can (null is none).</summary>
    public static string? TtlProblem(double? ttlMinutes)
        => ttlMinutes is not { } ttl ? null
            : double.IsFinite(ttl) && ttl > 0 && ttl <= MaxTtlMinutes ? null
            : $"must be a number of minutes greater than 0 and at most {MaxTtlMinutes} (ten years)";

    /// <summary>The longest time to live, in minutes (ten years).</summary>
    public const double MaxTtlMinutes = 10 * 366 * 24 * 60;

    /// <summary>Throws an <see cref="ArgumentException"/> for a namespace, key or time to live that is not valid.</summary>
    public static void Validate(IReadOnlyList<string> itemNamespace, string? key, double? ttlMinutes = null)
    {
        if (Problem(itemNamespace) is { } ns)
        {
            throw new ArgumentException($"The namespace {ns}.", nameof(itemNamespace));
        }

        if (key is not null && KeyProblem(key) is { } k)
        {
            throw new ArgumentException($"The key {k}.", nameof(key));
        }

        if (TtlProblem(ttlMinutes) is { } t)
        {
            throw new ArgumentException($"The time to live {t}.", nameof(ttlMinutes));
        }
    }
}

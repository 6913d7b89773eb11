using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Compaction;

/// <summary>What compaction keeps.</summary>
public enum CompactionPolicyKind
{
    /// <summary>The latest N checkpoints, those runs still need, and those the policy pins; old run events go.</summary>
    KeepLatest,

    /// <summary>Every checkpoint; only old run events go.</summary>
    KeepAll,
}

/// <summary>
/// A compaction policy: the deployment's (<see cref="CompactionOptions"/>), or an assistant's override in
/// its config, <c>config.configurable.compaction</c>:
/// <c>{"policy": "keep_latest" | "keep_all", "keep_latest": 20, "pin_metadata": {"keep": true}}</c>, each key optional.
/// </summary>
public sealed record CompactionPolicy
{
    public const string KeepLatestName = "keep_latest";
    public const string KeepAllName = "keep_all";

    public CompactionPolicyKind Kind { get; init; } = CompactionPolicyKind.KeepLatest;

    /// <summary>How many of the latest checkpoints are kept (at least 1).</summary>
    public int KeepLatest { get; init; } = 100;

    /// <summary>Checkpoints whose metadata matches this object (as a history metadata filter does) are kept; null for none.</summary>
    public JsonElement? PinMetadata { get; init; }

    /// <exception cref="ArgumentException">The options name no known policy, or keep no checkpoint.</exception>
    public static CompactionPolicy FromOptions(CompactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CompactionPolicy
        {
            Kind = ParseKind(options.Policy) ?? throw new ArgumentException($"{CompactionOptions.SectionName}:Policy must be {KeepLatestName} or {KeepAllName}, not '{options.Policy}'."),
            KeepLatest = options.KeepLatest >= 1 ? options.KeepLatest : throw new ArgumentException($"{CompactionOptions.SectionName}:KeepLatest must be at least 1, not {options.KeepLatest}."),
            PinMetadata = options.PinMetadata.Count == 0 ? null : PinObject(options.PinMetadata),
        };
    }

    /// <summary>
    /// This policy with an assistant's override laid over it: the keys of <c>configurable.compaction</c>
    /// in <paramref name="assistantConfig"/> win; without that object, this policy as it is.
    /// </summary>
    /// <exception cref="AssistantConfigException">The override has a value of the wrong type or out of range; the exception names its path.</exception>
    public CompactionPolicy WithOverride(JsonElement assistantConfig)
    {
        if (assistantConfig.ValueKind != JsonValueKind.Object
            || !assistantConfig.TryGetProperty("configurable", out var configurable) || configurable.ValueKind != JsonValueKind.Object
            || !configurable.TryGetProperty("compaction", out var compaction) || compaction.ValueKind == JsonValueKind.Null)
        {
            return this;
        }

        const string Path = "$.configurable.compaction";
        if (compaction.ValueKind != JsonValueKind.Object)
        {
            throw new AssistantConfigException(Path, "must be a JSON object.");
        }

        var policy = this;
        if (compaction.TryGetProperty("policy", out var kind) && kind.ValueKind != JsonValueKind.Null)
        {
            policy = policy with
            {
                Kind = (kind.ValueKind == JsonValueKind.String ? ParseKind(kind.GetString()) : null)
                    ?? throw new AssistantConfigException(Path + ".policy", $"must be \"{KeepLatestName}\" or \"{KeepAllName}\"."),
            };
        }

        if (compaction.TryGetProperty("keep_latest", out var keep) && keep.ValueKind != JsonValueKind.Null)
        {
            policy = policy with
            {
                KeepLatest = keep.ValueKind == JsonValueKind.Number && keep.TryGetInt32(out var n) && n >= 1
                    ? n
                    : throw new AssistantConfigException(Path + ".keep_latest", "must be a positive integer."),
            };
        }

        if (compaction.TryGetProperty("pin_metadata", out var pin) && pin.ValueKind != JsonValueKind.Null)
        {
            policy = policy with
            {
                PinMetadata = pin.ValueKind == JsonValueKind.Object ? pin.Clone() : throw new AssistantConfigException(Path + ".pin_metadata", "must be a JSON object."),
            };
        }

        return policy;
    }

    /// <summary>Whether this policy pins a checkpoint with <paramref name="metadata"/>.</summary>
    public bool Pins(JsonElement metadata) => PinMetadata is { } filter && filter.EnumerateObject().Any() && JsonObjects.Matches(metadata, filter);

    private static CompactionPolicyKind? ParseKind(string? name) => name switch
    {
        KeepLatestName => CompactionPolicyKind.KeepLatest,
        KeepAllName => CompactionPolicyKind.KeepAll,
        _ => null,
    };

    private static JsonElement PinObject(Dictionary<string, string> values)
    {
        var json = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, text) in values)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                json[key] = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                json[key] = JsonSerializer.SerializeToElement(text);
            }
        }

        return JsonSerializer.SerializeToElement(json);
    }
}

using System.Text.Json;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Assistants;

/// <summary>
/// The typed view the agent loop reads from a config in LangGraph's shape:
/// <c>configurable.model</c>, <c>configurable.system_prompt</c>, <c>configurable.tools</c> (the names of
/// the enabled tools; all of the graph's when absent) and <c>recursion_limit</c>. <c>tags</c>, <c>run_name</c>, <c>max_concurrency</c> and <c>metadata</c> are checked for their types; other keys are left alone. Read an assistant's config
/// with <see cref="From"/>, then lay a run's config over it with <see cref="Merge"/>.
/// </summary>
public sealed record AssistantSettings
{
    /// <summary>LangGraph's default recursion limit: the most steps one run takes.</summary>
    public const int DefaultRecursionLimit = 25;

    /// <summary>The settings of an empty config.</summary>
    public static AssistantSettings Default { get; } = new();

    /// <summary>The model to call (<c>configurable.model</c>); null for the deployment's default.</summary>
    public string? Model { get; init; }

    /// <summary>The system prompt (<c>configurable.system_prompt</c>); null for none.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>
    /// The enabled tools by name (<c>configurable.tools</c>), each once, in order; empty for none, and null
    /// (the config does not name any) for every tool the graph has: an assistant configures its graph, it
    /// does not start from nothing.
    /// </summary>
    public IReadOnlyList<string>? Tools { get; init; }

    /// <summary>The most steps a run takes (<c>recursion_limit</c>), at least 1.</summary>
    public int RecursionLimit { get; init; } = DefaultRecursionLimit;

    /// <summary>
    /// The settings <paramref name="config"/> describes; absent (or null) values take their defaults.
    /// An undefined element is an empty config.
    /// </summary>
    /// <exception cref="AssistantConfigException">A value has the wrong type; the exception names its JSON path.</exception>
    public static AssistantSettings From(JsonElement config) => Default.Merge(config);

    /// <summary>
    /// These settings with <paramref name="runConfig"/> laid over them: every value the run's config
    /// gives wins; values it leaves out (or sets to null) keep these settings' values.
    /// </summary>
    /// <exception cref="AssistantConfigException">A value has the wrong type; the exception names its JSON path.</exception>
    public AssistantSettings Merge(JsonElement runConfig)
    {
        var given = Parse(runConfig);
        return this with
        {
            Model = given.Model ?? Model,
            SystemPrompt = given.SystemPrompt ?? SystemPrompt,
            Tools = given.Tools ?? Tools,
            RecursionLimit = given.RecursionLimit ?? RecursionLimit,
        };
    }

    private static Given Parse(JsonElement config)
    {
        if (IsAbsent(config))
        {
            return default;
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("$", "a JSON object", config);
        }

        var given = default(Given);
        if (config.TryGetProperty("recursion_limit", out var limit) && !IsAbsent(limit))
        {
            given.RecursionLimit = limit.ValueKind == JsonValueKind.Number && limit.TryGetInt32(out var n) && n >= 1
                ? n
                : throw new AssistantConfigException("$.recursion_limit", $"must be a positive integer, not {Show(limit)}.");
        }

        CheckOtherKeys(config);
        if (!config.TryGetProperty("configurable", out var configurable) || IsAbsent(configurable))
        {
            return given;
        }

        if (configurable.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("$.configurable", "a JSON object", configurable);
        }

        if (configurable.TryGetProperty("model", out var model) && !IsAbsent(model))
        {
            given.Model = model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } name
                ? name
                : throw WrongType("$.configurable.model", "a non-empty string", model);
        }

        if (configurable.TryGetProperty("system_prompt", out var prompt) && !IsAbsent(prompt))
        {
            given.SystemPrompt = prompt.ValueKind == JsonValueKind.String
                ? prompt.GetString()
                : throw WrongType("$.configurable.system_prompt", "a string", prompt);
        }

        if (configurable.TryGetProperty("tools", out var tools) && !IsAbsent(tools))
        {
            given.Tools = ParseTools(tools);
        }

        return given;
    }

    /// <summary>The keys of LangGraph's config schema this loop does not read: checked for their types all the same.</summary>
    private static void CheckOtherKeys(JsonElement config)
    {
        if (config.TryGetProperty("tags", out var tags) && !IsAbsent(tags))
        {
            if (tags.ValueKind != JsonValueKind.Array)
            {
                throw WrongType("$.tags", "an array of strings", tags);
            }

            var index = 0;
            foreach (var tag in tags.EnumerateArray())
            {
                if (tag.ValueKind != JsonValueKind.String)
                {
                    throw WrongType($"$.tags[{index}]", "a string", tag);
                }

                index++;
            }
        }

        if (config.TryGetProperty("run_name", out var runName) && !IsAbsent(runName) && runName.ValueKind != JsonValueKind.String)
        {
            throw WrongType("$.run_name", "a string", runName);
        }

        if (config.TryGetProperty("max_concurrency", out var concurrency) && !IsAbsent(concurrency)
            && !(concurrency.ValueKind == JsonValueKind.Number && concurrency.TryGetInt32(out var n) && n >= 1))
        {
            throw new AssistantConfigException("$.max_concurrency", $"must be a positive integer, not {Show(concurrency)}.");
        }

        if (config.TryGetProperty("metadata", out var metadata) && !IsAbsent(metadata) && metadata.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("$.metadata", "a JSON object", metadata);
        }
    }

    private static List<string> ParseTools(JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw WrongType("$.configurable.tools", "an array of tool names", tools);
        }

        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in tools.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } name)
            {
                throw WrongType($"$.configurable.tools[{index}]", "a non-empty string (a tool name)", item);
            }

            if (seen.Add(name))
            {
                names.Add(name);
            }

            index++;
        }

        return names;
    }

    private static bool IsAbsent(JsonElement value) => value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    private static AssistantConfigException WrongType(string path, string expected, JsonElement actual)
        => new(path, $"must be {expected}, not {Show(actual)}.");

    private static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => "the number " + value.GetRawText(),
        JsonValueKind.String when value.GetString() is { Length: 0 } => "an empty string",
        _ => JsonObjects.Describe(value.ValueKind),
    };

    private struct Given
    {
        public string? Model;
        public string? SystemPrompt;
        public IReadOnlyList<string>? Tools;
        public int? RecursionLimit;
    }
}

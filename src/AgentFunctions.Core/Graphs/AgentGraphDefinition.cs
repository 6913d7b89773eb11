using AgentFunctions.Core.Assistants;

namespace AgentFunctions.Core.Graphs;

/// <summary>
/// A tool-calling graph as a deployment declares it (in code with <c>AddGraph</c>, or in <c>Graphs:NAME</c>): its system
/// prompt, its model by name, its tools by name, the tool sources (MCP servers) whose tools it adds, its recursion limit
/// and where it pauses.
/// </summary>
public sealed record AgentGraphDefinition
{
    /// <summary>The built-in graph: the default model and every registered tool, no system prompt.</summary>
    public static AgentGraphDefinition BuiltIn { get; } = new()
    {
        Id = "agent",
        Description = "The built-in tool-calling agent: the default model with every registered tool.",
    };

    public required string Id { get; init; }

    public string? Description { get; init; }

    public string? SystemPrompt { get; init; }

    /// <summary>The model by name; null for the deployment's default model.</summary>
    public string? Model { get; init; }

    /// <summary>The registered tools (by name) the graph offers; null for every registered tool.</summary>
    public IReadOnlyList<string>? Tools { get; init; }

    /// <summary>The tool sources (MCP servers, by name) whose tools the graph adds to <see cref="Tools"/>.</summary>
    public IReadOnlyList<string> ToolSources { get; init; } = [];

    public int RecursionLimit { get; init; } = AssistantSettings.DefaultRecursionLimit;

    /// <summary>Pause before these nodes (<c>agent</c>, <c>tools</c> or <c>*</c>) in every run.</summary>
    public IReadOnlyList<string> InterruptBefore { get; init; } = [];

    /// <summary>Pause after these nodes (<c>agent</c>, <c>tools</c> or <c>*</c>) in every run.</summary>
    public IReadOnlyList<string> InterruptAfter { get; init; } = [];

    /// <summary>
    /// The tools (by name; an MCP server's as <c>server__tool</c>) whose calls wait for a person's approval: the run stops
    /// before calling them (status interrupted) until a run resumes it with <c>command.resume</c>.
    /// </summary>
    public IReadOnlyList<string> ApproveTools { get; init; } = [];

    /// <summary>The settings of the graph's default assistant.</summary>
    public AssistantSettings ToSettings() => new()
    {
        Model = Model,
        SystemPrompt = SystemPrompt,
        Tools = null,
        RecursionLimit = RecursionLimit,
    };
}

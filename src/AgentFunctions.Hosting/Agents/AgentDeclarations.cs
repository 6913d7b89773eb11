using AgentFunctions.Core.Graphs;

namespace AgentFunctions.Hosting.Agents;

/// <summary>
/// What a deployment declared, in code and in configuration: graphs, models and tool sources by name, each with where
/// it was declared (<c>Graphs:support</c>, <c>AddGraph("support")</c>), so that a bad declaration is reported at start
/// naming the setting. Registered once as a singleton; the builder and the configuration reader add to it.
/// </summary>
public sealed class AgentDeclarations
{
    internal List<DeclaredGraph> Graphs { get; } = [];

    internal List<Declared> Models { get; } = [];

    internal List<Declared> Agents { get; } = [];

    internal List<Declared> ToolSources { get; } = [];

    internal List<Declared> Tools { get; } = [];

    /// <summary>Problems found while reading the declarations (a value the binder could not convert), reported at start.</summary>
    internal List<string> Errors { get; } = [];

    /// <summary>The names of every model declared (besides the default).</summary>
    public IReadOnlyList<string> ModelNames => [.. Models.Select(m => m.Name)];
}

/// <summary>A name and where it was declared (<c>Models:fast</c>, <c>AddChatClient("fast")</c>).</summary>
internal sealed record Declared(string Name, string Where);

/// <summary>A tool-calling graph and where it was declared; <see cref="Setting"/> names a setting under it (<c>Graphs:support:Tools</c>, <c>AddGraph("support").WithTools</c>).</summary>
internal sealed record DeclaredGraph(AgentGraphDefinition Definition, string Where, bool InConfiguration)
{
    public string Setting(string name) => InConfiguration ? $"{Where}:{name}" : $"{Where}.With{name}";
}

using AgentFunctions.Core.Graphs;

namespace AgentFunctions.Hosting.Agents;

/// <summary>Declares a tool-calling graph in code: <c>AddGraph("support", g =&gt; g.WithSystemPrompt("...").WithTools("lookup").WithModel("fast"))</c>.</summary>
public sealed class GraphBuilder
{
    private AgentGraphDefinition _definition;

    internal GraphBuilder(string name) => _definition = new AgentGraphDefinition { Id = name };

    internal AgentGraphDefinition Definition => _definition;

    public GraphBuilder WithDescription(string description)
    {
        _definition = _definition with { Description = description };
        return this;
    }

    public GraphBuilder WithSystemPrompt(string systemPrompt)
    {
        _definition = _definition with { SystemPrompt = systemPrompt };
        return this;
    }

    /// <summary>The registered tools (by name) the graph offers; without this call it offers every registered tool.</summary>
    public GraphBuilder WithTools(params string[] toolNames)
    {
        ArgumentNullException.ThrowIfNull(toolNames);
        _definition = _definition with { Tools = [.. toolNames] };
        return this;
    }

    /// <summary>The model by name (<c>AddChatClient(name, ...)</c> or <c>Models:NAME</c>); without this call the default model.</summary>
    public GraphBuilder WithModel(string modelName)
    {
        _definition = _definition with { Model = modelName };
        return this;
    }

    /// <summary>The tool sources (MCP servers, by name) whose tools the graph adds.</summary>
    public GraphBuilder WithMcpServers(params string[] serverNames)
    {
        ArgumentNullException.ThrowIfNull(serverNames);
        _definition = _definition with { ToolSources = [.. serverNames] };
        return this;
    }

    public GraphBuilder WithRecursionLimit(int recursionLimit)
    {
        _definition = _definition with { RecursionLimit = recursionLimit };
        return this;
    }

    /// <summary>Pause every run before these nodes (<c>agent</c>, <c>tools</c>, or <c>*</c>).</summary>
    public GraphBuilder WithInterruptBefore(params string[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _definition = _definition with { InterruptBefore = [.. nodes] };
        return this;
    }

    /// <summary>Pause every run after these nodes (<c>agent</c>, <c>tools</c>, or <c>*</c>).</summary>
    public GraphBuilder WithInterruptAfter(params string[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _definition = _definition with { InterruptAfter = [.. nodes] };
        return this;
    }

    /// <summary>
    /// Stop a run before it calls these tools (registered names, an MCP server's as <c>server__tool</c>) until a person
    /// accepts, edits, answers or ignores the call (<c>command.resume</c>).
    /// </summary>
    public GraphBuilder WithApproval(params string[] tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        _definition = _definition with { ApproveTools = [.. _definition.ApproveTools, .. tools] };
        return this;
    }
}

using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.Tools;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Hosting.Agents;

/// <summary>
/// What <c>AddAgentFunctions(configuration)</c> returns: the deployment's own graphs, tools, tool sources and models, one
/// line each. Names are checked when the host starts (duplicates, unknown tool or model names), each failure naming
/// the declaration.
/// </summary>
public sealed class AgentFunctionsBuilder
{
    internal AgentFunctionsBuilder(IServiceCollection services, AgentDeclarations declarations)
    {
        Services = services;
        Declarations = declarations;
    }

    public IServiceCollection Services { get; }

    internal AgentDeclarations Declarations { get; }

    /// <summary>Serves a tool-calling graph named <paramref name="name"/> (its graph id), declared by <paramref name="configure"/>.</summary>
    public AgentFunctionsBuilder AddGraph(string name, Action<GraphBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var graph = new GraphBuilder(name);
        configure?.Invoke(graph);
        AgentRegistration.AddGraph(Services, Declarations, new DeclaredGraph(graph.Definition, $"AddGraph(\"{name}\")", InConfiguration: false));
        return this;
    }

    /// <summary>Adds a tool every graph may name (any <see cref="AIFunction"/>, such as one from <c>AIFunctionFactory.Create</c>).</summary>
    public AgentFunctionsBuilder AddTool(AIFunction tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        Services.AddSingleton(tool);
        Declarations.Tools.Add(new Declared(tool.Name, $"AddTool(\"{tool.Name}\")"));
        return this;
    }

    /// <summary>Serves <paramref name="client"/> as the model named <paramref name="name"/> (a graph's <c>WithModel</c>, an assistant's <c>configurable.model</c>).</summary>
    public AgentFunctionsBuilder AddChatClient(string name, IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        Services.AddKeyedSingleton(name, client);
        Declarations.Models.Add(new Declared(name, $"AddChatClient(\"{name}\")"));
        return this;
    }

    /// <summary>Adds a source of tools listed lazily (an MCP server), which graphs name by <see cref="IToolSource.Name"/>.</summary>
    public AgentFunctionsBuilder AddToolSource(IToolSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Services.AddKeyedSingleton(source.Name, source);
        Declarations.ToolSources.Add(new Declared(source.Name, $"AddToolSource(\"{source.Name}\")"));
        return this;
    }

    /// <summary>
    /// Serves a Microsoft Agent Framework agent as the graph <paramref name="name"/>: its streamed updates become the run's
    /// events and its conversation is checkpointed in the thread's state, as the tool-calling graph's is.
    /// </summary>
    public AgentFunctionsBuilder AddAgent(string name, AIAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return AddAgent(name, _ => agent);
    }

    /// <summary>As <see cref="AddAgent(string, AIAgent)"/>, the agent built from the app's services when the graph is first needed.</summary>
    public AgentFunctionsBuilder AddAgent(string name, Func<IServiceProvider, AIAgent> agent)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(agent);
        Services.AddSingleton<IAgentGraph>(sp => new AgentFrameworkGraph(name, agent(sp), sp.GetRequiredService<ICheckpointStore>(), sp.GetService<TimeProvider>()));
        Declarations.Agents.Add(new Declared(name, $"AddAgent(\"{name}\")"));
        return this;
    }

    /// <summary>Serves <paramref name="graph"/> (any <see cref="IAgentGraph"/>) under its id.</summary>
    public AgentFunctionsBuilder AddGraph(IAgentGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Services.AddSingleton(graph);
        Declarations.Agents.Add(new Declared(graph.Id, $"AddGraph(\"{graph.Id}\")"));
        return this;
    }
}

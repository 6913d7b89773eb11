using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runtime;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Graphs;

/// <summary>
/// Serves a Microsoft Agent Framework <see cref="AIAgent"/> as a graph: each run gives the agent the thread's messages
/// (its conversation lives in our checkpoints, not in an agent session) and streams its updates as the run's events:
/// message chunks as it writes, its tool calls and their results, then the node's update and the new state. The agent
/// calls its own tools, so the graph has one node, <c>agent</c>; an assistant's config picks no model or tools.
/// </summary>
public sealed class AgentFrameworkGraph : IAgentGraph
{
    private readonly AgentGraph _loop;

    public AgentFrameworkGraph(string id, AIAgent agent, ICheckpointStore checkpoints, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(agent);
        Id = id;
        Description = agent.Description ?? $"The Agent Framework agent '{agent.Name ?? id}'.";
        _loop = new AgentGraph(new AgentGraphDefinition { Id = id, Description = Description }, agent, checkpoints, time);
    }

    public string Id { get; }

    public string Description { get; }

    public AssistantSettings Defaults => AssistantSettings.Default;

    public ValueTask<GraphChoices> GetChoicesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(GraphChoices.None);

    public RunExecution Run(RunRequest request) => _loop.Run(request);
}

/// <summary>A chat client that is never called: the Agent Framework graph's loop calls its agent, not a model.</summary>
internal sealed class NoModel : IChatClient
{
    public static NoModel Instance { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This graph calls an agent, not a model.");

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This graph calls an agent, not a model.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

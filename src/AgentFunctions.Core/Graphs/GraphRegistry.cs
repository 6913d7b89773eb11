using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Graphs;

/// <summary>
/// The graphs a deployment serves, by id. Every graph has a default assistant, as on LangGraph Platform: its id is a
/// name-based UUID of the graph id (<see cref="DefaultAssistantId"/>), and the graph id itself is accepted wherever an
/// assistant id is.
/// </summary>
public sealed class GraphRegistry
{
    private readonly Dictionary<string, IAgentGraph> _graphs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IAgentGraph> _byDefaultAssistant = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">Two graphs share an id, or an id is not a valid resource id.</exception>
    public GraphRegistry(IEnumerable<IAgentGraph> graphs)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        foreach (var graph in graphs)
        {
            if (!ResourceIds.IsValid(graph.Id))
            {
                throw new ArgumentException($"Graph id '{graph.Id}' is invalid: use letters, digits, '-', '_' or '.'.", nameof(graphs));
            }

            if (!_graphs.TryAdd(graph.Id, graph))
            {
                throw new ArgumentException($"Two graphs are named '{graph.Id}'.", nameof(graphs));
            }

            _byDefaultAssistant[DefaultAssistantId(graph.Id)] = graph;
        }
    }

    /// <summary>The graphs in registration order (the built-in <c>agent</c> first when it is served).</summary>
    public IReadOnlyList<IAgentGraph> Graphs => [.. _graphs.Values];

    public IReadOnlyList<string> Ids => [.. _graphs.Keys];

    public bool TryGet(string graphId, [NotNullWhen(true)] out IAgentGraph? graph)
    {
        ArgumentNullException.ThrowIfNull(graphId);
        return _graphs.TryGetValue(graphId, out graph);
    }

    /// <summary>The graph whose default assistant <paramref name="assistantId"/> is (its graph id or its name-based id); null otherwise.</summary>
    public IAgentGraph? FindByDefaultAssistant(string assistantId)
    {
        ArgumentNullException.ThrowIfNull(assistantId);
        return _graphs.TryGetValue(assistantId, out var graph) ? graph
            : _byDefaultAssistant.TryGetValue(assistantId, out graph) ? graph
            : null;
    }

    /// <summary>The id of <paramref name="graphId"/>'s default assistant: a name-based (version 5 style) UUID of the graph id.</summary>
    public static string DefaultAssistantId(string graphId)
    {
        ArgumentNullException.ThrowIfNull(graphId);
#pragma warning disable CA5350 // SHA-1 here makes an id, not a signature
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes("agentfunctions:graph:" + graphId));
#pragma warning restore CA5350
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}

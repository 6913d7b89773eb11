using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Models;

/// <summary>Finds the chat client for a model name (a graph's model, or an assistant's <c>configurable.model</c>), or the deployment's default for null.</summary>
public interface IChatClientResolver
{
    /// <summary>The model names served, the default's (<see cref="NamedChatClientResolver.DefaultName"/>) included, in ordinal order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <exception cref="ArgumentException">No model has that name; the message says which models there are.</exception>
    IChatClient Resolve(string? model);
}

/// <summary>Serves every model name with one client: the offline model by default.</summary>
public sealed class SingleChatClientResolver(IChatClient client) : IChatClientResolver
{
    public IReadOnlyList<string> Names { get; } = [NamedChatClientResolver.DefaultName];

    public IChatClient Resolve(string? model) => client;
}

/// <summary>The deployment's models by name: the default one (named <c>default</c>) and the named ones.</summary>
public sealed class NamedChatClientResolver : IChatClientResolver
{
    /// <summary>The name of the deployment's default model (the <c>Model</c> section's, offline unless configured).</summary>
    public const string DefaultName = "default";

    private readonly IChatClient _default;
    private readonly Dictionary<string, IChatClient> _named;

    public NamedChatClientResolver(IChatClient defaultClient, IEnumerable<KeyValuePair<string, IChatClient>> named)
    {
        ArgumentNullException.ThrowIfNull(defaultClient);
        ArgumentNullException.ThrowIfNull(named);
        _default = defaultClient;
        _named = new Dictionary<string, IChatClient>(StringComparer.Ordinal);
        foreach (var (name, client) in named)
        {
            if (!_named.TryAdd(name, client))
            {
                throw new ArgumentException($"Two models are named '{name}'.", nameof(named));
            }
        }

        Names = [.. _named.Keys.Append(DefaultName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Names { get; }

    public IChatClient Resolve(string? model)
    {
        if (model is null)
        {
            return _named.GetValueOrDefault(DefaultName) ?? _default;
        }

        return _named.TryGetValue(model, out var client) ? client
            : model == DefaultName ? _default
            : throw new ArgumentException($"No model is named '{model}'. Models: {string.Join(", ", Names)}.", nameof(model));
    }
}

using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Models;

/// <summary>Finds the chat client for a model name (an assistant's <c>configurable.model</c>), or the deployment's default for null.</summary>
public interface IChatClientResolver
{
    /// <exception cref="ArgumentException">No provider serves that model; the message says which models there are.</exception>
    IChatClient Resolve(string? model);
}

/// <summary>Serves every model name with one client: the offline model by default.</summary>
public sealed class SingleChatClientResolver(IChatClient client) : IChatClientResolver
{
    public IChatClient Resolve(string? model) => client;
}

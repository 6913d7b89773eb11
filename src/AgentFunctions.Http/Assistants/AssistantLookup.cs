using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// Finds the assistant a request names. Every graph has a default assistant, as on LangGraph Platform:
/// its id is a name-based UUID of the graph id, and the graph id itself (<c>agent</c>) is accepted
/// wherever an assistant id is. Other ids are the caller's own assistants.
/// </summary>
public sealed class AssistantLookup(IAssistantStore store)
{
    /// <summary>The id of the <c>agent</c> graph's default assistant.</summary>
    public static string DefaultAssistantId { get; } = NameBasedUuid(AgentGraph.GraphId);

    /// <summary>The metadata LangGraph gives the assistants it creates itself: <c>{"created_by": "system"}</c>.</summary>
    public static JsonElement SystemMetadata { get; } = JsonObjects.Parse("""{"created_by":"system"}""");

    public static bool IsDefault(string assistantId) => assistantId == AgentGraph.GraphId || assistantId == DefaultAssistantId;

    /// <summary>The default assistant of the agent graph, as a caller sees it.</summary>
    public static Assistant Default(string ownerId) => new()
    {
        AssistantId = DefaultAssistantId,
        OwnerId = ownerId,
        GraphId = AgentGraph.GraphId,
        Name = AgentGraph.GraphId,
        Description = "The default assistant of the agent graph: the offline or configured model, with the calculator tool.",
        Config = JsonObjects.Parse("""{"configurable":{"tools":["calculator"]}}"""),
        Metadata = SystemMetadata,
        Version = 1,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The assistant, or null when the caller has none with that id (another owner's is not found either).</summary>
    public async Task<Assistant?> FindAsync(string ownerId, string assistantId, CancellationToken cancellationToken)
    {
        if (IsDefault(assistantId))
        {
            return Default(ownerId);
        }

        return ResourceIds.IsValid(assistantId) ? await store.GetAsync(ownerId, assistantId, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The settings a run of the assistant uses: the assistant's config with the run's config over it.</summary>
    public static AssistantSettings SettingsFor(Assistant assistant, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(assistant);
        ArgumentNullException.ThrowIfNull(options);
        return AssistantSettings.From(assistant.Config).Merge(options.Config);
    }

    private static string NameBasedUuid(string name)
    {
        // A version-5 style UUID: SHA-1 of a fixed namespace and the name, with the version and variant bits set.
#pragma warning disable CA5350 // SHA-1 here makes an id, not a signature
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes("agentfunctions:graph:" + name));
#pragma warning restore CA5350
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}

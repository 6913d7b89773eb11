using System.Text.Json;
using AgentFunctions.Core.Items;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// The built-in <c>memory</c> tool pair over the long-term store of the run's owner (<see cref="RunScope.Current"/>):
/// <c>memory_write</c> keeps a value under a key, <c>memory_read</c> reads one back, or lists what is kept. Items go
/// in the namespace <c>["memories", ...]</c> (an optional sub-namespace the model names), so a model never reaches
/// another namespace of the store, nor another owner's. An assistant enables them by name, like any tool.
/// </summary>
public static class MemoryFunctions
{
    public const string WriteName = "memory_write";
    public const string ReadName = "memory_read";

    /// <summary>The first label of every namespace the tools use.</summary>
    public const string RootLabel = "memories";

    /// <summary>The most items <c>memory_read</c> lists without a key.</summary>
    public const int ListLimit = 20;

    /// <summary>Both tools, over <paramref name="store"/>.</summary>
    public static IReadOnlyList<AIFunction> Create(IItemStore store) => [new MemoryWriteFunction(store), new MemoryReadFunction(store)];

    internal static IReadOnlyList<string> Namespace(AIFunctionArguments arguments)
    {
        var topic = arguments.TryGetValue("topic", out var value) ? Text(value) : null;
        return string.IsNullOrEmpty(topic) ? [RootLabel] : [RootLabel, topic];
    }

    internal static string? Text(object? value) => value switch
    {
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        _ => null,
    };

    internal static RunScope Scope(string tool)
        => RunScope.Current ?? throw new InvalidOperationException($"The '{tool}' tool works only inside a run (it acts for the run's owner).");

    internal static void Check(IReadOnlyList<string> itemNamespace, string? key)
    {
        if (StoreNamespaces.Problem(itemNamespace) is { } problem)
        {
            throw new ArgumentException($"The topic {problem}.");
        }

        if (key is not null && StoreNamespaces.KeyProblem(key) is { } keyProblem)
        {
            throw new ArgumentException($"The key {keyProblem}.");
        }
    }
}

/// <summary><c>memory_write</c>: <c>{key, value, topic?}</c> keeps <c>value</c> (text or an object) under <c>key</c>.</summary>
public sealed class MemoryWriteFunction(IItemStore store) : AIFunction
{
    private static readonly JsonElement Schema = JsonObjects.Parse(
        """
        {
          "type": "object",
          "properties": {
            "key": { "type": "string", "description": "A short name for what is remembered, e.g. 'favourite_colour'." },
            "value": { "description": "What to remember: text, or a JSON object." },
            "topic": { "type": "string", "description": "Optional: a group for the memory, e.g. 'preferences'." }
          },
          "required": ["key", "value"]
        }
        """);

    public override string Name => MemoryFunctions.WriteName;

    public override string Description => "Remembers a value under a key for later conversations with the same user (long-term memory).";

    public override JsonElement JsonSchema => Schema;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var scope = MemoryFunctions.Scope(Name);
        var key = arguments.TryGetValue("key", out var k) ? MemoryFunctions.Text(k) : null;
        var itemNamespace = MemoryFunctions.Namespace(arguments);
        MemoryFunctions.Check(itemNamespace, key ?? string.Empty);
        var value = arguments.TryGetValue("value", out var v) ? v : null;
        var stored = value switch
        {
            JsonElement { ValueKind: JsonValueKind.Object } element => element,
            JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => throw new ArgumentException("The 'value' argument is required."),
            JsonElement element => Wrap(w => element.WriteTo(w)),
            string text => Wrap(w => w.WriteStringValue(text)),
            null => throw new ArgumentException("The 'value' argument is required."),
            _ => Wrap(w => JsonSerializer.Serialize(w, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()))),
        };

        await store.PutAsync(scope.OwnerId, itemNamespace, key!, stored, ttlMinutes: null, cancellationToken).ConfigureAwait(false);
        return $"Remembered '{key}'.";
    }

    // A value that is not an object is kept as {"value": ...}, since store items are objects.
    private static JsonElement Wrap(Action<Utf8JsonWriter> writeValue) => Runtime.WireJson.Build(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("value");
        writeValue(w);
        w.WriteEndObject();
    });
}

/// <summary><c>memory_read</c>: <c>{key?, topic?}</c> → the value kept under <c>key</c>, or (without a key) the keys and values kept.</summary>
public sealed class MemoryReadFunction(IItemStore store) : AIFunction
{
    private static readonly JsonElement Schema = JsonObjects.Parse(
        """
        {
          "type": "object",
          "properties": {
            "key": { "type": "string", "description": "The key to read; leave out to list what is remembered." },
            "topic": { "type": "string", "description": "Optional: the group the memory was written in." }
          }
        }
        """);

    public override string Name => MemoryFunctions.ReadName;

    public override string Description => "Reads back what was remembered for this user: one key, or everything (long-term memory).";

    public override JsonElement JsonSchema => Schema;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var scope = MemoryFunctions.Scope(Name);
        var key = arguments.TryGetValue("key", out var k) ? MemoryFunctions.Text(k) : null;
        var itemNamespace = MemoryFunctions.Namespace(arguments);
        MemoryFunctions.Check(itemNamespace, string.IsNullOrEmpty(key) ? null : key);
        if (!string.IsNullOrEmpty(key))
        {
            var item = await store.GetAsync(scope.OwnerId, itemNamespace, key, refreshTtl: true, cancellationToken).ConfigureAwait(false);
            return item is null ? $"Nothing is remembered under '{key}'." : Shown(item.Value);
        }

        // Only this namespace's own items (not a deeper topic's), at most ListLimit of them.
        var items = new List<StoreItem>();
        await foreach (var item in store.SearchAsync(scope.OwnerId, new ItemSearchQuery { NamespacePrefix = itemNamespace }, cancellationToken).ConfigureAwait(false))
        {
            if (item.Namespace.Count == itemNamespace.Count)
            {
                items.Add(item);
                if (items.Count == MemoryFunctions.ListLimit)
                {
                    break;
                }
            }
        }

        return Runtime.WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var item in items)
            {
                w.WritePropertyName(item.Key);
                Shown(item.Value).WriteTo(w);
            }

            w.WriteEndObject();
        });
    }

    private static JsonElement Shown(JsonElement value)
        => value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Count() == 1 && value.TryGetProperty("value", out var inner) ? inner : value;
}

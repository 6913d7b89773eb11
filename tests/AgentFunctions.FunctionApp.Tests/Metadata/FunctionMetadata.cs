using System.Reflection;
using System.Text.Json;
using AgentFunctions.FunctionApp.Http;

namespace AgentFunctions.FunctionApp.Tests.Metadata;

/// <summary>
/// One function as the app's build describes it to the Functions host in <c>functions.metadata</c> (the file the host
/// reads to index the app): its name, the method it runs, and its bindings.
/// </summary>
public sealed record FunctionMetadata(string Name, string EntryPoint, IReadOnlyList<JsonElement> Bindings)
{
    /// <summary>The functions of the app's output next to the tests (the reference copies the generated file here).</summary>
    public static IReadOnlyList<FunctionMetadata> All { get; } = Load(Path.Combine(AppContext.BaseDirectory, "functions.metadata"));

    /// <summary>The functions with an HTTP trigger.</summary>
    public static IReadOnlyList<FunctionMetadata> Http => [.. All.Where(f => f.TriggerOrNull("httpTrigger") is not null)];

    /// <summary>The binding of the trigger of type <paramref name="type"/> (<c>httpTrigger</c>, <c>queueTrigger</c>, <c>timerTrigger</c>), or null.</summary>
    public JsonElement? TriggerOrNull(string type)
        => Bindings.Where(b => string.Equals(b.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase)).Cast<JsonElement?>().FirstOrDefault();

    /// <summary>The method the host invokes, found in the app's assembly by the entry point's full name.</summary>
    public MethodInfo Method()
    {
        var split = EntryPoint.LastIndexOf('.');
        var type = typeof(ApiAuthorization).Assembly.GetType(EntryPoint[..split], throwOnError: true)!;
        return Assert.Single(type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance), m => m.Name == EntryPoint[(split + 1)..]);
    }

    private static List<FunctionMetadata> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(f => new FunctionMetadata(
            f.GetProperty("name").GetString()!,
            f.GetProperty("entryPoint").GetString()!,
            [.. f.GetProperty("bindings").EnumerateArray().Select(b => b.Clone())]))];
    }
}

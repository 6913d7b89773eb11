using System.Reflection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Tests.Logging;

/// <summary>
/// Every source-generated log of the server's assemblies has its own event id, so that a log query by id finds
/// one kind of event (two pairs of methods once shared 520 and 521); each assembly declares them in one place,
/// its <c>Log</c> class, where a new id is chosen in sight of the others.
/// </summary>
public sealed class LogEventIdTests
{
    private static readonly Assembly[] ProductAssemblies =
    [
        typeof(Core.Runs.RunExecutor).Assembly,
        typeof(Storage.Checkpoints.TableCheckpointStore).Assembly,
        typeof(OpenAI.OpenAIModelOptions).Assembly,
        typeof(Mcp.McpToolSource).Assembly,
        typeof(HttpApiOptions).Assembly,
        typeof(Hosting.AgentFunctionsServiceCollectionExtensions).Assembly,
        typeof(Server.ServerApp).Assembly,
    ];

    [Fact]
    public void LoggerMessages_InTheServersAssemblies_HaveDistinctEventIds()
    {
        // Arrange
        var messages = LoggerMessages().ToList();

        // Act
        var duplicates = messages.GroupBy(m => m.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();

        // Assert
        Assert.NotEmpty(messages);
        Assert.True(duplicates.Count == 0, "Event ids used more than once: " + string.Join("; ", duplicates));
    }

    [Fact]
    public void LoggerMessages_InTheServersAssemblies_SetAnEventId()
    {
        var withoutId = LoggerMessages().Where(m => m.EventId < 0).Select(m => m.Method).ToList();

        Assert.True(withoutId.Count == 0, "LoggerMessage without an EventId: " + string.Join(", ", withoutId));
    }

    [Fact]
    public void LoggerMessages_InTheServersAssemblies_AreDeclaredInTheirAssemblysLogClass()
    {
        var elsewhere = LoggerMessages().Where(m => m.Type != m.Assembly + ".Log").Select(m => m.Method).ToList();

        Assert.True(elsewhere.Count == 0, "LoggerMessage outside its assembly's Log class: " + string.Join(", ", elsewhere));
    }

    private static IEnumerable<(int EventId, string Assembly, string? Type, string Method)> LoggerMessages() =>
        from assembly in ProductAssemblies
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (attribute.EventId, assembly.GetName().Name!, type.FullName, $"{assembly.GetName().Name}:{type.FullName}.{method.Name}");
}

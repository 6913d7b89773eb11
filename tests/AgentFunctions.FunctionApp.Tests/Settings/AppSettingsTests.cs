using System.Text.Json;
using AgentFunctions.FunctionApp.Tests.Metadata;
using AgentFunctions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.FunctionApp.Tests.Settings;

/// <summary>
/// host.json and local.settings.sample.json: both parse, host.json configures what the app relies on, and the sample
/// names every setting the app reads, so that a user who starts from it sees them all.
/// </summary>
public class AppSettingsTests
{
    /// <summary>What Program.cs reads itself, beside what <c>AddAgentFunctions</c> reads.</summary>
    private static readonly string[] ProgramSettings = ["APPLICATIONINSIGHTS_CONNECTION_STRING"];

    /// <summary>
    /// Settings the app reads that the sample leaves out on purpose: other names of storage the sample sets
    /// (<c>AzureWebJobsStorage</c>), for the server and the tests.
    /// </summary>
    private static readonly string[] OtherNames = ["AGENTFUNCTIONS_STORAGE_CONNECTION_STRING"];

    [Fact]
    public void HostJson_Parses_VersionTwoWithTheApiRoutesAtTheRoot()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")));
        var root = host.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.Equal(string.Empty, root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("OpenTelemetry", root.GetProperty("telemetryMode").GetString());
        Assert.True(root.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32() > 1);
        Assert.True(TimeSpan.Parse(root.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void LocalSettingsSample_Parses_UnencryptedForTheIsolatedWorker()
    {
        var values = SampleValues();

        Assert.False(Sample().GetProperty("IsEncrypted").GetBoolean());
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("UseDevelopmentStorage=true", values["AzureWebJobsStorage"]);
    }

    [Fact]
    public void LocalSettingsSample_NamesEverySettingTheServicesRead()
    {
        // Arrange: the offline model and the OpenAI one, each read by a composition of the app's services.
        var read = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        read.UnionWith(SettingsRead(new() { ["Model:Provider"] = "offline" }));
        read.UnionWith(SettingsRead(new() { ["Model:Provider"] = "openai", ["OpenAI:Endpoint"] = "http://127.0.0.1:9/v1", ["OpenAI:Model"] = "m", ["OpenAI:ApiKey"] = "k" }));
        read.UnionWith(ProgramSettings);
        read.ExceptWith(OtherNames);

        // Act
        var missing = read.Where(key => !Names(key)).Order(StringComparer.Ordinal).ToList();

        // Assert
        Assert.True(read.Count > 20, "too few settings recorded: " + string.Join(", ", read));
        Assert.Empty(missing);
    }

    [Fact]
    public void LocalSettingsSample_NamesTheTriggersSettings()
    {
        // The %NAME% settings of the triggers (the timer's schedule) and the queue triggers' connection (AzureWebJobsStorage by default).
        var settings = FunctionMetadata.All.SelectMany(f => f.Bindings)
            .SelectMany(b => b.EnumerateObject())
            .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.StartsWith('%'))
            .Select(p => p.Value.GetString()!.Trim('%'))
            .Append("AzureWebJobsStorage")
            .ToList();

        Assert.Contains("RETENTION_SWEEP_SCHEDULE", settings);
        Assert.All(settings, s => Assert.True(Names(s), s + " is not in local.settings.sample.json"));
    }

    /// <summary>Whether the sample names <paramref name="key"/> (<c>Auth:Mode</c> as <c>Auth__Mode</c>), or a setting inside it (<c>Auth:ApiKeys</c> as <c>Auth__ApiKeys__0__Key</c>).</summary>
    private static bool Names(string key)
    {
        var name = key.Replace(":", "__", StringComparison.Ordinal);
        return SampleValues().Keys.Any(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase) || k.StartsWith(name + "__", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The keys read while the app's services are composed and each of them is built.</summary>
    private static IReadOnlyCollection<string> SettingsRead(Dictionary<string, string?> settings)
    {
        settings["Storage:ConnectionString"] = "UseDevelopmentStorage=true";
        var recording = new RecordingConfigurationSource();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Add(recording).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddAgentFunctions(configuration).Services;
        using (var provider = services.BuildServiceProvider())
        {
            // The app's own services, and the value of every options type configured (the framework's need a host to resolve).
            foreach (var type in services.Select(d => d.ServiceType).Where(t => t.Namespace?.StartsWith("AgentFunctions", StringComparison.Ordinal) == true).Distinct())
            {
                _ = provider.GetServices(type).ToList();
            }

            foreach (var type in services.Select(d => d.ServiceType).Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IConfigureOptions<>)).Distinct())
            {
                OptionsValue.MakeGenericMethod(type.GetGenericArguments()).Invoke(null, [provider]);
            }
        }

        return recording.Keys;
    }

    private static readonly System.Reflection.MethodInfo OptionsValue = typeof(AppSettingsTests).GetMethod(nameof(Value), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    private static T Value<T>(IServiceProvider provider)
        where T : class
        => provider.GetRequiredService<IOptions<T>>().Value;

    private static JsonElement Sample()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "local.settings.sample.json")));
        return document.RootElement.Clone();
    }

    private static Dictionary<string, string?> SampleValues()
        => Sample().GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString(), StringComparer.OrdinalIgnoreCase);
}

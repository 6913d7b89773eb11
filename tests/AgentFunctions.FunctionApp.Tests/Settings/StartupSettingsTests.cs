using AgentFunctions.FunctionApp.Startup;
using AgentFunctions.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.FunctionApp.Tests.Settings;

/// <summary>
/// The Functions app's services refuse to start on a bad setting, with the setting named in what the app prints
/// (<see cref="StartupFailure"/>); with good settings they start. No Functions host is needed: the options are
/// checked as Program.cs checks them, before the host runs.
/// </summary>
public sealed class StartupSettingsTests
{
    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "Model:Provider", "gpt", "Model:Provider is 'gpt'" },
        { "OpenAI:Model", "", "OpenAI:Model is required" },
        { "OfflineModel:DefaultTokens", "0", "OfflineModel:DefaultTokens" },
        { "Checkpoints:TableName", "x", "Checkpoints:TableName" },
        { "RunEvents:MaxEventsPerSegment", "0", "RunEvents:MaxEventsPerSegment" },
        { "Runs:LiveEventBufferBytes", "0", "Runs:LiveEventBufferBytes" },
        { "Compaction:SweepInterval", "00:00:00", "Compaction:SweepInterval" },
        { "Http:PageByteBudget", "0", "Http:PageByteBudget" },
        { "Storage:Prefix", "has-dash", "Storage:Prefix" },
        { "AzureWebJobsStorage", "", "No storage is configured" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Start_BadSetting_FailsNamingTheSetting(string key, string value, string expected)
    {
        // Arrange
        var settings = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", [key] = value };
        if (key.StartsWith("OpenAI:", StringComparison.Ordinal))
        {
            settings["Model:Provider"] = "openai";
            settings["OpenAI:ApiKey"] = "k";
        }

        using var host = Build(settings);

        // Act: as Program.cs does before it runs the host.
        var failure = Record.Exception(() => StartupFailure.ValidateSettings(host.Services));

        // Assert
        Assert.NotNull(failure);
        var message = StartupFailure.Describe(failure);
        Assert.NotNull(message);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_GoodSettings_Starts()
    {
        using var host = Build(new()
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Model:Provider"] = "openai",
            ["OpenAI:Endpoint"] = "http://127.0.0.1:9/v1/",
            ["OpenAI:Model"] = "m",
            ["OpenAI:ApiKey"] = "k",
            ["Compaction:Policy"] = "keep_latest",
        });

        StartupFailure.ValidateSettings(host.Services);
        await host.StartAsync();
        await host.StopAsync();
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddFunctionApp(builder.Configuration);
        return builder.Build();
    }
}

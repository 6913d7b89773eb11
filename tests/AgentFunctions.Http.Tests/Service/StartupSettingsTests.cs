using AgentFunctions.Server;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Http.Tests.Service;

/// <summary>
/// The server refuses to start on a bad setting, section by section, with the setting named and why, and no stack
/// trace; with good settings it starts.
/// </summary>
public sealed class StartupSettingsTests
{
    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "Model:Provider", "gpt", "Model:Provider is 'gpt'" },
        { "OpenAI:Endpoint", "not-an-address", "OpenAI:Endpoint" },
        { "OfflineModel:MaxTokens", "0", "OfflineModel:MaxTokens" },
        { "Checkpoints:SnapshotGrowthFactor", "1", "Checkpoints:SnapshotGrowthFactor" },
        { "RunEvents:FlushInterval", "00:00:00", "RunEvents:FlushInterval" },
        { "Runs:LeaseDuration", "00:00:00", "Runs:LeaseDuration" },
        { "Runs:CancelPollInterval", "soon", "Runs:CancelPollInterval" },
        { "Compaction:Threshold", "0", "Compaction:Threshold" },
        { "Compaction:Policy", "keep_some", "Compaction:Policy" },
        { "Http:MaxRequestBodyBytes", "0", "Http:MaxRequestBodyBytes" },
        { "Http:CorsOrigins:0", "app.example.com", "Http:CorsOrigins" },
        { "Storage:Prefix", "9lives", "Storage:Prefix" },
        { "Auth:Mode", "ApiKey", "Auth:ApiKeys" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_BadSetting_ExitsNamingTheSettingWithoutAStackTrace(string key, string value, string expected)
    {
        // Arrange: good storage; the OpenAI case otherwise complete, so that only the endpoint is wrong.
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("OpenAI:", StringComparison.Ordinal))
        {
            settings["Model:Provider"] = "openai";
            settings["OpenAI:Model"] = "m";
            settings["OpenAI:ApiKey"] = "k";
        }

        using var error = new StringWriter();

        // Act
        var app = await ServerApp.TryStartAsync([], error, builder => Configure(builder, settings));

        // Assert
        Assert.Null(app);
        var message = error.ToString();
        Assert.Contains("cannot start", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_GoodSettings_Starts()
    {
        using var error = new StringWriter();

        var app = await ServerApp.TryStartAsync([], error, builder => Configure(builder, new()
        {
            ["Model:Provider"] = "offline",
            ["Compaction:Policy"] = "keep_all",
            ["Http:CorsOrigins:0"] = "https://app.example.com",
            ["Runs:LeaseDuration"] = "00:01:00",
        }));

        Assert.NotNull(app);
        await app.StopAsync();
        await app.DisposeAsync();
        Assert.Equal(string.Empty, error.ToString());
    }

    private static void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder, Dictionary<string, string?> settings)
    {
        var storage = Environment.GetEnvironmentVariable(ServerFixture.StorageVariable) is { Length: > 0 } connection ? connection : "UseDevelopmentStorage=true";
        builder.Configuration.AddInMemoryCollection(
        [
            new("urls", "http://127.0.0.1:0"),
            new("Storage:ConnectionString", storage),
            new("Storage:Prefix", "t" + Guid.NewGuid().ToString("N")[..10]),
        ]);
        builder.Configuration.AddInMemoryCollection(settings);
    }
}

using AgentFunctions.Core.Models;
using AgentFunctions.Hosting.Agents;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Tests.Agents;

/// <summary>Bad declarations, in configuration or in code, stop the server at start with a message naming the setting.</summary>
public sealed class DeclarationStartupTests
{
    [Theory]
    [InlineData("Graphs:ops:Model", "nope", "Graphs:ops:Model", "'nope'")]
    [InlineData("Graphs:ops:Tools:0", "nope", "Graphs:ops:Tools", "'nope'")]
    [InlineData("Graphs:ops:McpServers:0", "docs", "Graphs:ops:McpServers", "'docs'")]
    [InlineData("Graphs:ops:RecursionLimit", "many", "Graphs:ops:RecursionLimit", "'many'")]
    [InlineData("Graphs:ops:InterruptBefore:0", "lunch", "Graphs:ops:InterruptBefore", "'lunch'")]
    [InlineData("Graphs:ops:ApproveTools:0", "wire_money", "Graphs:ops:ApproveTools", "'wire_money'")]
    [InlineData("Graphs:agent:SystemPrompt", "x", "Graphs:agent", "built-in")]
    [InlineData("Models:fast:Provider", "magic", "Models:fast:Provider", "'magic'")]
    [InlineData("Models:fast:Provider", "openai", "Models:fast:Model", "required")]
    public async Task Start_BadDeclarationInConfiguration_RefusesNamingTheSetting(string key, string value, string setting, string detail)
    {
        var server = new AgentsServerFixture(_ => { }, (key, value));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains(refused.Failures, f => f.Contains(setting, StringComparison.Ordinal) && f.Contains(detail, StringComparison.Ordinal));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_CodeGraphNamesAnUnknownModel_RefusesNamingTheCall()
    {
        var server = new AgentsServerFixture(a => a.AddGraph("support", g => g.WithModel("fast")));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains(refused.Failures, f => f.Contains("AddGraph(\"support\").WithModel", StringComparison.Ordinal) && f.Contains("'fast'", StringComparison.Ordinal));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_CodeGraphNamesAnUnknownTool_RefusesNamingTheCall()
    {
        var server = new AgentsServerFixture(a => a.AddGraph("support", g => g.WithTools("lookup_order")));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains(refused.Failures, f => f.Contains("AddGraph(\"support\").WithTools", StringComparison.Ordinal) && f.Contains("'lookup_order'", StringComparison.Ordinal));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_CodeGraphApprovesAnUnknownTool_RefusesNamingTheCall()
    {
        var server = new AgentsServerFixture(a => a.AddGraph("support", g => g.WithApproval("wire_money")));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains(refused.Failures, f => f.Contains("AddGraph(\"support\").WithApproval", StringComparison.Ordinal) && f.Contains("'wire_money'", StringComparison.Ordinal));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Start_DuplicateNames_RefusesNamingBoth()
    {
        var server = new AgentsServerFixture(
            a => a.AddTool(AIFunctionFactory.Create(() => "x", "calculator")).AddChatClient("fast", new OfflineChatClient()).AddGraph("ops"),
            ("Graphs:ops:SystemPrompt", "x"),
            ("Models:fast:Provider", "offline"));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(server.InitializeAsync);

        Assert.Contains(refused.Failures, f => f.Contains("AddTool(\"calculator\")", StringComparison.Ordinal) && f.Contains("built-in calculator", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.Contains("AddChatClient(\"fast\")", StringComparison.Ordinal) && f.Contains("Models:fast", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.Contains("AddGraph(\"ops\")", StringComparison.Ordinal) && f.Contains("Graphs:ops", StringComparison.Ordinal));
        await server.DisposeAsync();
    }
}

/// <summary>The server with agents declared in code by <paramref name="declare"/>, and <paramref name="settings"/>.</summary>
public sealed class AgentsServerFixture(Action<AgentFunctionsBuilder> declare, params (string Key, string? Value)[] settings) : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => settings.Select(s => KeyValuePair.Create(s.Key, s.Value));

    protected override void ConfigureAgents(AgentFunctionsBuilder agents) => declare(agents);
}

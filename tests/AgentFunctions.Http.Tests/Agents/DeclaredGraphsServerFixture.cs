using System.ComponentModel;
using AgentFunctions.Core.Models;
using AgentFunctions.Hosting.Agents;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Http.Tests.Agents;

/// <summary>
/// The server with a deployment's own agents: a tool (<c>lookup_order</c>) and a model (<c>fast</c>) added in code, the
/// graph <c>support</c> declared in code, the graph <c>ops</c> with the model <c>slow</c> declared in configuration, and
/// two Agent Framework agents: <c>helper</c> added in code, and the server's demo agent <c>af-agent</c> by its setting.
/// </summary>
public sealed class DeclaredGraphsServerFixture : ServerFixture
{
    public const string SupportPrompt = "You answer questions about orders.";
    public const string OpsPrompt = "You keep the lights on.";

    /// <summary>A user tool: the order's status, from its id.</summary>
    public static AIFunction LookupOrder { get; } = AIFunctionFactory.Create(
        ([Description("The order's id.")] string orderId) => $"order {orderId} shipped",
        "lookup_order",
        "Looks up an order's status.");

    /// <summary>Another user tool, which only <c>ops</c> offers.</summary>
    public static AIFunction Restart { get; } = AIFunctionFactory.Create(
        (string service) => $"{service} restarted",
        "restart_service",
        "Restarts a service.");

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Models:slow:Provider", "offline"),
        new("Graphs:ops:SystemPrompt", OpsPrompt),
        new("Graphs:ops:Model", "slow"),
        new("Graphs:ops:Tools:0", "restart_service"),
        new("Graphs:ops:Tools:1", "calculator"),
        new("Graphs:ops:RecursionLimit", "10"),
        new(AgentFunctions.Server.ServerApp.DemoAgentSetting, "true"),
    ];

    protected override void ConfigureAgents(AgentFunctionsBuilder agents)
    {
        agents
            .AddTool(LookupOrder)
            .AddTool(Restart)
            .AddChatClient("fast", new OfflineChatClient())
            .AddGraph("support", g => g.WithSystemPrompt(SupportPrompt).WithTools("lookup_order").WithModel("fast"))
            .AddAgent("helper", new ChatClientAgent(new OfflineChatClient(), name: "helper", description: "Looks up orders.", tools: [LookupOrder]));
    }
}

using AgentFunctions.Hosting.Agents;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Http.Tests.Approvals;

/// <summary>
/// The server with tools that wait for a person: the graph <c>approval</c> (in configuration) offers <c>send_email</c>,
/// which needs approval, and <c>lookup</c>, which does not; the graph <c>payments</c> (in code) approves <c>pay</c>; and
/// <c>delete_account</c> needs approval in every graph (added as an <see cref="ApprovalRequiredAIFunction"/>).
/// </summary>
public class ApprovalServerFixture : ServerFixture
{
    public static AIFunction SendEmail { get; } = AIFunctionFactory.Create((string to) => $"sent to {to}", "send_email", "Sends an email.");

    public static AIFunction Lookup { get; } = AIFunctionFactory.Create((string name) => $"{name} is in the book", "lookup", "Looks a name up.");

    public static AIFunction Pay { get; } = AIFunctionFactory.Create((int amount) => $"paid {amount}", "pay", "Spends money.");

    public static AIFunction DeleteAccount { get; } = AIFunctionFactory.Create((string user) => $"deleted {user}", "delete_account", "Deletes an account.");

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Graphs:approval:Tools:0", "send_email"),
        new("Graphs:approval:Tools:1", "lookup"),
        new("Graphs:approval:ApproveTools:0", "send_email"),
    ];

    protected override void ConfigureAgents(AgentFunctionsBuilder agents)
    {
        agents
            .AddTool(SendEmail)
            .AddTool(Lookup)
            .AddTool(Pay)
            .AddTool(new ApprovalRequiredAIFunction(DeleteAccount))
            .AddGraph("payments", g => g.WithTools("pay").WithApproval("pay"));
    }
}

using AgentFunctions.Core.Models;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting.Agents;

/// <summary>
/// The start check of what a deployment declares: every graph, model, tool and tool source name valid and used once,
/// and every name a graph gives (its model, its tools, its MCP servers) declared. Each failure names the setting
/// (<c>Graphs:support:Model</c>) or the call (<c>AddGraph("support").WithModel</c>) and lists what there is.
/// </summary>
internal sealed class AgentDeclarationsValidation(AgentDeclarations declarations, IEnumerable<AIFunction> tools, IServiceProvider services) : IValidateOptions<AgentsOptions>
{
    private static readonly string[] Nodes = ["*", AgentGraph.AgentNode, AgentGraph.ToolsNode];

    public ValidateOptionsResult Validate(string? name, AgentsOptions options)
    {
        var errors = new List<string>(declarations.Errors);
        var toolNames = CheckTools(errors);
        var modelNames = CheckModels(errors);
        var keyed = services.GetService<IServiceProviderIsKeyedService>();
        var sources = declarations.ToolSources.Select(s => s.Name).ToList();
        var sourceNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in declarations.ToolSources)
        {
            Unique(errors, sourceNames, source.Name, source.Where, "tool source");
        }

        var graphIds = new Dictionary<string, string>(StringComparer.Ordinal) { [AgentGraph.GraphId] = "the built-in graph" };
        foreach (var agent in declarations.Agents)
        {
            Unique(errors, graphIds, agent.Name, agent.Where, "graph");
        }

        foreach (var graph in declarations.Graphs)
        {
            var definition = graph.Definition;
            Unique(errors, graphIds, definition.Id, graph.Where, "graph");
            if (!ResourceIds.IsValid(definition.Id))
            {
                errors.Add($"{graph.Where}: '{definition.Id}' is not a valid graph id: use letters, digits, '-', '_' or '.'.");
            }

            if (definition.Model is { } model && !modelNames.Contains(model))
            {
                errors.Add($"{graph.Setting("Model")} names an unknown model '{model}' (models: {string.Join(", ", modelNames.Order(StringComparer.Ordinal))}).");
            }

            foreach (var tool in definition.Tools ?? [])
            {
                if (!toolNames.Contains(tool))
                {
                    errors.Add($"{graph.Setting("Tools")} names an unknown tool '{tool}' (tools: {string.Join(", ", toolNames.Order(StringComparer.Ordinal))}).");
                }
            }

            foreach (var source in definition.ToolSources)
            {
                if (keyed?.IsKeyedService(typeof(IToolSource), source) != true)
                {
                    errors.Add($"{graph.Setting("McpServers")} names an unknown MCP server '{source}' (servers: {(sources.Count == 0 ? "none declared" : string.Join(", ", sources))}).");
                }
            }

            foreach (var tool in definition.ApproveTools)
            {
                // A registered tool the graph offers, or an MCP tool (server__tool) of one of its servers, whose tools are listed only when a run starts.
                var offered = definition.Tools is { } names ? names.Contains(tool, StringComparer.Ordinal) : toolNames.Contains(tool);
                var fromServer = definition.ToolSources.Any(s => tool.StartsWith(s + "__", StringComparison.Ordinal) && tool.Length > s.Length + 2);
                if (!offered && !fromServer)
                {
                    errors.Add($"{graph.Setting(graph.InConfiguration ? "ApproveTools" : "Approval")} names '{tool}', which is not a tool of the graph (its tools: {string.Join(", ", (definition.Tools ?? [.. toolNames]).Order(StringComparer.Ordinal))}; an MCP server's tools as server__tool).");
                }
            }

            if (definition.RecursionLimit < 1)
            {
                errors.Add($"{graph.Setting("RecursionLimit")} must be a positive integer, not {definition.RecursionLimit}.");
            }

            foreach (var (setting, nodes) in new[] { ("InterruptBefore", definition.InterruptBefore), ("InterruptAfter", definition.InterruptAfter) })
            {
                foreach (var node in nodes.Where(n => !Nodes.Contains(n)))
                {
                    errors.Add($"{graph.Setting(setting)} names '{node}', which is not a node of the graph (agent, tools or *).");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Distinct());
    }

    /// <summary>Every tool name (the calculator's and each registered <see cref="AIFunction"/>'s) valid and used once; returns them.</summary>
    private HashSet<string> CheckTools(List<string> errors)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal) { [CalculatorFunction.FunctionName] = "the built-in calculator" };
        foreach (var tool in tools)
        {
            var where = declarations.Tools.FirstOrDefault(t => t.Name == tool.Name)?.Where ?? $"the tool '{tool.Name}'";
            if (!ToolRegistry.IsValidName(tool.Name))
            {
                errors.Add($"{where}: tool name '{tool.Name}' is invalid: use 1 to 64 letters, digits, '_' or '-'.");
                continue;
            }

            Unique(errors, seen, tool.Name, where, "tool");
        }

        return [.. seen.Keys];
    }

    private HashSet<string> CheckModels(List<string> errors)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var model in declarations.Models)
        {
            Unique(errors, seen, model.Name, model.Where, "model");
        }

        return [.. seen.Keys.Append(NamedChatClientResolver.DefaultName)];
    }

    private static void Unique(List<string> errors, Dictionary<string, string> seen, string name, string where, string kind)
    {
        if (!seen.TryAdd(name, where))
        {
            errors.Add($"{where}: the {kind} name '{name}' is already used by {seen[name]}; {kind} names must be unique.");
        }
    }
}

using System.Globalization;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Tools;
using AgentFunctions.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting.Agents;

/// <summary>
/// Registers what a deployment declares: the graphs (<c>Graphs:NAME</c>, <c>AddGraph</c>) as <see cref="IAgentGraph"/>s
/// after the built-in one, the models (<c>Models:NAME</c>, <c>AddChatClient</c>) as keyed <see cref="IChatClient"/>s
/// behind the resolver, and the check of every name when the host starts.
/// </summary>
internal static class AgentRegistration
{
    public const string GraphsSection = "Graphs";
    public const string ModelsSection = "Models";

    /// <summary>The declarations object, the resolver over the declared models, the built-in graph, the configured graphs and models, the start check.</summary>
    public static AgentDeclarations AddAgents(IServiceCollection services, IConfiguration configuration)
    {
        var declarations = new AgentDeclarations();
        services.AddSingleton(declarations);
        services.TryAddSingleton<ToolRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<AIFunction, MemoryWriteFunction>()); // the memory tool pair, enabled by name
        services.TryAddEnumerable(ServiceDescriptor.Singleton<AIFunction, MemoryReadFunction>());
        services.TryAddSingleton<IChatClientResolver>(sp => new NamedChatClientResolver(
            sp.GetRequiredService<IChatClient>(),
            declarations.Models.DistinctBy(m => m.Name).Select(m => KeyValuePair.Create(m.Name, sp.GetRequiredKeyedService<IChatClient>(m.Name)))));

        // The built-in graph first: it is the default, served whatever else a deployment declares.
        services.AddSingleton<IAgentGraph>(sp => new AgentGraph(
            sp.GetRequiredService<ICheckpointStore>(), sp.GetRequiredService<IChatClientResolver>(), sp.GetRequiredService<ToolRegistry>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton<GraphRegistry>();

        ReadModels(services, declarations, configuration.GetSection(ModelsSection));
        ReadGraphs(services, declarations, configuration.GetSection(GraphsSection));

        services.AddOptions<AgentsOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentsOptions>, AgentDeclarationsValidation>());
        return declarations;
    }

    public static void AddGraph(IServiceCollection services, AgentDeclarations declarations, DeclaredGraph graph)
    {
        declarations.Graphs.Add(graph);
        var definition = graph.Definition;
        services.AddSingleton<IAgentGraph>(sp => new AgentGraph(
            definition,
            sp.GetRequiredService<ICheckpointStore>(),
            sp.GetRequiredService<IChatClientResolver>(),
            sp.GetRequiredService<ToolRegistry>(),
            [.. definition.ToolSources.Select(name => sp.GetRequiredKeyedService<IToolSource>(name))],
            sp.GetService<TimeProvider>()));
    }

    /// <summary><c>Graphs:NAME:*</c>: each child a tool-calling graph.</summary>
    private static void ReadGraphs(IServiceCollection services, AgentDeclarations declarations, IConfigurationSection graphs)
    {
        foreach (var section in graphs.GetChildren())
        {
            var where = section.Path;
            var limit = AgentFunctions.Core.Assistants.AssistantSettings.DefaultRecursionLimit;
            if (section["RecursionLimit"] is { Length: > 0 } text && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit))
            {
                declarations.Errors.Add($"{where}:RecursionLimit must be a positive integer, not '{text}'.");
            }

            var definition = new AgentGraphDefinition
            {
                Id = section.Key,
                Description = section["Description"],
                SystemPrompt = section["SystemPrompt"],
                Model = section["Model"] is { Length: > 0 } model ? model : null,
                Tools = ReadList(section, "Tools"),
                ToolSources = ReadList(section, "McpServers") ?? [],
                RecursionLimit = limit,
                InterruptBefore = ReadList(section, "InterruptBefore") ?? [],
                InterruptAfter = ReadList(section, "InterruptAfter") ?? [],
                ApproveTools = ReadList(section, "ApproveTools") ?? [],
            };
            AddGraph(services, declarations, new DeclaredGraph(definition, where, InConfiguration: true));
        }
    }

    /// <summary><c>Models:NAME:*</c>: <c>Provider</c> (offline or openai) and, for openai, the settings of the <c>OpenAI</c> section.</summary>
    private static void ReadModels(IServiceCollection services, AgentDeclarations declarations, IConfigurationSection models)
    {
        foreach (var section in models.GetChildren())
        {
            var name = section.Key;
            var where = section.Path;
            declarations.Models.Add(new Declared(name, where));
            var provider = section["Provider"];
            if (string.Equals(provider, ModelProviders.Offline, StringComparison.OrdinalIgnoreCase))
            {
                services.AddKeyedSingleton<IChatClient>(name, (sp, _) => new OfflineChatClient(sp.GetRequiredService<OfflineChatClientOptions>()));
                continue;
            }

            if (!string.Equals(provider, ModelProviders.OpenAI, StringComparison.OrdinalIgnoreCase))
            {
                declarations.Errors.Add($"{where}:Provider is '{provider}'; it must be '{ModelProviders.Offline}' or '{ModelProviders.OpenAI}'.");
                continue;
            }

            OpenAIModelOptions options;
            try
            {
                options = section.Get<OpenAIModelOptions>() ?? new OpenAIModelOptions();
            }
            catch (InvalidOperationException e)
            {
                declarations.Errors.Add(e.Message);
                continue;
            }

            declarations.Errors.AddRange(OpenAIChatClientFactory.Validate(options, hasCredential: options.UseEntraId, where));
            services.AddKeyedSingleton<IChatClient>(name, (_, _) => OpenAIChatClientFactory.Create(options, options.UseEntraId ? new DefaultAzureCredential() : null, where));
        }
    }

    /// <summary>A list setting: its children (<c>Tools:0</c>, <c>Tools:1</c>), or one value of comma-separated names; null when absent.</summary>
    private static List<string>? ReadList(IConfigurationSection section, string key)
    {
        var list = section.GetSection(key);
        if (list.Value is { } value)
        {
            return [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        var children = list.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToList();
        return children.Count > 0 ? children : null;
    }
}

/// <summary>The model providers a <c>Models:NAME:Provider</c> names.</summary>
internal static class ModelProviders
{
    public const string Offline = "offline";
    public const string OpenAI = "openai";
}

/// <summary>The options type whose start check (<see cref="AgentDeclarationsValidation"/>) checks the declarations; it holds nothing.</summary>
internal sealed class AgentsOptions;

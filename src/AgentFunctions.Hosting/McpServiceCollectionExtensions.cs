using AgentFunctions.Core.Tools;
using AgentFunctions.Hosting.Agents;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Mcp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting;

/// <summary>
/// Declares MCP tool servers: each becomes a keyed <see cref="IToolSource"/> (key: the server's name), an
/// <see cref="McpToolSource"/> whose settings (named <see cref="McpToolServerOptions"/>) are checked when the host
/// starts. Nothing connects until a run asks for the server's tools.
/// </summary>
public static class McpServiceCollectionExtensions
{
    /// <summary>Declares the MCP server <paramref name="name"/> with settings set by <paramref name="configure"/>.</summary>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    /// <exception cref="InvalidOperationException">A server of that name is already declared.</exception>
    public static IServiceCollection AddMcpToolSource(this IServiceCollection services, string name, Action<McpToolServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddMcpToolSource(name, builder => builder.Configure(configure));
    }

    /// <summary>Declares the MCP server <paramref name="name"/> with the settings of <paramref name="section"/> (<c>McpServers:NAME</c>).</summary>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    /// <exception cref="InvalidOperationException">A server of that name is already declared.</exception>
    public static IServiceCollection AddMcpToolSource(this IServiceCollection services, string name, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddMcpToolSource(name, builder => builder.Bind(section));
    }

    /// <summary>Declares every server of the <c>McpServers</c> section of <paramref name="configuration"/>, one per child.</summary>
    /// <exception cref="ArgumentException">A name is invalid.</exception>
    /// <exception cref="InvalidOperationException">A server of that name is already declared.</exception>
    public static IServiceCollection AddMcpToolSources(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var server in configuration.GetSection(McpToolServerOptions.SectionName).GetChildren())
        {
            services.AddMcpToolSource(server.Key, server);
        }

        return services;
    }

    /// <summary>
    /// Declares the MCP server <paramref name="name"/> (settings set by <paramref name="configure"/>), whose tools the
    /// graphs that name it (<c>WithMcpServers("NAME")</c>, <c>Graphs:GRAPH:McpServers</c>) offer as <c>NAME__tool</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    /// <exception cref="InvalidOperationException">A server of that name is already declared.</exception>
    public static AgentFunctionsBuilder AddMcpServer(this AgentFunctionsBuilder builder, string name, Action<McpToolServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMcpToolSource(name, configure);
        builder.Declarations.ToolSources.Add(new Declared(name, $"AddMcpServer(\"{name}\")"));
        return builder;
    }

    /// <summary>Declares every server of the <c>McpServers</c> section of <paramref name="configuration"/>, as <see cref="AddMcpServer"/> does.</summary>
    /// <exception cref="ArgumentException">A name is invalid.</exception>
    /// <exception cref="InvalidOperationException">A server of that name is already declared.</exception>
    public static AgentFunctionsBuilder AddMcpServers(this AgentFunctionsBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var server in configuration.GetSection(McpToolServerOptions.SectionName).GetChildren())
        {
            builder.Services.AddMcpToolSource(server.Key, server);
            builder.Declarations.ToolSources.Add(new Declared(server.Key, $"{McpToolServerOptions.SectionName}:{server.Key}"));
        }

        return builder;
    }

    private static IServiceCollection AddMcpToolSource(
        this IServiceCollection services, string name, Action<OptionsBuilder<McpToolServerOptions>> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        if (!McpToolServerOptions.IsValidName(name))
        {
            throw new ArgumentException(
                $"{McpToolServerOptions.SectionName}:{name}: the server name '{name}' must be 1 to {McpToolServerOptions.MaxNameLength} letters, digits, '-' or single '_' between them.",
                nameof(name));
        }

        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IToolSource) && Equals(d.ServiceKey, name)))
        {
            throw new InvalidOperationException($"{McpToolServerOptions.SectionName}:{name}: a tool source named '{name}' is already declared.");
        }

        configure(services.AddOptions<McpToolServerOptions>(name).ValidateOnStart());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<McpToolServerOptions>, McpToolServerOptionsValidation>());

        // A factory: the source is built from its own named settings, which a constructor cannot select by key.
        services.AddKeyedSingleton<IToolSource>(name, static (provider, key) =>
        {
            var serverName = (string)key!;
            return new McpToolSource(
                serverName,
                provider.GetRequiredService<IOptionsMonitor<McpToolServerOptions>>().Get(serverName),
                provider.GetService<ILoggerFactory>());
        });
        return services;
    }
}

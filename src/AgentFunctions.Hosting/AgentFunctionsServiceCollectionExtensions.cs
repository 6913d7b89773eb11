using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Crons;
using AgentFunctions.Core.Items;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Threads;
using AgentFunctions.Hosting.Agents;
using AgentFunctions.Core.Webhooks;
using AgentFunctions.Hosting.Configuration;
using AgentFunctions.Hosting.Telemetry;
using AgentFunctions.Http;
using AgentFunctions.Http.Webhooks;
using AgentFunctions.OpenAI;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Compaction;
using AgentFunctions.Storage.Crons;
using AgentFunctions.Storage.Items;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Threads;
using AgentFunctions.Storage.Webhooks;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting;

/// <summary>
/// The one call every host makes: telemetry, storage, models, tools, the runtime and the HTTP API, from configuration.
/// Services are registered by type (<c>TryAdd</c>, so a host or a test may register its own first) and take their
/// dependencies in their constructors; every section's options are bound and checked when the host starts.
/// </summary>
public static class AgentFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds AgentFunctions, with the graphs and models <paramref name="configuration"/> declares (<c>Graphs:NAME</c>,
    /// <c>Models:NAME</c>); the returned builder adds the deployment's own in code (<c>AddGraph</c>, <c>AddTool</c>,
    /// <c>AddChatClient</c>). The built-in graph <c>agent</c> is always served.
    /// </summary>
    public static AgentFunctionsBuilder AddAgentFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddAgentFunctionsTelemetry(configuration);
        services.AddAgentFunctionsHttp(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddAgentFunctionsOptions(configuration);
        services.AddAgentFunctionsStorage();
        services.TryAddSingleton(CreateModel);
        var declarations = AgentRegistration.AddAgents(services, configuration);
        services.AddAgentFunctionsRuntime();
        services.AddAgentFunctionsCompaction();
        return new AgentFunctionsBuilder(services, declarations).AddMcpServers(configuration);
    }

    /// <summary>The queue workers as hosted services (the standalone server; the Functions app uses queue triggers instead).</summary>
    public static IServiceCollection AddAgentFunctionsWorkers(this IServiceCollection services)
    {
        services.AddHostedService<RunQueueWorker>();
        services.AddHostedService<CompactionQueueWorker>();
        services.AddHostedService<RetentionSweepWorker>();
        services.AddHostedService<LeaseSweepWorker>();
        services.AddHostedService<WebhookQueueWorker>();
        services.AddHostedService<CronWorker>();
        return services;
    }

    /// <summary>Every section bound, with a validator that runs when the host starts.</summary>
    private static void AddAgentFunctionsOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName))
            .PostConfigure(o => StorageOptions.ApplyFallbacks(o, configuration)).ValidateOnStart();
        services.AddValidatedOptions<ModelOptions, ModelOptionsValidation>(configuration, ModelOptions.SectionName);
        services.AddValidatedOptions<OpenAIModelOptions, OpenAIOptionsValidation>(configuration, OpenAIModelOptions.SectionName);
        services.AddValidatedOptions<OfflineChatClientOptions, OfflineModelOptionsValidation>(configuration, OfflineChatClientOptions.SectionName);
        services.AddValidatedOptions<CheckpointStoreOptions, CheckpointStoreOptionsValidation>(configuration, CheckpointStoreOptions.SectionName);
        services.AddValidatedOptions<RunEventLogOptions, RunEventLogOptionsValidation>(configuration, RunEventLogOptions.SectionName);
        services.AddValidatedOptions<RunExecutorOptions, RunExecutorOptionsValidation>(configuration, RunExecutorOptions.SectionName);
        services.AddValidatedOptions<CompactionOptions, CompactionOptionsValidation>(configuration, CompactionOptions.SectionName);
        services.AddValidatedOptions<WebhookOptions, WebhookOptionsValidation>(configuration, WebhookOptions.SectionName);
        services.AddValidatedOptions<CronOptions, CronOptionsValidation>(configuration, CronOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidation>());

        // The services that take an options value rather than IOptions<T> (Core and Storage do not depend on
        // Microsoft.Extensions.Options) get the validated value.
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<CheckpointStoreOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<RunEventLogOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<RunExecutorOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<CompactionOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<OfflineChatClientOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<CronOptions>>().Value);
    }

    private static void AddValidatedOptions<TOptions, TValidation>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidation : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidation>());
    }

    /// <summary>
    /// The storage clients (the SDK's, built from the connection or the identity, the one thing here made by a
    /// factory), the deployment's names, and one store per table: each table store is registered once, by its type,
    /// and its interfaces (the store's, and compaction's or retention's) resolve to that one instance.
    /// </summary>
    private static void AddAgentFunctionsStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<StorageSettings>();
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageSettings>().Names);
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageSettings>().CreateTableService());
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageSettings>().CreateQueueService(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(QueueWireFormat))));

        services.TryAddSingleton<TableThreadStore>();
        services.TryAddSingleton<IThreadStore>(sp => sp.GetRequiredService<TableThreadStore>());
        services.TryAddSingleton<IThreadRetention>(sp => sp.GetRequiredService<TableThreadStore>());
        services.TryAddSingleton<TableAssistantStore>();
        services.TryAddSingleton<IAssistantStore>(sp => sp.GetRequiredService<TableAssistantStore>());
        services.TryAddSingleton<TableCheckpointStore>();
        services.TryAddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<TableCheckpointStore>());
        services.TryAddSingleton<ICheckpointCompaction>(sp => sp.GetRequiredService<TableCheckpointStore>());
        services.TryAddSingleton<TableRunStore>();
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<TableRunStore>());
        services.TryAddSingleton<IRunRetention>(sp => sp.GetRequiredService<TableRunStore>());
        services.TryAddSingleton<TableItemStore>();
        services.TryAddSingleton<IItemStore>(sp => sp.GetRequiredService<TableItemStore>());
        services.TryAddSingleton<IItemRetention>(sp => sp.GetRequiredService<TableItemStore>());
        services.TryAddSingleton<IRunEventLog, TableRunEventLog>();
        services.TryAddSingleton<IRunScheduler, QueueRunScheduler>();
        services.TryAddSingleton<ICompactionScheduler, QueueCompactionScheduler>();
        services.TryAddSingleton<IWebhookScheduler, QueueWebhookScheduler>();
        services.TryAddSingleton<ICronStore, TableCronStore>();
    }

    private static void AddAgentFunctionsRuntime(this IServiceCollection services)
    {
        services.TryAddSingleton<RunExecutor>();
        services.TryAddSingleton<RunWorker>();
        services.TryAddSingleton<LiveRuns>();
        services.TryAddSingleton<RunLifecycle>();
        services.TryAddSingleton<Http.Assistants.AssistantLookup>();
    }

    /// <summary>Compaction and retention: the run-end trigger (the executor's completion observer), the <c>compaction</c> queue's handler and the sweep.</summary>
    private static void AddAgentFunctionsCompaction(this IServiceCollection services)
    {
        services.TryAddSingleton<ThreadDeletion>();
        services.TryAddSingleton<ThreadCopy>();
        services.TryAddSingleton<CompactionTrigger>();
        services.TryAddSingleton<WebhookTrigger>();
        services.TryAddSingleton<WebhookDelivery>();

        // What a run's end sets off: compaction when its thread has grown, and its webhook.
        services.TryAddSingleton<IRunCompletionObserver>(sp => new RunCompletionObservers([sp.GetRequiredService<CompactionTrigger>(), sp.GetRequiredService<WebhookTrigger>()]));
        services.TryAddSingleton<CompactionHandler>();
        services.TryAddSingleton<LeaseSweep>();
        services.TryAddSingleton<RetentionSweep>();
        services.TryAddSingleton<CronFiring>();
    }

    /// <summary>The default model (named <c>default</c>): the configured provider's chat client; its settings were checked when the host started.</summary>
    private static IChatClient CreateModel(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<ModelOptions>>().Value.IsOpenAI)
        {
            var options = services.GetRequiredService<IOptions<OpenAIModelOptions>>().Value;
            return OpenAIChatClientFactory.Create(options, options.UseEntraId ? new DefaultAzureCredential() : null);
        }

        return new OfflineChatClient(services.GetRequiredService<OfflineChatClientOptions>());
    }
}

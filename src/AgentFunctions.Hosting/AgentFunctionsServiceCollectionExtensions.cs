using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Threads;
using AgentFunctions.Core.Tools;
using AgentFunctions.Hosting.Telemetry;
using AgentFunctions.Http;
using AgentFunctions.OpenAI;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.Compaction;
using AgentFunctions.Storage.Queues;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Threads;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting;

/// <summary>The one call every host makes: telemetry, storage, models, tools, the runtime and the HTTP API, from configuration.</summary>
public static class AgentFunctionsServiceCollectionExtensions
{
    public static IServiceCollection AddAgentFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddAgentFunctionsTelemetry(configuration);
        services.AddAgentFunctionsHttp(configuration);
        services.AddSingleton(TimeProvider.System);

        var storage = StorageSettings.From(configuration);
        services.AddSingleton(storage);
        services.AddSingleton(_ => storage.CreateTableService());
        services.AddSingleton(sp => storage.CreateQueueService(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(QueueWireFormat))));

        services.AddSingleton<IThreadStore>(sp => new TableThreadStore(sp.GetRequiredService<TableServiceClient>(), storage.TableName("threads")));
        services.AddSingleton<IAssistantStore>(sp => new TableAssistantStore(sp.GetRequiredService<TableServiceClient>(), storage.TableName("assistants")));
        services.AddSingleton<ICheckpointStore>(sp => new TableCheckpointStore(sp.GetRequiredService<TableServiceClient>(), Bind<CheckpointStoreOptions>(configuration, CheckpointStoreOptions.SectionName, o => o.TableName = storage.TableName(o.TableName))));
        services.AddSingleton<IRunStore>(sp => new TableRunStore(sp.GetRequiredService<TableServiceClient>(), storage.TableName("runs")));
        services.AddSingleton<IRunEventLog>(sp => new TableRunEventLog(sp.GetRequiredService<TableServiceClient>(), Bind<RunEventLogOptions>(configuration, RunEventLogOptions.SectionName, o => o.TableName = storage.TableName(o.TableName))));
        services.AddSingleton<IRunScheduler>(sp => new QueueRunScheduler(sp.GetRequiredService<QueueServiceClient>(), storage.QueueName(QueueRunScheduler.DefaultQueueName)));

        services.AddSingleton(_ => new ToolRegistry());
        services.AddSingleton<IChatClientResolver>(sp => new SingleChatClientResolver(CreateModel(configuration)));
        services.AddSingleton(sp => new AgentGraph(sp.GetRequiredService<ICheckpointStore>(), sp.GetRequiredService<IChatClientResolver>(), sp.GetRequiredService<ToolRegistry>(), sp.GetRequiredService<TimeProvider>()));
        var runOptions = Bind<RunExecutorOptions>(configuration, RunExecutorOptions.SectionName);
        services.AddSingleton(runOptions);
        services.AddSingleton(sp => new RunExecutor(
            sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<IThreadStore>(), sp.GetRequiredService<IAssistantStore>(), sp.GetRequiredService<ICheckpointStore>(),
            sp.GetRequiredService<IRunEventLog>(), sp.GetRequiredService<AgentGraph>(), runOptions,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RunExecutor>>()) { CompletionObserver = sp.GetRequiredService<CompactionTrigger>() });
        services.AddSingleton(sp => new Http.Assistants.AssistantLookup(sp.GetRequiredService<IAssistantStore>()));
        services.AddSingleton(sp => new RunWorker(sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<RunExecutor>(), sp.GetRequiredService<TimeProvider>()));
        services.AddCompaction(configuration, storage);
        return services;
    }

    /// <summary>Compaction and retention: the run-end trigger, the <c>compaction</c> queue's handler and the sweep, which both hosts call.</summary>
    private static void AddCompaction(this IServiceCollection services, IConfiguration configuration, StorageSettings storage)
    {
        var options = Bind<CompactionOptions>(configuration, CompactionOptions.SectionName);
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<ICompactionScheduler>(sp => new QueueCompactionScheduler(sp.GetRequiredService<QueueServiceClient>(), storage.QueueName(CompactionOptions.DefaultQueueName)));

        // The table stores implement the compaction and retention interfaces too; a decorated store (tests) gets its own instance.
        services.AddSingleton<ICheckpointCompaction>(sp => sp.GetRequiredService<ICheckpointStore>() as ICheckpointCompaction
            ?? new TableCheckpointStore(sp.GetRequiredService<TableServiceClient>(), Bind<CheckpointStoreOptions>(configuration, CheckpointStoreOptions.SectionName, o => o.TableName = storage.TableName(o.TableName))));
        services.AddSingleton<IThreadRetention>(sp => sp.GetRequiredService<IThreadStore>() as IThreadRetention ?? new TableThreadStore(sp.GetRequiredService<TableServiceClient>(), storage.TableName("threads")));
        services.AddSingleton<IRunRetention>(sp => sp.GetRequiredService<IRunStore>() as IRunRetention ?? new TableRunStore(sp.GetRequiredService<TableServiceClient>(), storage.TableName("runs")));

        services.AddSingleton(sp => new ThreadDeletion(
            sp.GetRequiredService<IThreadStore>(), sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<IRunRetention>(), sp.GetRequiredService<IRunEventLog>(), sp.GetRequiredService<ICheckpointStore>()));
        services.AddSingleton(sp => new CompactionTrigger(
            sp.GetRequiredService<ICheckpointCompaction>(), sp.GetRequiredService<ICompactionScheduler>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CompactionTrigger>>()));
        services.AddSingleton(sp => new CompactionHandler(
            sp.GetRequiredService<ICheckpointStore>(), sp.GetRequiredService<ICheckpointCompaction>(), sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<IAssistantStore>(),
            sp.GetRequiredService<IRunEventLog>(), sp.GetRequiredService<ThreadDeletion>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CompactionHandler>>()));
        services.AddSingleton(sp => new LeaseSweep(
            sp.GetRequiredService<IRunRetention>(), sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<IThreadStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<LeaseSweep>>()));
        services.AddSingleton(sp => new RetentionSweep(
            sp.GetRequiredService<IThreadRetention>(), sp.GetRequiredService<IRunRetention>(), sp.GetRequiredService<IThreadStore>(), sp.GetRequiredService<IRunStore>(),
            sp.GetRequiredService<ICheckpointStore>(), sp.GetRequiredService<ThreadDeletion>(), sp.GetRequiredService<ICompactionScheduler>(), options,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RetentionSweep>>()));
    }

    /// <summary>The queue workers as hosted services (the standalone server; the Functions app uses queue triggers instead).</summary>
    public static IServiceCollection AddAgentFunctionsWorkers(this IServiceCollection services)
    {
        services.AddHostedService<RunQueueWorker>();
        services.AddHostedService<CompactionQueueWorker>();
        services.AddHostedService<RetentionSweepWorker>();
        services.AddHostedService<LeaseSweepWorker>();
        return services;
    }

    private static IChatClient CreateModel(IConfiguration configuration)
    {
        var provider = configuration["Model:Provider"] ?? "offline";
        switch (provider.ToLowerInvariant())
        {
            case "offline":
                return new OfflineChatClient(Bind<OfflineChatClientOptions>(configuration, OfflineChatClientOptions.SectionName));
            case "openai":
                var options = Bind<OpenAIModelOptions>(configuration, OpenAIModelOptions.SectionName);
                return OpenAIChatClientFactory.Create(options, options.UseEntraId ? new DefaultAzureCredential() : null);
            default:
                throw new OptionsValidationException("Model:Provider", typeof(string), [$"Model:Provider is '{provider}'; it must be 'offline' or 'openai'."]);
        }
    }

    private static T Bind<T>(IConfiguration configuration, string section, Action<T>? adjust = null)
        where T : new()
    {
        var value = configuration.GetSection(section).Get<T>() ?? new T();
        adjust?.Invoke(value);
        return value;
    }
}

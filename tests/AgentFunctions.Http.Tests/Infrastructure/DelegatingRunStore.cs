using AgentFunctions.Core.Runs;
using Azure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests;

/// <summary>A run store that passes every call to the real one; a fixture overrides the calls it changes.</summary>
public abstract class DelegatingRunStore(IRunStore inner) : IRunStore
{
    /// <summary>Replaces the server's run store with <paramref name="decorate"/> of it, once every other registration is in place.</summary>
    public static void Decorate(WebApplicationBuilder builder, Func<IRunStore, IRunStore> decorate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Host.UseServiceProviderFactory(new DecoratingFactory(decorate));
    }

    public virtual Task<AgentRun> CreateAsync(AgentRun run, CancellationToken cancellationToken = default) => inner.CreateAsync(run, cancellationToken);

    public virtual Task<AgentRun> CreateHeldAsync(AgentRun run, string executorId, TimeSpan lease, bool threadIsNew = false, CancellationToken cancellationToken = default)
        => inner.CreateHeldAsync(run, executorId, lease, threadIsNew, cancellationToken);

    public virtual Task<AgentRun?> GetAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
        => inner.GetAsync(ownerId, threadId, runId, cancellationToken);

    public virtual AsyncPageable<AgentRun> ListAsync(string ownerId, string threadId, RunStatus? status = null, CancellationToken cancellationToken = default)
        => inner.ListAsync(ownerId, threadId, status, cancellationToken);

    public virtual Task<AgentRun?> TryAcquireAsync(string ownerId, string threadId, string runId, string executorId, TimeSpan lease, CancellationToken cancellationToken = default)
        => inner.TryAcquireAsync(ownerId, threadId, runId, executorId, lease, cancellationToken);

    public virtual Task<AgentRun> RenewLeaseAsync(AgentRun run, TimeSpan lease, CancellationToken cancellationToken = default)
        => inner.RenewLeaseAsync(run, lease, cancellationToken);

    public virtual Task<AgentRun> CompleteAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
        => inner.CompleteAsync(run, status, errorMessage, cancellationToken);

    public virtual Task<RunCompletion> CompleteAndFindNextAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
        => inner.CompleteAndFindNextAsync(run, status, errorMessage, cancellationToken);

    public virtual Task<AgentRun?> RequestCancelAsync(string ownerId, string threadId, string runId, CancelAction action, CancellationToken cancellationToken = default)
        => inner.RequestCancelAsync(ownerId, threadId, runId, action, cancellationToken);

    public virtual Task<AgentRun?> GetActiveAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
        => inner.GetActiveAsync(ownerId, threadId, cancellationToken);

    public virtual Task<bool> DeleteAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
        => inner.DeleteAsync(ownerId, threadId, runId, cancellationToken);

    private sealed class DecoratingFactory(Func<IRunStore, IRunStore> decorate) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
        {
            var registered = containerBuilder.Last(d => d.ServiceType == typeof(IRunStore));
            containerBuilder.Remove(registered);
            containerBuilder.AddSingleton(sp => decorate((IRunStore)registered.ImplementationFactory!(sp)));
            return containerBuilder.BuildServiceProvider();
        }
    }
}

using AgentFunctions.Core.Runs;
using Azure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>
/// The server whose run store takes <see cref="DeleteDelay"/> to delete a run, so that the moment between
/// a rolled-back run's end (interrupted) and its deletion by the executor is long enough to be seen.
/// </summary>
public sealed class SlowRunDeleteServerFixture : ServerFixture
{
    public static readonly TimeSpan DeleteDelay = TimeSpan.FromSeconds(1.5);

    protected override void Configure(WebApplicationBuilder builder)
        => builder.Host.UseServiceProviderFactory(new DecoratingFactory());

    /// <summary>Wraps the registered run store once every other registration is in place.</summary>
    private sealed class DecoratingFactory : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
        {
            var registered = containerBuilder.Last(d => d.ServiceType == typeof(IRunStore));
            containerBuilder.Remove(registered);
            containerBuilder.AddSingleton<IRunStore>(sp => new SlowDeleteRunStore((IRunStore)registered.ImplementationFactory!(sp)));
            return containerBuilder.BuildServiceProvider();
        }
    }

    private sealed class SlowDeleteRunStore(IRunStore inner) : IRunStore
    {
        public Task<AgentRun> CreateAsync(AgentRun run, CancellationToken cancellationToken = default) => inner.CreateAsync(run, cancellationToken);

        public Task<AgentRun?> GetAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
            => inner.GetAsync(ownerId, threadId, runId, cancellationToken);

        public AsyncPageable<AgentRun> ListAsync(string ownerId, string threadId, RunStatus? status = null, CancellationToken cancellationToken = default)
            => inner.ListAsync(ownerId, threadId, status, cancellationToken);

        public Task<AgentRun?> TryAcquireAsync(string ownerId, string threadId, string runId, string executorId, TimeSpan lease, CancellationToken cancellationToken = default)
            => inner.TryAcquireAsync(ownerId, threadId, runId, executorId, lease, cancellationToken);

        public Task<AgentRun> RenewLeaseAsync(AgentRun run, TimeSpan lease, CancellationToken cancellationToken = default)
            => inner.RenewLeaseAsync(run, lease, cancellationToken);

        public Task<AgentRun> CompleteAsync(AgentRun run, RunStatus status, string? errorMessage = null, CancellationToken cancellationToken = default)
            => inner.CompleteAsync(run, status, errorMessage, cancellationToken);

        public Task<AgentRun?> RequestCancelAsync(string ownerId, string threadId, string runId, CancelAction action, CancellationToken cancellationToken = default)
            => inner.RequestCancelAsync(ownerId, threadId, runId, action, cancellationToken);

        public Task<AgentRun?> GetActiveAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
            => inner.GetActiveAsync(ownerId, threadId, cancellationToken);

        public async Task<bool> DeleteAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
        {
            await Task.Delay(DeleteDelay, cancellationToken);
            return await inner.DeleteAsync(ownerId, threadId, runId, cancellationToken);
        }
    }
}

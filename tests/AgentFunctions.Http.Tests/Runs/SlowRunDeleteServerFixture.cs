using AgentFunctions.Core.Runs;
using Microsoft.AspNetCore.Builder;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>
/// The server whose run store takes <see cref="DeleteDelay"/> to delete a run, so that the moment between
/// a rolled-back run's end (interrupted) and its deletion by the executor is long enough to be seen.
/// </summary>
public sealed class SlowRunDeleteServerFixture : ServerFixture
{
    public static readonly TimeSpan DeleteDelay = TimeSpan.FromSeconds(1.5);

    protected override void Configure(WebApplicationBuilder builder)
        => DelegatingRunStore.Decorate(builder, inner => new SlowDeleteRunStore(inner));

    private sealed class SlowDeleteRunStore(IRunStore inner) : DelegatingRunStore(inner)
    {
        public override async Task<bool> DeleteAsync(string ownerId, string threadId, string runId, CancellationToken cancellationToken = default)
        {
            await Task.Delay(DeleteDelay, cancellationToken);
            return await base.DeleteAsync(ownerId, threadId, runId, cancellationToken);
        }
    }
}

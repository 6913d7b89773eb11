using System.Collections.Concurrent;
using AgentFunctions.Core.Runs;
using Azure;
using Microsoft.AspNetCore.Builder;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>
/// The server whose run store, on the first read of a thread's runs (the active run, or the list) after
/// <see cref="AfterNextRead"/>, does something (creates a run) before it answers: a run created at the worst moment
/// for whoever reads, made to happen every time.
/// </summary>
public sealed class JoinRaceServerFixture : ServerFixture
{
    private readonly ConcurrentDictionary<string, Func<Task>> _afterRead = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="action"/> once, right after the next read of <paramref name="threadId"/>'s runs.</summary>
    public void AfterNextRead(string threadId, Func<Task> action) => _afterRead[threadId] = action;

    protected override void Configure(WebApplicationBuilder builder)
        => DelegatingRunStore.Decorate(builder, inner => new RacingRunStore(inner, this));

    private Task AfterReadAsync(string threadId)
        => _afterRead.TryRemove(threadId, out var action) ? action() : Task.CompletedTask;

    private sealed class RacingRunStore(IRunStore inner, JoinRaceServerFixture fixture) : DelegatingRunStore(inner)
    {
        public override async Task<AgentRun?> GetActiveAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
        {
            var active = await base.GetActiveAsync(ownerId, threadId, cancellationToken);
            await fixture.AfterReadAsync(threadId);
            return active;
        }

        public override AsyncPageable<AgentRun> ListAsync(string ownerId, string threadId, RunStatus? status = null, CancellationToken cancellationToken = default)
            => new AfterFirstPage(base.ListAsync(ownerId, threadId, status, cancellationToken), () => fixture.AfterReadAsync(threadId));
    }

    private sealed class AfterFirstPage(AsyncPageable<AgentRun> inner, Func<Task> afterFirst) : AsyncPageable<AgentRun>
    {
        public override async IAsyncEnumerable<Page<AgentRun>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            var first = true;
            await foreach (var page in inner.AsPages(continuationToken, pageSizeHint))
            {
                if (first)
                {
                    first = false;
                    await afterFirst();
                }

                yield return page;
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Server;
using Azure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.State;

/// <summary>
/// The real server whose checkpoint store counts the history pages it reads and notes when a reader
/// lets go of a history, so that a test can see the server stop reading when its client goes away.
/// </summary>
public sealed class CountingServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    /// <summary>What the server read of each thread's history: pages, and whether it has let go.</summary>
    public ConcurrentDictionary<string, HistoryReads> Reads { get; } = new();

    public async Task InitializeAsync()
    {
        var connection = Environment.GetEnvironmentVariable(ServerFixture.StorageVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{ServerFixture.StorageVariable} is not set. Run the tests with eng/test.sh, which starts Azurite.");
        _app = ServerApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new("urls", "http://127.0.0.1:0"),
                new("Storage:ConnectionString", connection),
                new("Storage:Prefix", "t" + Guid.NewGuid().ToString("N")[..10]),
            ]);
            builder.Host.UseServiceProviderFactory(new DecoratingFactory(this));
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Wraps the registered checkpoint store once every other registration is in place.</summary>
    private sealed class DecoratingFactory(CountingServerFixture fixture) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
        {
            var registered = containerBuilder.Last(d => d.ServiceType == typeof(ICheckpointStore));
            containerBuilder.Remove(registered);
            containerBuilder.AddSingleton<ICheckpointStore>(sp => new CountingCheckpointStore((ICheckpointStore)registered.ImplementationFactory!(sp), fixture.Reads));
            return containerBuilder.BuildServiceProvider();
        }
    }
}

/// <summary>How much of one thread's history the server read.</summary>
public sealed class HistoryReads
{
    private int _pages;
    private int _valuePages;

    public int Pages => Volatile.Read(ref _pages);

    /// <summary>The pages read with values (states), apart from summaries.</summary>
    public int ValuePages => Volatile.Read(ref _valuePages);

    /// <summary>Completes when a reader of the history let go of it (finished, stopped or failed).</summary>
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a reader of the history with values let go of it.</summary>
    public TaskCompletionSource ValuesReleased { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void PageRead(bool values)
    {
        Interlocked.Increment(ref _pages);
        if (values)
        {
            Interlocked.Increment(ref _valuePages);
        }
    }
}

internal sealed class CountingCheckpointStore(ICheckpointStore inner, ConcurrentDictionary<string, HistoryReads> reads) : ICheckpointStore
{
    public Task<CheckpointSummary> PutAsync(CheckpointWrite write, CancellationToken cancellationToken = default) => inner.PutAsync(write, cancellationToken);

    public Task<Checkpoint?> GetLatestAsync(string ownerId, string threadId, CancellationToken cancellationToken = default) => inner.GetLatestAsync(ownerId, threadId, cancellationToken);

    public Task<Checkpoint?> GetAsync(string ownerId, string threadId, string checkpointId, CancellationToken cancellationToken = default)
        => inner.GetAsync(ownerId, threadId, checkpointId, cancellationToken);

    public AsyncPageable<Checkpoint> GetCheckpointsAsync(
        string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
        => new CountingPageable<Checkpoint>(inner.GetCheckpointsAsync(ownerId, threadId, before, metadataFilter, pageSizeHint, cancellationToken), reads.GetOrAdd(threadId, _ => new HistoryReads()));

    public AsyncPageable<CheckpointSummary> GetCheckpointSummariesAsync(
        string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
        => new CountingPageable<CheckpointSummary>(inner.GetCheckpointSummariesAsync(ownerId, threadId, before, metadataFilter, pageSizeHint, cancellationToken), reads.GetOrAdd(threadId, _ => new HistoryReads()));

    public Task<int> DeleteAfterAsync(string ownerId, string threadId, string? checkpointId, CancellationToken cancellationToken = default)
        => inner.DeleteAfterAsync(ownerId, threadId, checkpointId, cancellationToken);

    public Task DeleteThreadAsync(string ownerId, string threadId, CancellationToken cancellationToken = default) => inner.DeleteThreadAsync(ownerId, threadId, cancellationToken);

    public Task<long> CopyThreadAsync(string ownerId, string threadId, string targetThreadId, CancellationToken cancellationToken = default)
        => inner.CopyThreadAsync(ownerId, threadId, targetThreadId, cancellationToken);

    private sealed class CountingPageable<T>(AsyncPageable<T> inner, HistoryReads reads) : AsyncPageable<T>
        where T : notnull
    {
        public override IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
            => ReadAsync(continuationToken, pageSizeHint);

        private async IAsyncEnumerable<Page<T>> ReadAsync(string? continuationToken, int? pageSizeHint, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                await foreach (var page in inner.AsPages(continuationToken, pageSizeHint).WithCancellation(cancellationToken))
                {
                    reads.PageRead(values: typeof(T) == typeof(Checkpoint));
                    yield return page;
                }
            }
            finally
            {
                reads.Released.TrySetResult();
                if (typeof(T) == typeof(Checkpoint))
                {
                    reads.ValuesReleased.TrySetResult();
                }
            }
        }
    }
}

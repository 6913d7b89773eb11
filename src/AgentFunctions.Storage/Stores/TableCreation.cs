using Azure.Data.Tables;

namespace AgentFunctions.Storage.Stores;

/// <summary>
/// Creates a store's table once, on first use: concurrent callers share one request, a success is
/// remembered for the life of the store, and a failure is not (the next caller tries again). A caller's
/// cancellation stops its wait, not the shared request. <paramref name="then"/>, when given, is part of that first use:
/// it runs once the table is there, and its failure is a failure of the whole (tried again by the next caller).
/// </summary>
internal sealed class TableCreation(TableClient table, Func<Task>? then = null)
{
    private readonly Lock _lock = new();
    private volatile Task? _creation;

    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var creation = _creation;
        if (creation is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            creation = _creation;
            if (creation is null || creation.IsFaulted || creation.IsCanceled)
            {
                creation = CreateAsync();
                _creation = creation;
            }
        }

        return creation.WaitAsync(cancellationToken);
    }

    private async Task CreateAsync()
    {
        await Task.Yield();
        using (StorageTracingPolicy.NameResource(table.Name)) // POST /Tables does not name it
        {
            await table.CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (then is not null)
        {
            await then().ConfigureAwait(false);
        }
    }
}

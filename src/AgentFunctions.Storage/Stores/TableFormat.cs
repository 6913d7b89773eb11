using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Stores;

/// <summary>
/// Whether a table holds only rows of this version's key layout, so that its store can use keys that earlier versions
/// did not write. A table without any row at its store's first use gets a marker row (partition <see cref="Partition"/>,
/// row key the store's <c>marker</c>); a table that already held rows of an earlier version never does, and its store
/// keeps the earlier layout. Every process of this version marks the table before it writes a row to it.
/// </summary>
internal static class TableFormat
{
    /// <summary>The markers' partition (no owner or thread key starts with <c>~</c>).</summary>
    public const string Partition = "~";

    /// <summary>Whether <paramref name="table"/> is in this version's layout; marks it when it is empty.</summary>
    public static async Task<bool> IsCurrentAsync(TableClient table, string marker)
    {
        if (await IsMarkedAsync(table, marker).ConfigureAwait(false))
        {
            return true;
        }

        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["RowKey"], maxPerPage: 1).ConfigureAwait(false))
        {
            // Rows: an earlier version's, unless another process of this version marked the table before writing them.
            return await IsMarkedAsync(table, marker).ConfigureAwait(false);
        }

        try
        {
            await table.AddEntityAsync(new TableEntity(Partition, marker)).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another process marked it first.
        }

        return true;
    }

    private static async Task<bool> IsMarkedAsync(TableClient table, string marker)
        => (await table.GetEntityIfExistsAsync<TableEntity>(Partition, marker, select: ["RowKey"]).ConfigureAwait(false)).HasValue;
}

using System.Globalization;
using AgentFunctions.Core.Paging;
using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Stores;

/// <summary>
/// A search over one or more table filters, read one after the other as one lazy pageable, whose
/// entities are mapped and filtered further on the client (a page may so come back with fewer
/// items; empty pages that are not the last are skipped by <see cref="AsyncPageables"/>). Its
/// continuation tokens name the filter and the service's position within it.
/// </summary>
internal static class FilteredQuery
{
    private const char Separator = '.';

    /// <param name="table">The table to query.</param>
    /// <param name="filters">The filters, each built with <see cref="TableClient.CreateQueryFilter(FormattableString)"/>, read in this order.</param>
    /// <param name="select">Maps an entity to a result, or to null to leave it out.</param>
    /// <param name="beforeRequest">Awaited before each page is requested (to create the table on first use).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public static AsyncPageable<TResult> Create<TEntity, TResult>(
        TableClient table,
        IReadOnlyList<string> filters,
        Func<TEntity, TResult?> select,
        Func<CancellationToken, Task> beforeRequest,
        CancellationToken cancellationToken)
        where TEntity : ITableRow<TEntity>
        where TResult : class
    {
        if (filters.Count == 0)
        {
            throw new ArgumentException("A query needs at least one filter.", nameof(filters));
        }

        return AsyncPageables.Create<TResult>(
            async (continuationToken, pageSizeHint, ct) =>
            {
                var (index, serviceToken) = Decode(continuationToken, filters.Count);
                await beforeRequest(ct).ConfigureAwait(false);
                var page = await TableRows.FirstPageAsync(table.QueryAsync<TableEntity>(filters[index], cancellationToken: ct), serviceToken, pageSizeHint).ConfigureAwait(false);

                var values = new List<TResult>(page.Values.Count);
                foreach (var entity in page.Values)
                {
                    if (select(entity.ToRow<TEntity>()) is { } result)
                    {
                        values.Add(result);
                    }
                }

                var next = page.ContinuationToken is { } token ? Encode(index, token)
                    : index + 1 < filters.Count ? Encode(index + 1, null)
                    : null;
                return Page<TResult>.FromValues(values, next, page.GetRawResponse());
            },
            cancellationToken);
    }

    private static string Encode(int index, string? serviceToken)
        => index.ToString(CultureInfo.InvariantCulture) + Separator + serviceToken;

    private static (int Index, string? ServiceToken) Decode(string? continuationToken, int filterCount)
    {
        if (continuationToken is null)
        {
            return (0, null);
        }

        var separator = continuationToken.IndexOf(Separator, StringComparison.Ordinal);
        if (separator is < 1 or > 4
            || !int.TryParse(continuationToken.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index >= filterCount)
        {
            throw new ArgumentException("The continuation token is not valid for this query.", nameof(continuationToken));
        }

        var serviceToken = continuationToken[(separator + 1)..];
        return (index, serviceToken.Length == 0 ? null : serviceToken);
    }
}

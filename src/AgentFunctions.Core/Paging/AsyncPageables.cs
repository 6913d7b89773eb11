using System.Runtime.CompilerServices;
using Azure;

namespace AgentFunctions.Core.Paging;

/// <summary>Reads one page: the continuation token to start from (null for the first page), a page size hint, cancellation.</summary>
public delegate Task<Page<T>> PageReader<T>(string? continuationToken, int? pageSizeHint, CancellationToken cancellationToken)
    where T : notnull;

/// <summary>Builds lazy <see cref="AsyncPageable{T}"/>s from a function that reads one page.</summary>
public static class AsyncPageables
{
    /// <summary>
    /// A pageable that reads nothing until it is enumerated, reads each page only when the consumer
    /// reaches it, and stops when the consumer stops. Empty pages that carry a continuation token are
    /// followed transparently, so a consumer never sees an empty page that is not the last one.
    /// </summary>
    public static AsyncPageable<T> Create<T>(PageReader<T> readPage, CancellationToken cancellationToken = default)
        where T : notnull
        => new FuncAsyncPageable<T>(readPage, cancellationToken);

    /// <summary>Maps every item of a pageable, page by page, keeping its continuation tokens.</summary>
    public static AsyncPageable<TResult> Select<TSource, TResult>(this AsyncPageable<TSource> source, Func<TSource, TResult> selector)
        where TSource : notnull
        where TResult : notnull
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(selector);
        return new SelectAsyncPageable<TSource, TResult>(source, selector);
    }

    private sealed class FuncAsyncPageable<T>(PageReader<T> readPage, CancellationToken cancellationToken) : AsyncPageable<T>(cancellationToken)
        where T : notnull
    {
        public override IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
            => ReadPagesAsync(continuationToken, pageSizeHint, CancellationToken);

        private async IAsyncEnumerable<Page<T>> ReadPagesAsync(
            string? continuationToken, int? pageSizeHint, [EnumeratorCancellation] CancellationToken enumeratorCancellation = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, enumeratorCancellation);
            var token = continuationToken;
            do
            {
                var page = await readPage(token, pageSizeHint, linked.Token).ConfigureAwait(false);
                token = page.ContinuationToken;
                if (page.Values.Count > 0 || token is null)
                {
                    yield return page;
                }
            }
            while (token is not null);
        }
    }

    private sealed class SelectAsyncPageable<TSource, TResult>(AsyncPageable<TSource> source, Func<TSource, TResult> selector) : AsyncPageable<TResult>
        where TSource : notnull
        where TResult : notnull
    {
        public override async IAsyncEnumerable<Page<TResult>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            await foreach (var page in source.AsPages(continuationToken, pageSizeHint).ConfigureAwait(false))
            {
                yield return Page<TResult>.FromValues(page.Values.Select(selector).ToList(), page.ContinuationToken, page.GetRawResponse());
            }
        }
    }
}

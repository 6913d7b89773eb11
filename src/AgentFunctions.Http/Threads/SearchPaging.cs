using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using Azure;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Threads;

/// <summary>
/// The paging of LangGraph's search endpoints (<c>limit</c>, <c>offset</c>, <c>select</c>) over a lazy
/// store query: the items before <c>offset</c> are skipped as they stream by, one item past the page is
/// read to know whether there are more, and nothing further is fetched.
/// </summary>
internal static class SearchPaging
{
    /// <summary>LangGraph's default page size.</summary>
    public const int DefaultLimit = 10;

    /// <summary>LangGraph's largest page size.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The response header LangGraph sets when there is a next page: the offset it starts at.</summary>
    public const string NextHeader = "X-Pagination-Next";

    // The Table service returns at most 1000 entities per request.
    private const int MaxPageSizeHint = 1000;

    /// <summary><c>limit</c> (1 to 1000, default 10) and <c>offset</c> (0 or more, default 0) of a search body; 422 otherwise.</summary>
    public static (int Limit, int Offset) ReadLimitOffset(JsonElement body)
        => (body.OptionalInt("limit", 1, MaxLimit) ?? DefaultLimit, body.OptionalInt("offset", 0, int.MaxValue) ?? 0);

    /// <summary>
    /// The fields a search body's <c>select</c> names (null: every field), each one of <paramref name="fields"/>; 422 otherwise.
    /// </summary>
    public static HashSet<string>? ReadSelect(JsonElement body, IReadOnlyCollection<string> fields)
    {
        if (body.Optional("select") is not { } select)
        {
            return null;
        }

        var names = RequestJson.StringArray(select, "$.select");
        for (var i = 0; i < names.Count; i++)
        {
            if (!fields.Contains(names[i]))
            {
                throw new ApiProblemException(ApiProblem.Unprocessable($"$.select[{i}]", $"must be one of {string.Join(", ", fields)}"));
            }
        }

        return [.. names];
    }

    /// <summary>
    /// The items of <paramref name="source"/> from <paramref name="offset"/> on, at most <paramref name="limit"/>
    /// of them, and whether more follow. The source is enumerated only as far as that takes.
    /// </summary>
    public static async Task<(List<T> Items, bool HasMore)> ReadPageAsync<T>(IAsyncEnumerable<T> source, int offset, int limit, CancellationToken cancellationToken)
    {
        var items = new List<T>(Math.Min(limit, 100));
        var skipped = 0;
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (skipped < offset)
            {
                skipped++;
                continue;
            }

            if (items.Count == limit)
            {
                return (items, true);
            }

            items.Add(item);
        }

        return (items, false);
    }

    /// <summary>The items of a pageable, read in pages sized for a search that needs <paramref name="needed"/> items.</summary>
    public static async IAsyncEnumerable<T> Items<T>(AsyncPageable<T> source, long needed, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : notnull
    {
        var hint = (int)Math.Clamp(needed, 1, MaxPageSizeHint);
        await foreach (var page in source.AsPages(null, hint).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Values)
            {
                yield return item;
            }
        }
    }

    /// <summary>Sets <see cref="NextHeader"/> when a page is followed by more items.</summary>
    public static void SetNextHeader(HttpResponse response, int offset, int count, bool hasMore)
    {
        if (hasMore)
        {
            response.Headers[NextHeader] = (offset + (long)count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

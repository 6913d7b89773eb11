using System.Text.Json;
using AgentFunctions.Core.Items;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using AgentFunctions.Http.Threads;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Items;

/// <summary>
/// The store routes, as LangGraph Platform serves them (<c>client.store</c> in its SDKs): put, get and delete an
/// item, search items under a namespace prefix, list namespaces. A caller reaches only its own items. Semantic
/// search (<c>query</c>, an <c>index</c> list) is not offered and is refused with a 422 rather than ignored.
/// </summary>
public static class StoreHandlers
{
    private const int DefaultNamespaceLimit = 100;

    /// <summary><c>PUT /store/items</c>: <c>{namespace, key, value, index?, ttl?}</c> → 204.</summary>
    public static async Task<IResult> PutAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var itemNamespace = ReadNamespace(body, "namespace", allowEmpty: false);
        var key = ReadKey(body);
        var value = body.Optional("value") is { ValueKind: JsonValueKind.Object } v ? v : throw Invalid("$.value", "must be an object");
        if (body.Optional("index") is { } index && index.ValueKind != JsonValueKind.False)
        {
            throw Invalid("$.index", "is not supported: this server has no semantic index (leave it out, or pass false)");
        }

        var ttl = body.Optional("ttl") is not { } t ? (double?)null
            : t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var minutes) ? minutes
            : throw Invalid("$.ttl", "must be a number of minutes or null");
        if (StoreNamespaces.TtlProblem(ttl) is { } ttlProblem)
        {
            throw Invalid("$.ttl", ttlProblem);
        }

        var store = context.RequestServices.GetRequiredService<IItemStore>();
        await KeyedAsync(() => store.PutAsync(owner, itemNamespace, key, value, ttl, cancellationToken)).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary><c>GET /store/items?namespace=a.b&amp;key=k&amp;refresh_ttl=true</c> → the item, or <c>null</c> when there is none.</summary>
    public static async Task<IResult> GetAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var query = context.Request.Query;
        var text = query["namespace"].ToString();
        IReadOnlyList<string> itemNamespace = text.Length == 0 ? [] : text.Split('.');
        if (StoreNamespaces.Problem(itemNamespace) is { } problem)
        {
            throw Invalid("namespace", $"(the labels joined by '.') {problem}");
        }

        var key = query["key"].ToString();
        if (StoreNamespaces.KeyProblem(key) is { } keyProblem)
        {
            throw Invalid("key", keyProblem);
        }

        var refresh = query["refresh_ttl"].ToString() switch
        {
            "" or "true" or "True" => true,
            "false" or "False" => false,
            _ => throw Invalid("refresh_ttl", "must be true or false"),
        };

        var store = context.RequestServices.GetRequiredService<IItemStore>();
        var item = await KeyedAsync(() => store.GetAsync(owner, itemNamespace, key, refresh, context.RequestAborted)).ConfigureAwait(false);
        return item is null ? Results.Text("null", "application/json") : TypedResults.Json(StoreJson.Item(item, withScore: false));
    }

    /// <summary><c>DELETE /store/items</c>: <c>{namespace, key}</c> → 204, whether or not there was such an item.</summary>
    public static async Task<IResult> DeleteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var itemNamespace = ReadNamespace(body, "namespace", allowEmpty: false);
        var key = ReadKey(body);
        var store = context.RequestServices.GetRequiredService<IItemStore>();
        await KeyedAsync(() => store.DeleteAsync(owner, itemNamespace, key, cancellationToken)).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>POST /store/items/search</c>: <c>{namespace_prefix?, filter?, limit?, offset?, query?, refresh_ttl?}</c> →
    /// <c>{items: [...]}</c>, in namespace then key order. <c>X-Pagination-Next</c> is set when more follow.
    /// </summary>
    public static async Task<IResult> SearchAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var prefix = ReadNamespace(body, "namespace_prefix", allowEmpty: true);
        var filter = body.OptionalObject("filter");
        if (body.OptionalString("query") is { Length: > 0 })
        {
            throw Invalid("$.query", "is not supported: this server has no semantic search (search by namespace_prefix and filter instead)");
        }

        if (body.Optional("refresh_ttl") is { } refresh && refresh.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw Invalid("$.refresh_ttl", "must be true or false");
        }

        var (limit, offset) = SearchPaging.ReadLimitOffset(body);
        var store = context.RequestServices.GetRequiredService<IItemStore>();
        var items = Keyed(() => store.SearchAsync(owner, new ItemSearchQuery { NamespacePrefix = prefix, Filter = filter }, cancellationToken));
        var (page, hasMore) = await SearchPaging.ReadPageAsync(SearchPaging.Items(items, (long)offset + limit + 1, cancellationToken), offset, limit, cancellationToken).ConfigureAwait(false);
        SearchPaging.SetNextHeader(context.Response, offset, page.Count, hasMore);
        return TypedResults.Json(StoreJson.Items(page));
    }

    /// <summary><c>POST /store/namespaces</c>: <c>{prefix?, suffix?, max_depth?, limit?, offset?}</c> → <c>{namespaces: [[...]]}</c>.</summary>
    public static async Task<IResult> ListNamespacesAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var query = new NamespaceQuery
        {
            Prefix = ReadNamespace(body, "prefix", allowEmpty: true),
            Suffix = ReadNamespace(body, "suffix", allowEmpty: true),
            MaxDepth = body.OptionalInt("max_depth", 1, StoreNamespaces.MaxDepth),
        };
        var limit = body.OptionalInt("limit", 1, SearchPaging.MaxLimit) ?? DefaultNamespaceLimit;
        var offset = body.OptionalInt("offset", 0, int.MaxValue) ?? 0;
        var store = context.RequestServices.GetRequiredService<IItemStore>();
        var (page, hasMore) = await SearchPaging.ReadPageAsync(store.ListNamespacesAsync(owner, query, cancellationToken), offset, limit, cancellationToken).ConfigureAwait(false);
        SearchPaging.SetNextHeader(context.Response, offset, page.Count, hasMore);
        return TypedResults.Json(StoreJson.Namespaces(page));
    }

    private static List<string> ReadNamespace(JsonElement body, string name, bool allowEmpty)
    {
        var path = "$." + name;
        if (body.Optional(name) is not { } value)
        {
            return allowEmpty ? [] : throw Invalid(path, "is required: an array of strings");
        }

        var labels = RequestJson.StringArray(value, path);
        return StoreNamespaces.Problem(labels, allowEmpty) is { } problem ? throw Invalid(path, problem) : labels;
    }

    private static string ReadKey(JsonElement body)
    {
        var key = body.OptionalString("key");
        return StoreNamespaces.KeyProblem(key) is { } problem ? throw Invalid("$.key", problem) : key!;
    }

    /// <summary>A namespace and key too long together for a storage key are the client's mistake (422).</summary>
    private static async Task<T> KeyedAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw Invalid("$", e.Message);
        }
    }

    private static T Keyed<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw Invalid("$", e.Message);
        }
    }

    private static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));
}

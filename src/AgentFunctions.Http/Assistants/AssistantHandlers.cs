using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Tools;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using AgentFunctions.Http.Threads;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// The assistants routes, as LangGraph Platform serves them: create, get, patch, delete, search, and the
/// graph's drawing and schemas. The <c>agent</c> graph's default assistant (<see cref="AssistantLookup"/>)
/// is found by its id or by <c>agent</c>, appears in searches, and cannot be changed or deleted. A caller
/// reaches only its own assistants; any other id is not found.
/// </summary>
public static class AssistantHandlers
{
    private const string RaiseOnConflict = "raise";
    private const string ReturnExisting = "do_nothing";

    // LangGraph names an assistant created without a name so.
    private const string DefaultName = "Untitled";

    // A read-modify-write that keeps losing to concurrent writers gives up with a 409 after this many tries.
    private const int UpdateAttempts = 3;

    private const string IdRule = "must be 1 to 128 letters, digits, '-', '_', '.' or ':'";

    /// <summary>
    /// <c>POST /assistants</c>: <c>{graph_id, assistant_id?, config?, context?, metadata?, name?,
    /// description?, if_exists?}</c> → the assistant.
    /// </summary>
    public static async Task<IResult> CreateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);

        var graphId = ReadGraphId(body) ?? throw Invalid("$.graph_id", "is required");
        var assistantId = body.OptionalString("assistant_id") is { } given
            ? ResourceIds.IsValid(given) ? given : throw Invalid("$.assistant_id", IdRule)
            : ResourceIds.New();
        var config = ReadConfig(body, services) ?? JsonObjects.Empty;
        var assistantContext = body.OptionalObject("context") ?? JsonObjects.Empty;
        var metadata = body.OptionalObject("metadata") ?? JsonObjects.Empty;
        var name = body.OptionalString("name") ?? DefaultName;
        var description = body.OptionalString("description");
        var ifExists = SearchPaging.ReadEnum(body, "if_exists", RaiseOnConflict, ReturnExisting) ?? RaiseOnConflict;

        if (AssistantLookup.IsDefault(assistantId))
        {
            return ifExists == ReturnExisting
                ? TypedResults.Json(AssistantJson.Build(AssistantLookup.Default(owner)))
                : throw new ApiProblemException(ApiProblem.Conflict($"Assistant {assistantId} already exists (it is the default assistant of the agent graph)."));
        }

        var store = services.GetRequiredService<IAssistantStore>();
        if (ifExists == ReturnExisting && await store.GetAsync(owner, assistantId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return TypedResults.Json(AssistantJson.Build(existing));
        }

        var assistant = new Assistant
        {
            AssistantId = assistantId,
            OwnerId = owner,
            GraphId = graphId,
            Name = name,
            Description = description,
            Config = config,
            Context = assistantContext,
            Metadata = metadata,
        };
        try
        {
            return TypedResults.Json(AssistantJson.Build(await store.CreateAsync(assistant, cancellationToken).ConfigureAwait(false)));
        }
        catch (StoreConflictException) when (ifExists == ReturnExisting)
        {
            // Created by someone else between the read and the write: return theirs, as asked.
            var raced = await store.GetAsync(owner, assistantId, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiProblemException(ApiProblem.Conflict("The assistant was created and deleted while this request ran; try again."));
            return TypedResults.Json(AssistantJson.Build(raced));
        }
        catch (StoreConflictException)
        {
            throw new ApiProblemException(ApiProblem.Conflict($"Assistant {assistantId} already exists."));
        }
    }

    /// <summary><c>GET /assistants/{assistant_id}</c>: the assistant (the default one for <c>agent</c> or its id).</summary>
    public static async Task<IResult> GetAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var assistant = await FindAsync(context, assistantId).ConfigureAwait(false);
        return TypedResults.Json(AssistantJson.Build(assistant));
    }

    /// <summary>
    /// <c>PATCH /assistants/{assistant_id}</c>: <c>{graph_id?, config?, context?, metadata?, name?,
    /// description?}</c> → the assistant's next version. Given values replace the stored ones, except
    /// metadata, which is merged into the stored metadata.
    /// </summary>
    public static async Task<IResult> PatchAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        if (AssistantLookup.IsDefault(assistantId))
        {
            throw new ApiProblemException(ApiProblem.Conflict("The default assistant of the agent graph cannot be changed; create an assistant with the config you need."));
        }

        NotFoundUnlessValid(assistantId);
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var graphId = ReadGraphId(body);
        var config = ReadConfig(body, services);
        var assistantContext = body.OptionalObject("context");
        var metadata = body.OptionalObject("metadata");
        var name = body.OptionalString("name");
        var description = body.OptionalString("description");

        var store = services.GetRequiredService<IAssistantStore>();
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(owner, assistantId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(assistantId);
            var changed = current with
            {
                GraphId = graphId ?? current.GraphId,
                Config = config ?? current.Config,
                Context = assistantContext ?? current.Context,
                Metadata = metadata is { } m ? MetadataPatch.Merge(current.Metadata, m) : current.Metadata,
                Name = name ?? current.Name,
                Description = description ?? current.Description,
            };
            try
            {
                var updated = await store.UpdateAsync(changed, current.ETag, cancellationToken).ConfigureAwait(false) ?? throw NotFound(assistantId);
                return TypedResults.Json(AssistantJson.Build(updated));
            }
            catch (StoreConflictException) when (attempt < UpdateAttempts)
            {
                // Changed since it was read: apply the patch to the newer version.
            }
        }
    }

    /// <summary>
    /// <c>POST /assistants/{assistant_id}/versions</c>: <c>{metadata?, limit?, offset?}</c> → the assistant's versions,
    /// newest first (each create and update keeps one). An assistant stored before versions were kept lists its current one.
    /// </summary>
    public static async Task<IResult> ListVersionsAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var metadata = body.OptionalObject("metadata");
        var (limit, offset) = SearchPaging.ReadLimitOffset(body);
        var current = await FindAsync(context, assistantId).ConfigureAwait(false);

        var versions = new List<Assistant>();
        if (!AssistantLookup.IsDefault(assistantId))
        {
            await foreach (var version in context.RequestServices.GetRequiredService<IAssistantStore>()
                .ListVersionsAsync(current.OwnerId, current.AssistantId, cancellationToken).ConfigureAwait(false))
            {
                versions.Add(version);
            }
        }

        if (versions.Count == 0)
        {
            versions.Add(current);
        }

        var page = versions.Where(v => metadata is not { } m || JsonObjects.Matches(v.Metadata, m)).Skip(offset).Take(limit);
        return TypedResults.Json(WireJson.Build(w =>
        {
            w.WriteStartArray();
            foreach (var version in page)
            {
                AssistantJson.Write(w, version, select: null);
            }

            w.WriteEndArray();
        }));
    }

    /// <summary><c>POST /assistants/{assistant_id}/latest</c>: <c>{version}</c> → the assistant with that kept version made its current one.</summary>
    public static async Task<IResult> SetLatestAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var version = body.OptionalInt("version", 1, int.MaxValue)
            ?? throw Invalid("$.version", "is required: the version to make the latest");
        var current = await FindAsync(context, assistantId).ConfigureAwait(false);
        if (AssistantLookup.IsDefault(assistantId) || current.Version == version)
        {
            return current.Version == version
                ? TypedResults.Json(AssistantJson.Build(current))
                : throw new ApiProblemException(ApiProblem.NotFound($"The default assistant has only version {current.Version}."));
        }

        var latest = await context.RequestServices.GetRequiredService<IAssistantStore>()
            .SetLatestAsync(current.OwnerId, current.AssistantId, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(ApiProblem.NotFound($"Assistant {assistantId} has no version {version}."));
        return TypedResults.Json(AssistantJson.Build(latest));
    }

    /// <summary><c>DELETE /assistants/{assistant_id}</c> → 204; the default assistant cannot be deleted (409).</summary>
    public static async Task<IResult> DeleteAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        if (AssistantLookup.IsDefault(assistantId))
        {
            throw new ApiProblemException(ApiProblem.Conflict("The default assistant of the agent graph cannot be deleted."));
        }

        NotFoundUnlessValid(assistantId);
        var deleted = await context.RequestServices.GetRequiredService<IAssistantStore>()
            .DeleteAsync(owner, assistantId, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        return deleted ? TypedResults.NoContent() : throw NotFound(assistantId);
    }

    /// <summary>
    /// <c>POST /assistants/search</c>: <c>{graph_id?, metadata?, name?, limit?, offset?, sort_by?,
    /// sort_order?, select?}</c> → a page of assistants: the default assistant first when it matches, then
    /// the caller's own in id order.
    /// </summary>
    public static async Task<IResult> SearchAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);

        var (graphId, query) = ReadFilter(body);
        var (limit, offset) = SearchPaging.ReadLimitOffset(body);

        // The store lists assistants in id order; LangGraph's other orders would need the whole list first.
        _ = SearchPaging.ReadEnum(body, "sort_by", "assistant_id", "graph_id", "name", "created_at", "updated_at");
        _ = SearchPaging.ReadEnum(body, "sort_order", "asc", "desc");
        var select = SearchPaging.ReadSelect(body, [.. AssistantJson.Fields]);

        var found = Matching(context, owner, graphId, query, (long)offset + limit + 1, cancellationToken);
        var (page, hasMore) = await SearchPaging.ReadPageAsync(found, offset, limit, cancellationToken).ConfigureAwait(false);
        SearchPaging.SetNextHeader(context.Response, offset, page.Count, hasMore);
        return TypedResults.Json(WireJson.Build(w =>
        {
            w.WriteStartArray();
            foreach (var assistant in page)
            {
                AssistantJson.Write(w, assistant, select);
            }

            w.WriteEndArray();
        }));
    }

    /// <summary><c>POST /assistants/count</c>: <c>{metadata?, graph_id?, name?}</c> → how many assistants match (the default one included), as a JSON number.</summary>
    public static async Task<IResult> CountAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var (graphId, query) = ReadFilter(body);

        var count = await Matching(context, owner, graphId, query, needed: null, cancellationToken).LongCountAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(count);
    }

    /// <summary>The filters of a search or count: <c>graph_id</c>, <c>name</c> and <c>metadata</c>.</summary>
    private static (string? GraphId, AssistantSearchQuery Query) ReadFilter(JsonElement body)
        => (body.OptionalString("graph_id"), new AssistantSearchQuery
        {
            GraphId = AgentGraph.GraphId,
            Name = body.OptionalString("name"),
            Metadata = body.OptionalObject("metadata"),
        });

    /// <summary>
    /// The assistants that match a search or count: the default assistant first when it matches, then the caller's own in
    /// id order, read in pages sized for <paramref name="needed"/> items when given. Every assistant runs the agent graph,
    /// so a search for any other graph finds none.
    /// </summary>
    private static IAsyncEnumerable<Assistant> Matching(
        HttpContext context, string owner, string? graphId, AssistantSearchQuery query, long? needed, CancellationToken cancellationToken)
    {
        if (graphId is not (null or AgentGraph.GraphId))
        {
            return AsyncEnumerable.Empty<Assistant>();
        }

        var stored = context.RequestServices.GetRequiredService<IAssistantStore>().SearchAsync(owner, query, cancellationToken);
        return WithDefault(AssistantLookup.Default(owner), query, needed is { } n ? SearchPaging.Items(stored, n, cancellationToken) : stored, cancellationToken);
    }

    /// <summary>
    /// <c>GET /assistants/{assistant_id}/subgraphs?namespace&amp;recurse</c>: the schemas of the graph's subgraphs by
    /// namespace. The agent graph has none: an empty object.
    /// </summary>
    public static async Task<IResult> GetSubgraphsAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = await FindAsync(context, assistantId).ConfigureAwait(false);
        if (context.Request.Query["recurse"].ToString() is { Length: > 0 } recurse && !bool.TryParse(recurse, out _))
        {
            throw new ApiProblemException(ApiProblem.Unprocessable("query.recurse", "must be true or false"));
        }

        return TypedResults.Json(JsonObjects.Empty);
    }

    /// <summary><c>GET /assistants/{assistant_id}/graph</c>: the drawable graph of the assistant's graph.</summary>
    public static async Task<IResult> GetGraphAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = await FindAsync(context, assistantId).ConfigureAwait(false);
        return TypedResults.Json(AgentGraphDescription.Graph());
    }

    /// <summary><c>GET /assistants/{assistant_id}/schemas</c>: the JSON Schemas of the graph's input, output, state and config.</summary>
    public static async Task<IResult> GetSchemasAsync(HttpContext context, string assistantId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var assistant = await FindAsync(context, assistantId).ConfigureAwait(false);
        var tools = context.RequestServices.GetRequiredService<ToolRegistry>().Names;
        return TypedResults.Json(AgentGraphDescription.Schemas(assistant.GraphId, tools));
    }

    private static async Task<Assistant> FindAsync(HttpContext context, string assistantId)
    {
        var lookup = context.RequestServices.GetRequiredService<AssistantLookup>();
        return await lookup.FindAsync(context.GetCaller().OwnerId, assistantId, context.RequestAborted).ConfigureAwait(false)
            ?? throw NotFound(assistantId);
    }

    private static async IAsyncEnumerable<Assistant> WithDefault(
        Assistant defaultAssistant, AssistantSearchQuery query, IAsyncEnumerable<Assistant> stored, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if ((string.IsNullOrEmpty(query.Name) || defaultAssistant.Name.Contains(query.Name, StringComparison.OrdinalIgnoreCase))
            && JsonObjects.Matches(defaultAssistant.Metadata, query.Metadata ?? default))
        {
            yield return defaultAssistant;
        }

        await foreach (var assistant in stored.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return assistant;
        }
    }

    /// <summary><c>$.graph_id</c>: absent (null), or <c>agent</c>, the one graph this server runs; 422 otherwise.</summary>
    private static string? ReadGraphId(JsonElement body)
        => body.OptionalString("graph_id") is not { } graphId ? null
            : graphId == AgentGraph.GraphId ? graphId
            : throw Invalid("$.graph_id", $"must be '{AgentGraph.GraphId}', the graph this server runs");

    /// <summary><c>$.config</c> when present: an object the agent loop can read, naming only known tools; 422 otherwise.</summary>
    private static JsonElement? ReadConfig(JsonElement body, IServiceProvider services)
    {
        if (body.OptionalObject("config") is not { } config)
        {
            return null;
        }

        AssistantSettings settings;
        try
        {
            settings = AssistantSettings.From(config);
        }
        catch (AssistantConfigException e)
        {
            throw Invalid("$.config" + e.Path[1..], e.Reason.TrimEnd('.'));
        }

        var registry = services.GetRequiredService<ToolRegistry>();
        foreach (var tool in settings.Tools ?? [])
        {
            if (!registry.TryGet(tool, out _))
            {
                throw Invalid("$.config.configurable.tools", $"names an unknown tool '{tool}' (known: {string.Join(", ", registry.Names)})");
            }
        }

        return config;
    }

    private static void NotFoundUnlessValid(string assistantId)
    {
        if (!ResourceIds.IsValid(assistantId))
        {
            throw NotFound(assistantId);
        }
    }

    private static ApiProblemException NotFound(string assistantId)
        => new(ApiProblem.NotFound(ResourceIds.IsValid(assistantId) ? $"Assistant {assistantId} not found." : "Assistant not found."));

    private static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));
}

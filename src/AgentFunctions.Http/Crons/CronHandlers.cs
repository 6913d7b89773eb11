using System.Globalization;
using System.Text.Json;
using AgentFunctions.Core.Crons;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Core.Webhooks;
using AgentFunctions.Http.Assistants;
using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;
using AgentFunctions.Http.Threads;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Crons;

/// <summary>
/// The crons routes, as LangGraph Platform serves them (<c>client.crons</c>): create (on a thread, or a new thread per
/// run), search, count, update and delete. A caller reaches only its own crons. The schedule is a five-field cron
/// expression read in UTC (or <c>timezone</c>); due crons are fired by <see cref="CronFiring"/>.
/// </summary>
public static class CronHandlers
{
    private const int UpdateAttempts = 3;

    // The fields of a create or update body that belong to the cron rather than to its runs' payload.
    private static readonly string[] CronFields = ["assistant_id", "schedule", "timezone", "end_time", "enabled", "on_run_completed", "metadata", "thread_id"];

    /// <summary><c>POST /runs/crons</c>: a cron whose every run gets a new thread.</summary>
    public static Task<IResult> CreateAsync(HttpContext context) => CreateCoreAsync(context, threadId: null);

    /// <summary><c>POST /threads/{thread_id}/runs/crons</c>: a cron whose runs go on the thread.</summary>
    public static Task<IResult> CreateForThreadAsync(HttpContext context, string threadId) => CreateCoreAsync(context, threadId);

    /// <summary><c>POST /runs/crons/search</c>: <c>{assistant_id?, thread_id?, enabled?, metadata?, limit?, offset?}</c> → crons, in id order.</summary>
    public static async Task<IResult> SearchAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var query = ReadQuery(body);
        var (limit, offset) = SearchPaging.ReadLimitOffset(body);
        _ = body.OptionalEnum("sort_by", "cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at");
        _ = body.OptionalEnum("sort_order", "asc", "desc");
        var select = SearchPaging.ReadSelect(body, CronJson.Fields);
        var crons = context.RequestServices.GetRequiredService<ICronStore>().SearchAsync(owner, query, cancellationToken);
        var (page, hasMore) = await SearchPaging.ReadPageAsync(SearchPaging.Items(crons, (long)offset + limit + 1, cancellationToken), offset, limit, cancellationToken).ConfigureAwait(false);
        SearchPaging.SetNextHeader(context.Response, offset, page.Count, hasMore);
        return TypedResults.Json(WireJson.Build(w =>
        {
            w.WriteStartArray();
            foreach (var cron in page)
            {
                CronJson.Write(w, cron, select);
            }

            w.WriteEndArray();
        }));
    }

    /// <summary><c>POST /runs/crons/count</c>: <c>{assistant_id?, thread_id?, metadata?}</c> → how many of the caller's crons match.</summary>
    public static async Task<IResult> CountAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var count = 0L;
        await foreach (var _ in context.RequestServices.GetRequiredService<ICronStore>().SearchAsync(owner, ReadQuery(body), cancellationToken).ConfigureAwait(false))
        {
            count++;
        }

        return TypedResults.Json(count);
    }

    /// <summary><c>PATCH /runs/crons/{cron_id}</c>: the fields given replace the cron's (<c>metadata</c> is merged) → the cron.</summary>
    public static async Task<IResult> PatchAsync(HttpContext context, string cronId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var store = services.GetRequiredService<ICronStore>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            var cron = await FindAsync(store, owner, cronId, cancellationToken).ConfigureAwait(false);
            var schedule = body.OptionalString("schedule") ?? cron.Schedule;
            var timezone = body.TryGetProperty("timezone", out var tz) ? body.OptionalString("timezone") : cron.Timezone;
            var parsed = ReadSchedule(schedule, timezone);
            var endTime = body.TryGetProperty("end_time", out _) ? ReadTime(body, "end_time") : cron.EndTime;
            var payload = await ReadPayloadAsync(services, Overlay(cron.Payload, body), cancellationToken).ConfigureAwait(false);
            var rescheduled = schedule != cron.Schedule || timezone != cron.Timezone || endTime != cron.EndTime || body.TryGetProperty("enabled", out _);
            var changed = cron with
            {
                Schedule = schedule,
                Timezone = timezone,
                EndTime = endTime,
                Payload = payload,
                Enabled = ReadBool(body, "enabled") ?? cron.Enabled,
                OnRunCompleted = ReadOnRunCompleted(body) ?? cron.OnRunCompleted,
                Metadata = body.OptionalObject("metadata") is { } patch ? MetadataPatch.Merge(cron.Metadata, patch) : cron.Metadata,
                NextRunAt = rescheduled ? Next(parsed, now, endTime) : cron.NextRunAt,
            };
            try
            {
                var updated = await store.UpdateAsync(changed, cron.ETag, cancellationToken).ConfigureAwait(false) ?? throw NotFound();
                return TypedResults.Json(CronJson.Build(updated));
            }
            catch (StoreConflictException) when (attempt < UpdateAttempts)
            {
                // Fired (its next time moved on) since it was read: apply the change to the newer version.
            }
        }
    }

    /// <summary><c>DELETE /runs/crons/{cron_id}</c> → 204; its runs so far are kept.</summary>
    public static async Task<IResult> DeleteAsync(HttpContext context, string cronId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var store = context.RequestServices.GetRequiredService<ICronStore>();
        _ = await FindAsync(store, owner, cronId, context.RequestAborted).ConfigureAwait(false);
        await store.DeleteAsync(owner, cronId, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CreateCoreAsync(HttpContext context, string? threadId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owner = context.GetCaller().OwnerId;
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;
        var body = await RequestJson.ReadObjectAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var assistantId = body.OptionalString("assistant_id") ?? throw Invalid("$.assistant_id", "is required");
        var schedule = body.OptionalString("schedule") ?? throw Invalid("$.schedule", "is required: a five-field cron expression, such as '*/5 * * * *'");
        var timezone = body.OptionalString("timezone");
        var parsed = ReadSchedule(schedule, timezone);
        var endTime = ReadTime(body, "end_time");
        var payload = await ReadPayloadAsync(services, body, cancellationToken).ConfigureAwait(false);
        var metadata = body.OptionalObject("metadata")?.Clone() ?? JsonObjects.Empty;
        var enabled = ReadBool(body, "enabled") ?? true;
        var onRunCompleted = ReadOnRunCompleted(body) ?? "delete";

        var assistant = await services.GetRequiredService<AssistantLookup>().FindAsync(owner, assistantId, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(ApiProblem.NotFound("The caller has no assistant with that id."));
        if (threadId is not null
            && (!ResourceIds.IsValid(threadId) || await services.GetRequiredService<IThreadStore>().GetAsync(owner, threadId, cancellationToken).ConfigureAwait(false) is null))
        {
            throw new ApiProblemException(ApiProblem.NotFound(ResourceIds.IsValid(threadId) ? $"Thread {threadId} not found." : "Thread not found."));
        }

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var cron = await services.GetRequiredService<ICronStore>().CreateAsync(
            new CronJob
            {
                CronId = ResourceIds.New(),
                OwnerId = owner,
                AssistantId = assistant.AssistantId,
                ThreadId = threadId,
                Schedule = schedule,
                Timezone = timezone,
                Payload = payload,
                Metadata = metadata,
                EndTime = endTime,
                NextRunAt = Next(parsed, now, endTime),
                Enabled = enabled,
                OnRunCompleted = onRunCompleted,
            },
            cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(CronJson.Build(cron));
    }

    private static DateTimeOffset? Next(CronSchedule schedule, DateTimeOffset now, DateTimeOffset? endTime)
        => schedule.NextAfter(now) is { } next && (endTime is null || next <= endTime) ? next : null;

    private static CronSchedule ReadSchedule(string schedule, string? timezone)
    {
        if (CronSchedule.TryParse(schedule, timezone, out var problem) is { } parsed)
        {
            return parsed;
        }

        throw Invalid(problem!.StartsWith("names", StringComparison.Ordinal) ? "$.timezone" : "$.schedule", problem);
    }

    /// <summary>The runs' payload: the body's run fields checked as a run's are (422 with the path), the webhook's target included.</summary>
    private static async Task<JsonElement> ReadPayloadAsync(IServiceProvider services, JsonElement body, CancellationToken cancellationToken)
    {
        var runFields = WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var property in body.EnumerateObject().Where(p => !CronFields.Contains(p.Name, StringComparer.Ordinal)))
            {
                property.WriteTo(w);
            }

            w.WriteEndObject();
        });
        RunOptions options;
        try
        {
            options = RunOptions.Parse(runFields);
        }
        catch (RunOptionsException e)
        {
            throw Invalid(e.Path, e.Reason);
        }

        if (options.Delay > TimeSpan.Zero)
        {
            throw Invalid("$.after_seconds", "does not apply to a cron's runs: the schedule says when they start");
        }

        if (options.Webhook is { } webhook
            && await WebhookTargets.ProblemAsync(webhook, services.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            throw Invalid("$.webhook", refused);
        }

        return options.ToJson();
    }

    /// <summary>The stored payload with the run fields of <paramref name="patch"/> over it.</summary>
    private static JsonElement Overlay(JsonElement payload, JsonElement patch) => WireJson.Build(w =>
    {
        w.WriteStartObject();
        foreach (var property in payload.EnumerateObject().Where(p => !patch.TryGetProperty(p.Name, out _)))
        {
            property.WriteTo(w);
        }

        foreach (var property in patch.EnumerateObject().Where(p => !CronFields.Contains(p.Name, StringComparer.Ordinal)))
        {
            property.WriteTo(w);
        }

        w.WriteEndObject();
    });

    private static CronSearchQuery ReadQuery(JsonElement body) => new()
    {
        AssistantId = body.OptionalString("assistant_id"),
        ThreadId = body.OptionalString("thread_id") is { } id ? ResourceIds.IsValid(id) ? id : throw Invalid("$.thread_id", "is not a thread id") : null,
        Enabled = ReadBool(body, "enabled"),
        Metadata = body.OptionalObject("metadata"),
    };

    private static DateTimeOffset? ReadTime(JsonElement body, string name)
        => body.OptionalString(name) is not { } text ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time
            : throw Invalid("$." + name, "must be a date and time (ISO 8601)");

    private static bool? ReadBool(JsonElement body, string name)
        => body.Optional(name) is not { } value ? null
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw Invalid("$." + name, "must be true or false");

    private static string? ReadOnRunCompleted(JsonElement body) => body.OptionalEnum("on_run_completed", "delete", "keep");

    private static async Task<CronJob> FindAsync(ICronStore store, string owner, string cronId, CancellationToken cancellationToken)
        => ResourceIds.IsValid(cronId) && await store.GetAsync(owner, cronId, cancellationToken).ConfigureAwait(false) is { } cron ? cron : throw NotFound();

    private static ApiProblemException NotFound() => new(ApiProblem.NotFound("The caller has no cron with that id."));

    private static ApiProblemException Invalid(string path, string reason) => new(ApiProblem.Unprocessable(path, reason));
}

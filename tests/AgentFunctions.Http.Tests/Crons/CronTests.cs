using System.Text.Json;
using AgentFunctions.Core.Crons;
using AgentFunctions.Http.Tests.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentFunctions.Http.Tests.Crons;

/// <summary>The server with its own cron sweep off: the tests fire crons themselves, on a fake clock.</summary>
public sealed class CronServerFixture : ServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [new("Crons:Enabled", "false")];
}

/// <summary>Crons over HTTP, and their firing by two racing instances on a fake clock.</summary>
public class CronTests(CronServerFixture server) : IClassFixture<CronServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 120_000)]
    public async Task CreateCron_ThenSearchPatchDelete_AsLangGraphDoes()
    {
        var tag = Guid.NewGuid().ToString("N");

        using var created = await _api.Client.PostJsonAsync("/runs/crons", $$$"""{"assistant_id":"agent","schedule":"*/5 * * * *","input":{"messages":[{"role":"user","content":"hi"}]},"metadata":{"tag":"{{{tag}}}"}}""");
        var cron = await created.ReadJsonAsync();
        var cronId = cron.GetProperty("cron_id").GetString();
        using var search = await _api.Client.PostJsonAsync("/runs/crons/search", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""");
        using var count = await _api.Client.PostJsonAsync("/runs/crons/count", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""");
        using var patched = await _api.Client.PatchJsonAsync($"/runs/crons/{cronId}", """{"schedule":"0 3 * * *","metadata":{"more":1}}""");
        var updated = await patched.ReadJsonAsync();
        using var deleted = await _api.Client.DeleteAsync($"/runs/crons/{cronId}");
        using var after = await _api.Client.PostJsonAsync("/runs/crons/search", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""");
        using var patchGone = await _api.Client.PatchJsonAsync($"/runs/crons/{cronId}", """{"schedule":"0 3 * * *"}""");
        using var info = await _api.Client.GetAsync("/info");

        Assert.Equal(JsonValueKind.Null, cron.GetProperty("thread_id").ValueKind);
        Assert.Equal("*/5 * * * *", cron.GetProperty("schedule").GetString());
        Assert.Equal(0, cron.GetProperty("next_run_date").GetDateTimeOffset().Minute % 5);
        Assert.True(cron.GetProperty("enabled").GetBoolean());
        Assert.Equal("hi", cron.GetProperty("payload").GetProperty("input").GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(cronId, (await search.ReadJsonAsync()).EnumerateArray().Single().GetProperty("cron_id").GetString());
        Assert.Equal(1, (await count.ReadJsonAsync()).GetInt32());
        Assert.Equal("0 3 * * *", updated.GetProperty("schedule").GetString());
        Assert.Equal(3, updated.GetProperty("next_run_date").GetDateTimeOffset().Hour);
        Assert.Equal(1, updated.GetProperty("metadata").GetProperty("more").GetInt32());
        Assert.Equal(tag, updated.GetProperty("metadata").GetProperty("tag").GetString());
        Assert.Equal(204, (int)deleted.StatusCode);
        Assert.Empty((await after.ReadJsonAsync()).EnumerateArray());
        await patchGone.AssertProblemAsync(404);
        Assert.True((await info.ReadJsonAsync()).GetProperty("flags").GetProperty("crons").GetBoolean());
    }

    [Fact(Timeout = 180_000)]
    public async Task EveryMinuteCron_TwoRacingInstances_FireOncePerMinute_AndMissedMinutesOnce()
    {
        // Arrange: a cron on a thread, every minute; two instances firing on one fake clock, past its first firing.
        var thread = await _api.NewThreadAsync();
        using var created = await _api.Client.PostJsonAsync($"/threads/{thread}/runs/crons", """{"assistant_id":"agent","schedule":"* * * * *","input":{"messages":[{"role":"user","content":"tokens=1"}]},"multitask_strategy":"enqueue"}""");
        var cron = await created.ReadJsonAsync();
        var clock = new FakeTimeProvider(cron.GetProperty("next_run_date").GetDateTimeOffset().AddSeconds(1));
        var first = ActivatorUtilities.CreateInstance<CronFiring>(server.Services, clock);
        var second = ActivatorUtilities.CreateInstance<CronFiring>(server.Services, clock);

        // Act: race at the first minute, at the next, and after ten minutes of downtime.
        var claims = new List<int>();
        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10) })
        {
            clock.Advance(step);
            var fired = await Task.WhenAll(first.FireDueAsync(), second.FireDueAsync());
            claims.Add(fired.Sum());
        }

        using var runs = await _api.Client.GetAsync($"/threads/{thread}/runs?limit=50");
        using var search = await _api.Client.PostJsonAsync("/runs/crons/search", $$$"""{"thread_id":"{{{thread}}}"}""");

        // Assert: one firing each time (three runs, not thirteen), each a run of the cron, and the cron's next firing after the clock.
        Assert.Equal([1, 1, 1], claims);
        var listed = (await runs.ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(3, listed.Count);
        Assert.All(listed, r => Assert.Equal(cron.GetProperty("cron_id").GetString(), r.GetProperty("metadata").GetProperty("cron_id").GetString()));
        Assert.True((await search.ReadJsonAsync())[0].GetProperty("next_run_date").GetDateTimeOffset() > clock.GetUtcNow());
    }

    [Fact(Timeout = 180_000)]
    public async Task CronWithoutThread_Fired_RunsOnANewThreadThatSucceeds()
    {
        using var created = await _api.Client.PostJsonAsync("/runs/crons", """{"assistant_id":"agent","schedule":"0 0 1 1 *","input":{"messages":[{"role":"user","content":"tokens=2"}]}}""");
        var cron = await created.ReadJsonAsync();
        var firing = cron.GetProperty("next_run_date").GetDateTimeOffset();
        var clock = new FakeTimeProvider(firing.AddSeconds(5));

        var fired = await ActivatorUtilities.CreateInstance<CronFiring>(server.Services, clock).FireDueAsync();
        var runId = CronRunIds.For(cron.GetProperty("cron_id").GetString()!, firing);
        using var joined = await _api.Client.GetAsync($"/threads/{runId}/runs/{runId}/join");
        using var run = await _api.Client.GetAsync($"/threads/{runId}/runs/{runId}");

        Assert.True(fired >= 1);
        Assert.Equal(200, (int)joined.StatusCode);
        Assert.Equal("success", (await run.ReadJsonAsync()).GetProperty("status").GetString());
    }

    [Fact(Timeout = 120_000)]
    public async Task CronOfADeletedThread_AtItsNextFiring_IsDeletedAndRunsNothing()
    {
        // Arrange: a cron on a thread, then the thread deleted.
        var thread = await _api.NewThreadAsync();
        using var created = await _api.Client.PostJsonAsync($"/threads/{thread}/runs/crons", """{"assistant_id":"agent","schedule":"0 0 1 1 *","input":{"messages":[{"role":"user","content":"tokens=2"}]}}""");
        var cron = await created.ReadJsonAsync();
        var cronId = cron.GetProperty("cron_id").GetString()!;
        var firing = cron.GetProperty("next_run_date").GetDateTimeOffset();
        using var deletedThread = await _api.Client.DeleteAsync($"/threads/{thread}");

        // Act
        var fired = await ActivatorUtilities.CreateInstance<CronFiring>(server.Services, new FakeTimeProvider(firing.AddSeconds(5))).FireDueAsync();

        // Assert: nothing ran, and the cron is gone (as LangGraph deletes a thread's crons with it).
        using var search = await _api.Client.PostJsonAsync("/runs/crons/search", $$"""{"thread_id":"{{thread}}"}""");
        using var patch = await _api.Client.PatchJsonAsync($"/runs/crons/{cronId}", """{"schedule":"0 3 * * *"}""");
        using var run = await _api.Client.GetAsync($"/threads/{thread}/runs/{CronRunIds.For(cronId, firing)}");
        Assert.Equal(204, (int)deletedThread.StatusCode);
        Assert.Equal(0, fired);
        Assert.Empty((await search.ReadJsonAsync()).EnumerateArray());
        await patch.AssertProblemAsync(404);
        Assert.Equal(404, (int)run.StatusCode);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("""{"assistant_id":"agent"}""", "$.schedule")]
    [InlineData("""{"assistant_id":"agent","schedule":"not a cron"}""", "$.schedule")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * * *"}""", "$.schedule")]
    [InlineData("""{"assistant_id":"agent","schedule":"61 * * * *"}""", "$.schedule")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","timezone":"Mars/Olympus_Mons"}""", "$.timezone")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","end_time":"soon"}""", "$.end_time")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","enabled":"yes"}""", "$.enabled")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","on_run_completed":"archive"}""", "$.on_run_completed")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","input":{"messages":5}}""", "$.input.messages")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","webhook":"http://10.0.0.1/hook"}""", "$.webhook")]
    [InlineData("""{"assistant_id":"agent","schedule":"* * * * *","after_seconds":5}""", "$.after_seconds")]
    [InlineData("""{"schedule":"* * * * *"}""", "$.assistant_id")]
    public async Task CreateCron_BadInput_Is422NamingTheField(string body, string path)
    {
        using var response = await _api.Client.PostJsonAsync("/runs/crons", body);

        var problem = await response.AssertProblemAsync(422);
        Assert.StartsWith(path, problem.GetProperty("path").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task CreateCron_UnknownThreadOrAssistant_Is404()
    {
        using var thread = await _api.Client.PostJsonAsync($"/threads/{Guid.NewGuid()}/runs/crons", """{"assistant_id":"agent","schedule":"* * * * *"}""");
        using var assistant = await _api.Client.PostJsonAsync("/runs/crons", $$$"""{"assistant_id":"{{{Guid.NewGuid()}}}","schedule":"* * * * *"}""");

        await thread.AssertProblemAsync(404);
        await assistant.AssertProblemAsync(404);
    }
}

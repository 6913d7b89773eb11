using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Threads;

public class ThreadsRoutesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Owner = "local";

    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task Create_EmptyBody_ReturnsAnIdleThreadWithANewId()
    {
        var response = await _client.PostAsync("/threads", null);

        Assert.Equal(200, (int)response.StatusCode);
        var thread = await response.ReadJsonAsync();
        Assert.True(Guid.TryParse(thread.GetProperty("thread_id").GetString(), out _));
        Assert.Equal("idle", thread.GetProperty("status").GetString());
        Assert.Equal("{}", thread.GetProperty("metadata").GetRawText());
        Assert.Equal("{}", thread.GetProperty("config").GetRawText());
        Assert.Equal("{}", thread.GetProperty("interrupts").GetRawText());
        Assert.False(thread.TryGetProperty("values", out _));
        Assert.True(thread.GetProperty("created_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(thread.GetProperty("created_at").GetString(), thread.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task Get_CreatedThread_RoundTripsIdAndMetadata()
    {
        var id = Guid.NewGuid().ToString();
        await _client.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","metadata":{"user":"ann","n":[1,{"a":true}]}}""");

        var response = await _client.GetAsync($"/threads/{id}");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var thread = await response.ReadJsonAsync();
        Assert.Equal(id, thread.GetProperty("thread_id").GetString());
        Assert.True(JsonElement.DeepEquals(Parse("""{"user":"ann","n":[1,{"a":true}]}"""), thread.GetProperty("metadata")));
    }

    [Fact]
    public async Task Create_ExistingIdWithRaise_Returns409Problem()
    {
        var id = await CreateAsync("""{"v":1}""");

        var response = await _client.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","if_exists":"raise","metadata":{"v":2}}""");

        Assert.Equal(409, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, (await GetAsync(id)).GetProperty("metadata").GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Create_ExistingIdWithoutIfExists_Returns409()
    {
        var id = await CreateAsync();

        var response = await _client.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}"}""");

        Assert.Equal(409, (int)response.StatusCode);
    }

    [Fact]
    public async Task Create_ExistingIdWithDoNothing_ReturnsTheExistingThreadUnchanged()
    {
        var id = await CreateAsync("""{"v":1}""");

        var response = await _client.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","if_exists":"do_nothing","metadata":{"v":2}}""");

        Assert.Equal(200, (int)response.StatusCode);
        var thread = await response.ReadJsonAsync();
        Assert.Equal(id, thread.GetProperty("thread_id").GetString());
        Assert.Equal(1, thread.GetProperty("metadata").GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Create_NewIdWithDoNothing_CreatesTheThread()
    {
        var id = Guid.NewGuid().ToString();

        var response = await _client.PostJsonAsync("/threads", $$$"""{"thread_id":"{{{id}}}","if_exists":"do_nothing"}""");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(id, (await GetAsync(id)).GetProperty("thread_id").GetString());
    }

    [Fact]
    public async Task Get_ThreadWithCheckpoints_ReturnsLatestValuesAndInterrupts()
    {
        // Arrange: two checkpoints, the second with a task waiting on an interrupt.
        var id = await CreateAsync();
        var checkpoints = server.Services.GetRequiredService<ICheckpointStore>();
        var first = await checkpoints.PutAsync(new CheckpointWrite
        {
            OwnerId = Owner, ThreadId = id, Step = -1, Source = CheckpointSource.Input,
            Delta = StateUpdate.FromMessages(new HumanMessage { Id = "h1", Content = "hello" }),
        });
        await checkpoints.PutAsync(new CheckpointWrite
        {
            OwnerId = Owner, ThreadId = id, ParentCheckpointId = first.CheckpointId, Step = 0, Source = CheckpointSource.Loop,
            Delta = StateUpdate.FromMessages(new AIMessage { Id = "a1", Content = "hi" }),
            Next = ["tools"],
            Tasks = Parse("""[{"id":"task-1","name":"tools","interrupts":[{"value":"approve?","id":"i1"}]},{"id":"task-2","name":"x","interrupts":[]}]"""),
        });

        // Act
        var thread = await GetAsync(id);

        // Assert
        var messages = thread.GetProperty("values").GetProperty("messages");
        Assert.Equal(["h1", "a1"], messages.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal("human", messages[0].GetProperty("type").GetString());
        var interrupts = thread.GetProperty("interrupts");
        Assert.Equal(["task-1"], interrupts.EnumerateObject().Select(p => p.Name));
        Assert.Equal("approve?", interrupts.GetProperty("task-1")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Patch_Metadata_MergesTopLevelKeys()
    {
        var id = await CreateAsync("""{"keep":1,"change":{"deep":1,"other":2},"nulled":"x"}""");

        var response = await _client.PatchJsonAsync($"/threads/{id}", """{"metadata":{"change":{"deep":2},"nulled":null,"added":[1]}}""");

        Assert.Equal(200, (int)response.StatusCode);
        var thread = await response.ReadJsonAsync();
        var expected = Parse("""{"keep":1,"change":{"deep":2},"nulled":null,"added":[1]}""");
        Assert.True(JsonElement.DeepEquals(expected, thread.GetProperty("metadata")), thread.GetProperty("metadata").GetRawText());
        Assert.True(JsonElement.DeepEquals(expected, (await GetAsync(id)).GetProperty("metadata")));
        Assert.True(thread.GetProperty("updated_at").GetDateTimeOffset() >= thread.GetProperty("created_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Patch_KeepsTheStatusARunSet()
    {
        var id = await CreateAsync();
        await SetStatusAsync(id, ThreadStatus.Busy);

        var thread = await (await _client.PatchJsonAsync($"/threads/{id}", """{"metadata":{"a":1}}""")).ReadJsonAsync();

        Assert.Equal("busy", thread.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Patch_UnknownThread_Returns404()
    {
        var response = await _client.PatchJsonAsync($"/threads/{Guid.NewGuid()}", """{"metadata":{"a":1}}""");

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Delete_Thread_Returns204AndTheThreadAndItsCheckpointsAreGone()
    {
        var id = await CreateAsync();
        var checkpoints = server.Services.GetRequiredService<ICheckpointStore>();
        await checkpoints.PutAsync(new CheckpointWrite
        {
            OwnerId = Owner, ThreadId = id, Step = -1, Source = CheckpointSource.Input,
            Delta = StateUpdate.FromMessages(new HumanMessage { Id = "h1", Content = "hello" }),
        });

        var response = await _client.DeleteAsync($"/threads/{id}");

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal(404, (int)(await _client.GetAsync($"/threads/{id}")).StatusCode);
        Assert.Null(await checkpoints.GetLatestAsync(Owner, id));
    }

    [Fact]
    public async Task Delete_ThreadWithABackgroundRun_ItsRunsAndTheirEventsAreGoneToo()
    {
        var id = await CreateAsync();
        var run = await (await _client.PostJsonAsync($"/threads/{id}/runs", """{"assistant_id":"agent","input":{"messages":[{"type":"human","content":"hi"}]}}""")).ReadJsonAsync();
        var runId = run.GetProperty("run_id").GetString()!;
        Assert.Equal(200, (int)(await _client.GetAsync($"/threads/{id}/runs/{runId}/join")).StatusCode);
        var events = server.Services.GetRequiredService<IRunEventLog>();
        Assert.NotEmpty(await events.ReadAsync(runId).ToListAsync());

        var response = await _client.DeleteAsync($"/threads/{id}");

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Null(await server.Services.GetRequiredService<IRunStore>().GetAsync(Owner, id, runId));
        Assert.Empty(await events.ReadAsync(runId).ToListAsync());
    }

    [Fact]
    public async Task Delete_UnknownThread_Returns404()
    {
        var response = await _client.DeleteAsync($"/threads/{Guid.NewGuid()}");

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Delete_Twice_SecondReturns404()
    {
        var id = await CreateAsync();
        await _client.DeleteAsync($"/threads/{id}");

        var response = await _client.DeleteAsync($"/threads/{id}");

        Assert.Equal(404, (int)response.StatusCode);
    }

    [Fact]
    public async Task Search_MetadataFilter_ReturnsOnlyContainingThreads()
    {
        var tag = Guid.NewGuid().ToString();
        var a = await CreateAsync($$$"""{"tag":"{{{tag}}}","kind":"a","labels":["x","y"]}""");
        var b = await CreateAsync($$$"""{"tag":"{{{tag}}}","kind":"b","labels":["y"]}""");
        await CreateAsync("""{"kind":"a"}""");

        var all = await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"limit":100}""");
        var kindA = await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}","kind":"a"}}""");
        var labelX = await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}","labels":["x"]}}""");

        Assert.Equal(new[] { a, b }.Order(), all.Order());
        Assert.Equal([a], kindA);
        Assert.Equal([a], labelX);
    }

    [Fact]
    public async Task Search_Status_ReturnsOnlyThreadsWithThatStatus()
    {
        var tag = Guid.NewGuid().ToString();
        var idle = await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");
        var busy = await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");
        await SetStatusAsync(busy, ThreadStatus.Busy);

        Assert.Equal([busy], await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"status":"busy"}"""));
        Assert.Equal([idle], await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"status":"idle"}"""));
        Assert.Empty(await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"status":"error"}"""));
    }

    [Fact]
    public async Task Search_Ids_ReturnsOnlyThoseThreads()
    {
        var a = await CreateAsync();
        await CreateAsync();
        var c = await CreateAsync();

        var found = await SearchAsync($$$"""{"ids":["{{{a}}}","{{{c}}}","{{{Guid.NewGuid()}}}"],"limit":100}""");

        Assert.Equal(new[] { a, c }.Order(), found.Order());
    }

    [Fact]
    public async Task Search_LimitAndOffset_PageThroughEveryThreadOnceInIdOrder()
    {
        // Arrange: seven matching threads, read three at a time.
        var tag = Guid.NewGuid().ToString();
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await CreateAsync($$$"""{"tag":"{{{tag}}}"}"""));
        }

        // Act
        var pages = new List<List<string>>();
        var nextHeaders = new List<string?>();
        for (var offset = 0; offset < 9; offset += 3)
        {
            var response = await _client.PostJsonAsync("/threads/search", $$$"""{"metadata":{"tag":"{{{tag}}}"},"limit":3,"offset":{{{offset}}}}""");
            nextHeaders.Add(response.Headers.TryGetValues("X-Pagination-Next", out var values) ? values.Single() : null);
            pages.Add([.. (await response.ReadJsonAsync()).EnumerateArray().Select(t => t.GetProperty("thread_id").GetString()!)]);
        }

        // Assert
        Assert.Equal([3, 3, 1], pages.Select(p => p.Count));
        var all = pages.SelectMany(p => p).ToList();
        Assert.Equal(created.Order(StringComparer.Ordinal), all);
        Assert.Equal(["3", "6", null], nextHeaders);
    }

    [Fact]
    public async Task Search_NoLimit_ReturnsTenThreads()
    {
        var tag = Guid.NewGuid().ToString();
        for (var i = 0; i < 11; i++)
        {
            await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");
        }

        var found = await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"}}""");

        Assert.Equal(10, found.Count);
    }

    [Fact]
    public async Task Search_OffsetPastTheEnd_ReturnsEmptyArray()
    {
        var tag = Guid.NewGuid().ToString();
        await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");

        Assert.Empty(await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"offset":5}"""));
    }

    [Fact]
    public async Task Search_IncludesLatestValues_AndFiltersOnValues()
    {
        var tag = Guid.NewGuid().ToString();
        var withState = await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");
        var empty = await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");
        await server.Services.GetRequiredService<ICheckpointStore>().PutAsync(new CheckpointWrite
        {
            OwnerId = Owner, ThreadId = withState, Step = -1, Source = CheckpointSource.Input,
            Delta = StateUpdate.FromMessages(new HumanMessage { Id = "h1", Content = "hello" }),
        });

        var all = await (await _client.PostJsonAsync("/threads/search", $$$"""{"metadata":{"tag":"{{{tag}}}"}}""")).ReadJsonAsync();
        var filtered = await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"values":{"messages":[{"id":"h1"}]}}""");

        var byId = all.EnumerateArray().ToDictionary(t => t.GetProperty("thread_id").GetString()!);
        Assert.Equal("hello", byId[withState].GetProperty("values").GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.False(byId[empty].TryGetProperty("values", out _));
        Assert.Equal([withState], filtered);
    }

    [Fact]
    public async Task Search_Select_ReturnsOnlyTheSelectedFields()
    {
        var tag = Guid.NewGuid().ToString();
        await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");

        var found = await (await _client.PostJsonAsync("/threads/search", $$$"""{"metadata":{"tag":"{{{tag}}}"},"select":["thread_id","status"]}""")).ReadJsonAsync();

        Assert.Equal(["thread_id", "status"], found[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Search_SortOptions_AreAccepted()
    {
        var tag = Guid.NewGuid().ToString();
        var id = await CreateAsync($$$"""{"tag":"{{{tag}}}"}""");

        Assert.Equal([id], await SearchAsync($$$"""{"metadata":{"tag":"{{{tag}}}"},"sort_by":"created_at","sort_order":"desc"}"""));
    }

    [Fact]
    public async Task CreateAndPatch_Ttl_SetWhenTheThreadExpiresForTheRetentionSweep()
    {
        var started = DateTimeOffset.UtcNow;
        var response = await _client.PostJsonAsync("/threads", """{"ttl":{"ttl":60,"strategy":"delete"}}""");
        var id = (await response.ReadJsonAsync()).GetProperty("thread_id").GetString()!;
        var threads = server.Services.GetRequiredService<IThreadStore>();
        var created = (await threads.GetAsync(Owner, id))!.ExpiresAt;

        await _client.PatchJsonAsync($"/threads/{id}", """{"ttl":{"ttl":1440}}""");
        var patched = (await threads.GetAsync(Owner, id))!.ExpiresAt;

        Assert.InRange(created!.Value, started.AddMinutes(60), DateTimeOffset.UtcNow.AddMinutes(60));
        Assert.InRange(patched!.Value, started.AddDays(1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private async Task<string> CreateAsync(string metadata = "{}")
    {
        var response = await _client.PostJsonAsync("/threads", $$$"""{"metadata":{{{metadata}}}}""");
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("thread_id").GetString()!;
    }

    private async Task<JsonElement> GetAsync(string id)
    {
        var response = await _client.GetAsync($"/threads/{id}");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<List<string>> SearchAsync(string body)
    {
        var response = await _client.PostJsonAsync("/threads/search", body);
        Assert.Equal(200, (int)response.StatusCode);
        return [.. (await response.ReadJsonAsync()).EnumerateArray().Select(t => t.GetProperty("thread_id").GetString()!)];
    }

    private async Task SetStatusAsync(string id, ThreadStatus status)
    {
        var threads = server.Services.GetRequiredService<IThreadStore>();
        var thread = (await threads.GetAsync(Owner, id))!;
        await threads.UpdateAsync(thread with { Status = status }, thread.ETag);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}

using System.Text.Json;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary><c>GET /threads/{thread_id}/stream</c>: the thread's runs as one stream that stays open.</summary>
public class ThreadStreamTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // A guard against a hang (the stream never ends by itself), not a timed assertion.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    private readonly RunsApi _api = new(server);

    [Fact]
    public async Task Stream_JoinedOnAnIdleThread_StreamsEachNextRunInOrderWithRunDone()
    {
        // Arrange: a run before the join, which the stream does not replay.
        var thread = await _api.NewThreadAsync();
        var before = (await _api.CreateBackgroundAsync(thread, RunsApi.Body("before tokens=2"))).GetProperty("run_id").GetString()!;
        await _api.WaitForStatusAsync(thread, before, "success");
        await using var stream = await ThreadStream.OpenAsync(_api.Client, thread);

        // Act: two runs after the join.
        var first = (await _api.CreateBackgroundAsync(thread, RunsApi.Body("first tokens=2"))).GetProperty("run_id").GetString()!;
        var firstFrames = await stream.ReadUntilRunDoneAsync(first);
        var second = (await _api.CreateBackgroundAsync(thread, RunsApi.Body("second tokens=2"))).GetProperty("run_id").GetString()!;
        var secondFrames = await stream.ReadUntilRunDoneAsync(second);

        // Assert: each run from its metadata to its run_done, ids {run_id}:{n}, nothing of the run before.
        foreach (var (runId, frames) in new[] { (first, firstFrames), (second, secondFrames) })
        {
            Assert.Equal("metadata", frames[0].Event);
            Assert.Equal(runId, frames[0].Json.GetProperty("run_id").GetString());
            Assert.Equal($"{runId}:0", frames[0].Id);
            Assert.Contains(frames, f => f.Event == "values");
            Assert.Equal(Enumerable.Range(0, frames.Count - 1).Select(n => $"{runId}:{n}"), frames.SkipLast(1).Select(f => f.Id));
            Assert.Equal("metadata", frames[^1].Event);
            Assert.Equal("run_done", frames[^1].Json.GetProperty("status").GetString());
            Assert.Equal($"{runId}:done", frames[^1].Id);
        }

        Assert.Equal("first tokens=2", RunsApi.Messages(firstFrames.Last(f => f.Event == "values").Json)[2].Text);
        Assert.DoesNotContain(firstFrames.Concat(secondFrames), f => f.Data.Contains(before, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stream_JoinedDuringARun_StreamsThatRunFromItsStart()
    {
        var thread = await _api.NewThreadAsync();
        var run = (await _api.CreateBackgroundAsync(thread, RunsApi.Body("tokens=40 delay_ms=50"))).GetProperty("run_id").GetString()!;
        await _api.WaitForStatusAsync(thread, run, "running");

        await using var stream = await ThreadStream.OpenAsync(_api.Client, thread);
        var frames = await stream.ReadUntilRunDoneAsync(run);

        Assert.Equal($"{run}:0", frames[0].Id);
        Assert.Equal("metadata", frames[0].Event);
        Assert.Equal("success", await _api.RunStatusAsync(thread, run));
    }

    [Fact]
    public async Task Stream_LastEventIdDash_ReplaysEveryRunOfTheThreadFromTheOldest()
    {
        var thread = await _api.NewThreadAsync();
        var runs = new List<string>();
        foreach (var text in new[] { "one tokens=2", "two tokens=2" })
        {
            var run = (await _api.CreateBackgroundAsync(thread, RunsApi.Body(text))).GetProperty("run_id").GetString()!;
            await _api.WaitForStatusAsync(thread, run, "success");
            runs.Add(run);
        }

        await using var stream = await ThreadStream.OpenAsync(_api.Client, thread, lastEventId: "-");
        var first = await stream.ReadUntilRunDoneAsync(runs[0]);
        var second = await stream.ReadUntilRunDoneAsync(runs[1]);

        Assert.Equal($"{runs[0]}:0", first[0].Id);
        Assert.Equal($"{runs[1]}:0", second[0].Id);
        Assert.Equal(first.Count, second.Count);
    }

    [Fact]
    public async Task Stream_LastEventIdOfAnEvent_ResumesRightAfterIt()
    {
        var thread = await _api.NewThreadAsync();
        var runs = new List<string>();
        foreach (var text in new[] { "one tokens=2", "two tokens=2" })
        {
            var run = (await _api.CreateBackgroundAsync(thread, RunsApi.Body(text))).GetProperty("run_id").GetString()!;
            await _api.WaitForStatusAsync(thread, run, "success");
            runs.Add(run);
        }

        await using (var fromEvent = await ThreadStream.OpenAsync(_api.Client, thread, lastEventId: $"{runs[0]}:0"))
        {
            var frames = await fromEvent.ReadUntilRunDoneAsync(runs[0]);
            Assert.Equal($"{runs[0]}:1", frames[0].Id);
        }

        await using var fromDone = await ThreadStream.OpenAsync(_api.Client, thread, lastEventId: $"{runs[0]}:done");
        var next = await fromDone.ReadUntilRunDoneAsync(runs[1]);
        Assert.Equal($"{runs[1]}:0", next[0].Id);
    }

    [Fact]
    public async Task Stream_LifecycleMode_SendsOnlyEachRunsStartAndEnd()
    {
        var thread = await _api.NewThreadAsync();
        await using var stream = await ThreadStream.OpenAsync(_api.Client, thread, query: "?stream_mode=lifecycle");

        var run = (await _api.CreateBackgroundAsync(thread, RunsApi.Body("tokens=5"))).GetProperty("run_id").GetString()!;
        var frames = await stream.ReadUntilRunDoneAsync(run);

        Assert.Equal(2, frames.Count);
        Assert.Equal(run, frames[0].Json.GetProperty("run_id").GetString());
        Assert.Equal(1, frames[0].Json.GetProperty("attempt").GetInt32());
        Assert.Equal("run_done", frames[1].Json.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("?stream_mode=values", null, "query.stream_mode")]
    [InlineData("?stream_modes=run_modes,nope", null, "query.stream_modes")]
    [InlineData("", "42", "header.Last-Event-ID")]
    [InlineData("", "not-a-run:1", "header.Last-Event-ID")]
    public async Task Stream_BadModeOrLastEventId_Returns422WithThePath(string query, string? lastEventId, string path)
    {
        var thread = await _api.NewThreadAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/threads/{thread}/stream{query}");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await _api.Client.SendAsync(request);

        Assert.Equal(422, (int)response.StatusCode);
        Assert.Contains(path, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-thread")]
    [InlineData("bad%20id")]
    public async Task Stream_UnknownThread_Returns404(string thread)
    {
        using var response = await _api.Client.GetAsync($"/threads/{thread}/stream");

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>An open thread stream, read frame by frame.</summary>
    internal sealed class ThreadStream : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly CancellationTokenSource _guard = new(Guard);
        private readonly IAsyncEnumerator<SseFrame> _frames;

        private ThreadStream(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _frames = SseParser.ReadAsync(body, _guard.Token).GetAsyncEnumerator(_guard.Token);
        }

        public static async Task<ThreadStream> OpenAsync(HttpClient client, string thread, string? lastEventId = null, string query = "")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/threads/{thread}/stream{query}");
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new ThreadStream(response, await response.Content.ReadAsStreamAsync());
        }

        /// <summary>The frames up to and including the run's <c>run_done</c>; every one of them is of that run.</summary>
        public async Task<List<SseFrame>> ReadUntilRunDoneAsync(string runId)
        {
            var frames = new List<SseFrame>();
            while (true)
            {
                Assert.True(await _frames.MoveNextAsync(), "the thread stream ended");
                var frame = _frames.Current;
                Assert.StartsWith(runId + ":", frame.Id, StringComparison.Ordinal);
                frames.Add(frame);
                if (frame.Id == runId + ":done")
                {
                    Assert.Equal(JsonValueKind.Object, frame.Json.ValueKind);
                    return frames;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _guard.CancelAsync();
            try
            {
                await _frames.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
            }

            _response.Dispose();
            _guard.Dispose();
        }
    }
}

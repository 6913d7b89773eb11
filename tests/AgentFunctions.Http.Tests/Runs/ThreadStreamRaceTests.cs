namespace AgentFunctions.Http.Tests.Runs;

/// <summary>A thread stream joined while a run is being created: the run is in the stream, whichever read it lands between.</summary>
public class ThreadStreamRaceTests(JoinRaceServerFixture server) : IClassFixture<JoinRaceServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact]
    public async Task Stream_RunCreatedWhileTheJoinReadsWhereToStart_StreamsThatRun()
    {
        // Arrange: the run is created right after the join's first read of the thread's runs, before its second.
        var thread = await _api.NewThreadAsync();
        var created = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.AfterNextRead(thread, async () =>
            created.SetResult((await _api.CreateBackgroundAsync(thread, RunsApi.Body("tokens=2"))).GetProperty("run_id").GetString()!));

        // Act
        await using var stream = await ThreadStreamTests.ThreadStream.OpenAsync(_api.Client, thread);
        var run = await created.Task;
        var frames = await stream.ReadUntilRunDoneAsync(run);

        // Assert: that run, from its first event (read the other way round, the stream waited for the run after it).
        Assert.Equal($"{run}:0", frames[0].Id);
        Assert.Equal("metadata", frames[0].Event);
        Assert.Contains(frames, f => f.Event == "values");
    }
}

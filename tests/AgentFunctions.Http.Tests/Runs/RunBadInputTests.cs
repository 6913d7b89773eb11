using System.Text;
using static AgentFunctions.Http.Tests.Runs.RunsApi;

namespace AgentFunctions.Http.Tests.Runs;

/// <summary>Client mistakes: each gets a problem-details answer of its own status, and no run is created.</summary>
public class RunBadInputTests(RunBadInputTests.SmallBodyServerFixture server) : IClassFixture<RunBadInputTests.SmallBodyServerFixture>
{
    private const string UnknownRunId = "01890a5d-ac96-774b-bcce-b302099a8057";

    private readonly RunsApi _api = new(server);

    public static TheoryData<string> CreateRoutes => ["", "/stream", "/wait"];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(CreateRoutes))]
    public async Task Create_MalformedJson_BadRequestAndNoRun(string route)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs{route}", """{"assistant_id":"agent","input":""");

        await response.AssertProblemAsync(400);
        Assert.Equal(0, await _api.RunCountAsync(threadId));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("\"assistant_id\":7", "$.assistant_id")]
    [InlineData("\"assistant_id\":\"agent\",\"stream_mode\":5", "$.stream_mode")]
    [InlineData("\"assistant_id\":\"agent\",\"stream_mode\":[\"values\",\"sideways\"]", "$.stream_mode[1]")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":[]", "$.config")]
    [InlineData("\"assistant_id\":\"agent\",\"metadata\":\"x\"", "$.metadata")]
    [InlineData("\"assistant_id\":\"agent\",\"multitask_strategy\":\"sometimes\"", "$.multitask_strategy")]
    [InlineData("\"assistant_id\":\"agent\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":5}]}", "$.input.messages[0].content")]
    [InlineData("\"input\":{}", "$.assistant_id")]
    [InlineData("\"assistant_id\":\"agent\",\"webhook\":5", "$.webhook")]
    [InlineData("\"assistant_id\":\"agent\",\"webhook\":{\"url\":\"x\"}", "$.webhook")]
    [InlineData("\"assistant_id\":\"agent\",\"webhook\":\"not a url\"", "$.webhook")]
    [InlineData("\"assistant_id\":\"agent\",\"after_seconds\":\"5\"", "$.after_seconds")]
    [InlineData("\"assistant_id\":\"agent\",\"after_seconds\":-1", "$.after_seconds")]
    [InlineData("\"assistant_id\":\"agent\",\"feedback_keys\":5", "$.feedback_keys")]
    [InlineData("\"assistant_id\":\"agent\",\"feedback_keys\":[5]", "$.feedback_keys[0]")]
    [InlineData("\"assistant_id\":\"agent\",\"stream_subgraphs\":\"yes\"", "$.stream_subgraphs")]
    [InlineData("\"assistant_id\":\"agent\",\"stream_resumable\":\"yes\"", "$.stream_resumable")]
    [InlineData("\"assistant_id\":\"agent\",\"checkpoint\":{\"checkpoint_ns\":5}", "$.checkpoint.checkpoint_ns")]
    [InlineData("\"assistant_id\":\"agent\",\"checkpoint\":{\"checkpoint_map\":5}", "$.checkpoint.checkpoint_map")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"tags\":\"a\"}", "$.config.tags")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"tags\":[1]}", "$.config.tags[0]")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"recursion_limit\":-1}", "$.config.recursion_limit")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"recursion_limit\":\"5\"}", "$.config.recursion_limit")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"run_name\":5}", "$.config.run_name")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"max_concurrency\":0}", "$.config.max_concurrency")]
    [InlineData("\"assistant_id\":\"agent\",\"config\":{\"configurable\":[]}", "$.config.configurable")]
    [InlineData("\"assistant_id\":\"agent\",\"context\":5", "$.context")]
    [InlineData("\"assistant_id\":\"agent\",\"durability\":\"forever\"", "$.durability")]
    [InlineData("\"assistant_id\":\"agent\",\"checkpoint_during\":\"yes\"", "$.checkpoint_during")]
    [InlineData("\"assistant_id\":\"agent\",\"on_completion\":\"archive\"", "$.on_completion")]
    [InlineData("\"assistant_id\":\"agent\",\"if_not_exists\":5", "$.if_not_exists")]
    [InlineData("\"assistant_id\":\"agent\",\"interrupt_before\":5", "$.interrupt_before")]
    [InlineData("\"assistant_id\":\"agent\",\"on_disconnect\":\"explode\"", "$.on_disconnect")]
    public async Task Stream_WrongTypes_UnprocessableWithPathAndNoRun(string fields, string path)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.PostStreamAsync($"/threads/{threadId}/runs/stream", "{" + fields + "}");

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal(path, problem.GetProperty("path").GetString());
        Assert.Equal(0, await _api.RunCountAsync(threadId));
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(CreateRoutes))]
    public async Task Create_UnknownThread_NotFound(string route)
    {
        var threadId = Guid.NewGuid().ToString("D");

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs{route}", Body("tokens=1"));

        await response.AssertProblemAsync(404);
        Assert.Null(await _api.Threads.GetAsync(Owner, threadId));
    }

    [Fact(Timeout = 60_000)]
    public async Task Wait_UnknownThreadWithIfNotExistsCreate_CreatesTheThreadAndRuns()
    {
        var threadId = Guid.NewGuid().ToString("D");

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs/wait", Body("tokens=1", "\"if_not_exists\":\"create\""));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.NotNull(await _api.Threads.GetAsync(Owner, threadId));
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(CreateRoutes))]
    public async Task Create_UnknownAssistant_NotFoundAndNoRun(string route)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{threadId}/runs{route}", """{"assistant_id":"no-such-assistant","input":{"messages":[]}}""");

        await response.AssertProblemAsync(404);
        Assert.Equal(0, await _api.RunCountAsync(threadId));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/cancel")]
    [InlineData("GET", "/join")]
    [InlineData("GET", "/stream")]
    public async Task RunRoute_UnknownRun_NotFound(string method, string route)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/threads/{threadId}/runs/{UnknownRunId}{route}"));

        await response.AssertProblemAsync(404);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("a%22b")]
    [InlineData("a%2Fb")]
    [InlineData("a%2F..%2Fb")]
    [InlineData("a%01b")]
    [InlineData("a%0Ab")]
    [InlineData("a%20b")]
    public async Task Stream_ThreadIdThatCannotBeAnId_NotFound(string escapedId)
    {
        using var response = await _api.PostStreamAsync($"/threads/{escapedId}/runs/stream", Body("tokens=1"));

        await response.AssertProblemAsync(404);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("a%22b")]
    [InlineData("a%2Fb")]
    [InlineData("a%01b")]
    [InlineData("01890A5D-AC96-774B-BCCE-B302099A8057")]
    public async Task Get_RunIdThatCannotBeAnId_NotFound(string escapedId)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.GetAsync($"/threads/{threadId}/runs/{escapedId}");

        await response.AssertProblemAsync(404);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("/cancel?wait=maybe")]
    [InlineData("/cancel?action=explode")]
    public async Task Cancel_BadQuery_Unprocessable(string route)
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/{UnknownRunId}{route}", null);

        await response.AssertProblemAsync(422);
    }

    [Fact(Timeout = 60_000)]
    public async Task List_LimitOutOfRange_Unprocessable()
    {
        var threadId = await _api.NewThreadAsync();

        using var response = await _api.Client.GetAsync($"/threads/{threadId}/runs?limit=0");

        await response.AssertProblemAsync(422);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_BodyLargerThanTheLimit_PayloadTooLargeAndNoRun()
    {
        var threadId = await _api.NewThreadAsync();
        var body = Body(new string('x', 64 * 1024));

        using var response = await _api.Client.PostAsync($"/threads/{threadId}/runs/stream", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(413);
        Assert.Equal(0, await _api.RunCountAsync(threadId));
    }

    /// <summary>The server with a small body limit (16 KiB), so the limit is reached with a small request.</summary>
    public sealed class SmallBodyServerFixture : ServerFixture
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings() => [new("Http:MaxRequestBodyBytes", "16384")];
    }
}

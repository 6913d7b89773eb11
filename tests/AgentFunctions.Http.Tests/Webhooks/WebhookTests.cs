using System.Diagnostics.Metrics;
using System.Text.Json;
using AgentFunctions.Http.Tests.Runs;

namespace AgentFunctions.Http.Tests.Webhooks;

/// <summary>Runs' webhooks: POSTed from the queue when the run ends, retried with backoff, given up, never changing the run.</summary>
public class WebhookTests(WebhookServerFixture server) : IClassFixture<WebhookServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Fact(Timeout = 180_000)]
    public async Task Run_WithAWebhook_PostsTheEndedRunWithItsValuesAndRunIdHeader()
    {
        var thread = await _api.NewThreadAsync();
        var name = Guid.NewGuid().ToString("N");
        var hook = new Uri(server.Receiver.BaseAddress, $"/ok/{name}");

        using var created = await _api.Client.PostJsonAsync($"/threads/{thread}/runs", RunsApi.Body("tokens=3", $"\"webhook\":\"{hook}\""));
        var runId = (await created.ReadJsonAsync()).GetProperty("run_id").GetString();
        var received = await server.Receiver.WaitForAsync(name, 1);

        var (header, body) = received[0];
        var posted = JsonDocument.Parse(body).RootElement;
        Assert.Equal(runId, header);
        Assert.Equal(runId, posted.GetProperty("run_id").GetString());
        Assert.Equal(thread, posted.GetProperty("thread_id").GetString());
        Assert.Equal("success", posted.GetProperty("status").GetString());
        Assert.Equal("ai", posted.GetProperty("values").GetProperty("messages").EnumerateArray().Last().GetProperty("type").GetString());
    }

    [Fact(Timeout = 180_000)]
    public async Task StatelessWaitedRun_WithAWebhook_IsDeliveredWithItsValues()
    {
        var name = Guid.NewGuid().ToString("N");
        var hook = new Uri(server.Receiver.BaseAddress, $"/ok/{name}");

        using var waited = await _api.Client.PostJsonAsync("/runs/wait", RunsApi.Body("tokens=3", $"\"webhook\":\"{hook}\""));
        var received = await server.Receiver.WaitForAsync(name, 1);

        var posted = JsonDocument.Parse(received[0].Body).RootElement;
        Assert.Equal(200, (int)waited.StatusCode);
        Assert.Equal("success", posted.GetProperty("status").GetString());
        Assert.Equal("ai", posted.GetProperty("values").GetProperty("messages").EnumerateArray().Last().GetProperty("type").GetString());
    }

    [Fact(Timeout = 180_000)]
    public async Task Run_WithAFailingWebhook_IsRetriedThenGivenUp_AndTheRunStaysASuccess()
    {
        var abandoned = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "agentfunctions.webhook.deliveries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: "abandoned" })
                {
                    Interlocked.Add(ref abandoned, (int)value);
                }
            }
        });
        listener.Start();
        var thread = await _api.NewThreadAsync();
        var name = Guid.NewGuid().ToString("N");
        var hook = new Uri(server.Receiver.BaseAddress, $"/fail/{name}");

        using var run = await _api.Client.PostJsonAsync($"/threads/{thread}/runs/wait", RunsApi.Body("tokens=3", $"\"webhook\":\"{hook}\""));
        var attempts = await server.Receiver.WaitForAsync(name, 3);
        while (Volatile.Read(ref abandoned) == 0)
        {
            await Task.Delay(50);
        }

        using var runs = await _api.Client.GetAsync($"/threads/{thread}/runs");
        var listed = (await runs.ReadJsonAsync()).EnumerateArray().Single();
        Assert.Equal(3, attempts.Select(a => a.RunIdHeader).Count(id => id == listed.GetProperty("run_id").GetString()));
        Assert.Equal("success", listed.GetProperty("status").GetString());
    }
}

/// <summary>With private networks not allowed (the default), a webhook that would reach into the server's own network is refused at creation.</summary>
public class WebhookRefusalTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly RunsApi _api = new(server);

    [Theory(Timeout = 120_000)]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://192.168.0.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    [InlineData("ftp://example.com/hook")]
    public async Task CreateRun_WebhookToAPrivateAddress_Is422AndNoRun(string url)
    {
        var thread = await _api.NewThreadAsync();

        using var response = await _api.Client.PostJsonAsync($"/threads/{thread}/runs", RunsApi.Body("hi", $"\"webhook\":\"{url}\""));
        using var runs = await _api.Client.GetAsync($"/threads/{thread}/runs");

        var problem = await response.AssertProblemAsync(422);
        Assert.Equal("$.webhook", problem.GetProperty("path").GetString());
        Assert.Empty((await runs.ReadJsonAsync()).EnumerateArray());
    }
}

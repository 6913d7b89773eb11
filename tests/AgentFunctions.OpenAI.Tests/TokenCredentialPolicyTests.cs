using System.ClientModel;
using System.ClientModel.Primitives;
using AgentFunctions.OpenAI.Tests.Fakes;

namespace AgentFunctions.OpenAI.Tests;

public sealed class TokenCredentialPolicyTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private FakeChatCompletionsServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ProcessAsync_TwoRequestsWhileTokenIsFresh_FetchesTokenOnce()
    {
        // Arrange
        var credential = new FakeTokenCredential("t1") { ExpiresOn = Start.AddHours(1) };
        var clock = new ManualTimeProvider(Start);
        var pipeline = Pipeline(new TokenCredentialPolicy(credential, "scope/.default", clock));

        // Act
        await SendAsync(pipeline);
        clock.Now = Start.AddMinutes(30);
        await SendAsync(pipeline);

        // Assert
        Assert.Equal(1, credential.Calls);
        Assert.All(_server.Requests, r => Assert.Equal("Bearer t1", r.Authorization));
    }

    [Fact]
    public async Task ProcessAsync_TokenWithinFiveMinutesOfExpiry_FetchesANewOne()
    {
        // Arrange
        var credential = new FakeTokenCredential("t1") { ExpiresOn = Start.AddHours(1) };
        var clock = new ManualTimeProvider(Start);
        var pipeline = Pipeline(new TokenCredentialPolicy(credential, "scope/.default", clock));

        // Act
        await SendAsync(pipeline);
        clock.Now = Start.AddMinutes(56);
        await SendAsync(pipeline);

        // Assert
        Assert.Equal(2, credential.Calls);
    }

    [Fact]
    public async Task ProcessAsync_PlainHttpToRemoteHost_ThrowsWithoutAskingForAToken()
    {
        // Arrange
        var credential = new FakeTokenCredential("t1");
        var pipeline = Pipeline(new TokenCredentialPolicy(credential, "scope/.default"));
        using var message = pipeline.CreateMessage(new Uri("http://models.example.com/v1/chat/completions"), "POST", classifier: null);

        // Act
        var exception = await Record.ExceptionAsync(async () => await pipeline.SendAsync(message));

        // Assert
        Assert.IsType<InvalidOperationException>(exception);
        Assert.Equal(0, credential.Calls);
    }

    private static ClientPipeline Pipeline(PipelinePolicy authentication) =>
        ClientPipeline.Create(new ClientPipelineOptions { RetryPolicy = new ClientRetryPolicy(0) }, [], [authentication], []);

    private async Task SendAsync(ClientPipeline pipeline)
    {
        _server.EnqueueJson("{}");
        using var message = pipeline.CreateMessage(new Uri(_server.Endpoint, "chat/completions"), "POST", classifier: null);
        message.Request.Content = BinaryContent.Create(BinaryData.FromString("{}"));
        await pipeline.SendAsync(message);
    }
}

using AgentFunctions.OpenAI.Tests.Fakes;
using static AgentFunctions.OpenAI.Tests.Fakes.TestClients;

namespace AgentFunctions.OpenAI.Tests;

public sealed class OpenAIChatClientAuthenticationTests
{
    [Fact]
    public async Task GetStreamingResponseAsync_ApiKey_SendsItAsBearerToken()
    {
        // Arrange
        await using var server = await FakeChatCompletionsServer.StartAsync();
        server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(server);

        // Act
        await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal($"Bearer {ApiKey}", server.SingleRequest.Authorization);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TokenCredential_SendsTheCredentialsToken()
    {
        // Arrange
        using var certificate = new TestCertificate();
        await using var server = await FakeChatCompletionsServer.StartAsync(certificate: certificate.Certificate);
        server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        var credential = new FakeTokenCredential("entra-token-xyz");
        using var client = OpenAIChatClientFactory.Create(
            new OpenAIModelOptions { Endpoint = server.Endpoint, Model = Model, UseEntraId = true, MaxRetries = 0 },
            credential,
            certificate.Transport);

        // Act
        await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal("Bearer entra-token-xyz", server.SingleRequest.Authorization);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TokenCredential_RequestsCognitiveServicesScope()
    {
        // Arrange
        using var certificate = new TestCertificate();
        await using var server = await FakeChatCompletionsServer.StartAsync(certificate: certificate.Certificate);
        server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        var credential = new FakeTokenCredential("entra-token-xyz");
        using var client = OpenAIChatClientFactory.Create(
            new OpenAIModelOptions { Endpoint = server.Endpoint, Model = Model, UseEntraId = true, MaxRetries = 0 },
            credential,
            certificate.Transport);

        // Act
        await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], credential.RequestedScopes.Distinct());
    }

    [Theory]
    [InlineData("/openai/v1/")]
    [InlineData("/openai/v1")]
    public async Task GetStreamingResponseAsync_AzureOpenAIV1Endpoint_PostsBelowItsPath(string basePath)
    {
        // Arrange
        await using var server = await FakeChatCompletionsServer.StartAsync(basePath);
        server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = Create(server);

        // Act
        await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal("/openai/v1/chat/completions", server.SingleRequest.Path);
    }
}

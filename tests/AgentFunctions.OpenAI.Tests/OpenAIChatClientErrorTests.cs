using Azure;
using AgentFunctions.OpenAI.Tests.Fakes;
using static AgentFunctions.OpenAI.Tests.Fakes.TestClients;

namespace AgentFunctions.OpenAI.Tests;

public sealed class OpenAIChatClientErrorTests : IAsyncLifetime
{
    private FakeChatCompletionsServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetStreamingResponseAsync_Unauthorized_ThrowsWithStatusAndServiceMessage()
    {
        // Arrange
        _server.EnqueueError(401, Chunks.Error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
        using var client = Create(_server);

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => StreamAsync(client, User("hi")));

        // Assert
        Assert.Equal(401, exception.Status);
        Assert.Equal("invalid_api_key", exception.ErrorCode);
        Assert.Contains("401", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorEchoingTheKey_NeverShowsTheKey()
    {
        // Arrange
        _server.EnqueueError(401, Chunks.Error($"Incorrect API key provided: {ApiKey}.", "invalid_request_error", "invalid_api_key"));
        using var client = Create(_server);

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => StreamAsync(client, User("hi")));

        // Assert
        Assert.DoesNotContain(ApiKey, exception.ToString(), StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_RateLimited_ThrowsWithStatusAndServiceMessage()
    {
        // Arrange
        _server.EnqueueError(429, Chunks.Error("Rate limit reached for requests.", "requests", "rate_limit_exceeded"));
        using var client = Create(_server);

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => StreamAsync(client, User("hi")));

        // Assert
        Assert.Equal(429, exception.Status);
        Assert.Contains("429", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Rate limit reached for requests.", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_ServerError_ThrowsWithStatusAndServiceMessage()
    {
        // Arrange
        _server.EnqueueError(500, Chunks.Error("The server had an error while processing your request.", "server_error", null));
        using var client = Create(_server);

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetResponseAsync(User("hi")));

        // Assert
        Assert.Equal(500, exception.Status);
        Assert.Equal("server_error", exception.ErrorCode);
        Assert.Contains("The server had an error while processing your request.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_ErrorWithRequestId_NamesTheRequestId()
    {
        // Arrange
        _server.EnqueueError(400, Chunks.Error("Invalid value for 'temperature'.", "invalid_request_error", null));
        using var client = Create(_server);

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetResponseAsync(User("hi")));

        // Assert
        Assert.Contains("req_fake", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorBodyNotJson_ThrowsWithStatus()
    {
        // Arrange
        _server.EnqueueError(502, "<html>Bad Gateway</html>");
        using var client = Create(_server);

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => StreamAsync(client, User("hi")));

        // Assert
        Assert.Equal(502, exception.Status);
        Assert.Contains("502", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_RetriableFailureThenSuccess_RetriesAndStreams()
    {
        // Arrange
        _server.EnqueueError(500, Chunks.Error("Try again.", "server_error", null));
        _server.EnqueueStream(Chunks.Text("ok"), Chunks.Finish("stop"));
        using var client = OpenAIChatClientFactory.Create(
            new OpenAIModelOptions { Endpoint = _server.Endpoint, ApiKey = ApiKey, Model = Model, MaxRetries = 1 });

        // Act
        var updates = await StreamAsync(client, User("hi"));

        // Assert
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal("ok", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_NothingListening_ThrowsWithStatusZeroAndEndpoint()
    {
        // Arrange
        var endpoint = _server.Endpoint;
        await _server.DisposeAsync();
        _server = await FakeChatCompletionsServer.StartAsync();
        using var client = OpenAIChatClientFactory.Create(
            new OpenAIModelOptions { Endpoint = endpoint, ApiKey = ApiKey, Model = Model, MaxRetries = 0 });

        // Act
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => StreamAsync(client, User("hi")));

        // Assert
        Assert.Equal(0, exception.Status);
        Assert.Contains(endpoint.ToString(), exception.Message, StringComparison.Ordinal);
    }
}

using AgentFunctions.Storage.Queues;
using Azure;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>Arguments the service would refuse are refused before any request is sent.</summary>
public sealed class QueueClientValidationTests
{
    private readonly CountingPolicy _counter = new();
    private readonly QueueServiceClient _service;
    private readonly QueueClient _queue;

    public QueueClientValidationTests()
    {
        _service = QueueTestClients.Service(_counter);
        _queue = _service.GetQueueClient(QueueTestClients.UniqueQueueName());
    }

    [Fact]
    public async Task PeekMessagesAsync_ValidArguments_SendsOneRequest()
    {
        // The control for the tests below: the counter does see requests the client sends.
        await Assert.ThrowsAsync<RequestFailedException>(() => _queue.PeekMessagesAsync(maxMessages: 32));

        Assert.Equal(1, _counter.Count);
    }

    [Theory]
    [InlineData("ab", "3 to 63")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123", "3 to 63")]
    [InlineData("Upper", "lowercase")]
    [InlineData("has_underscore", "lowercase")]
    [InlineData("has space", "lowercase")]
    [InlineData("-leading", "starts and ends")]
    [InlineData("trailing-", "starts and ends")]
    [InlineData("double--hyphen", "consecutive")]
    public void GetQueueClient_InvalidName_ThrowsSayingWhyAndSendsNothing(string name, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => _service.GetQueueClient(name));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal("queueName", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("a-b-c")]
    [InlineData("0runs")]
    [InlineData("runs-poison")]
    [InlineData("a12345678901234567890123456789012345678901234567890123456789012")]
    public void GetQueueClient_ValidName_ReturnsClientWithName(string name)
    {
        var queue = _service.GetQueueClient(name);

        Assert.Equal(name, queue.Name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(-1)]
    public async Task ReceiveMessagesAsync_MaxMessagesOutOfRange_ThrowsAndSendsNothing(int maxMessages)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _queue.ReceiveMessagesAsync(maxMessages));

        Assert.Equal("maxMessages", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public async Task PeekMessagesAsync_MaxMessagesOutOfRange_ThrowsAndSendsNothing(int maxMessages)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _queue.PeekMessagesAsync(maxMessages));

        Assert.Equal("maxMessages", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(7 * 24 * 3600 + 1)]
    public async Task ReceiveMessagesAsync_VisibilityTimeoutOutOfRange_ThrowsAndSendsNothing(int seconds)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _queue.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(seconds)));

        Assert.Equal("visibilityTimeout", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(7 * 24 * 3600 + 1)]
    public async Task SendMessageAsync_VisibilityDelayOutOfRange_ThrowsAndSendsNothing(int seconds)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _queue.SendMessageAsync("x", visibilityDelay: TimeSpan.FromSeconds(seconds)));

        Assert.Equal("visibilityDelay", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Fact]
    public async Task SendMessageAsync_VisibilityDelayNotShorterThanTimeToLive_ThrowsAndSendsNothing()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _queue.SendMessageAsync("x", visibilityDelay: TimeSpan.FromMinutes(5), timeToLive: TimeSpan.FromMinutes(5)));

        Assert.Equal("visibilityDelay", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(0.5)]
    public async Task SendMessageAsync_TimeToLiveOutOfRange_ThrowsAndSendsNothing(double seconds)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _queue.SendMessageAsync("x", timeToLive: TimeSpan.FromSeconds(seconds)));

        Assert.Equal("timeToLive", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Fact]
    public async Task SendMessageAsync_BodyOver64KiBEncoded_ThrowsAndSendsNothing()
    {
        var body = new BinaryData(new byte[QueueLimits.MaxEncodedMessageLength / 4 * 3 + 1]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _queue.SendMessageAsync(body));

        Assert.Equal("body", error.ParamName);
        Assert.Contains("65536", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _counter.Count);
    }

    [Fact]
    public async Task UpdateMessageAsync_BodyOver64KiBEncoded_ThrowsAndSendsNothing()
    {
        var body = new BinaryData(new byte[QueueLimits.MaxEncodedMessageLength / 4 * 3 + 1]);

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => _queue.UpdateMessageAsync("id", "receipt", TimeSpan.Zero, body));

        Assert.Equal("body", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(7 * 24 * 3600 + 1)]
    public async Task UpdateMessageAsync_VisibilityTimeoutOutOfRange_ThrowsAndSendsNothing(int seconds)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _queue.UpdateMessageAsync("id", "receipt", TimeSpan.FromSeconds(seconds)));

        Assert.Equal("visibilityTimeout", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData("", "receipt")]
    [InlineData("id", "")]
    public async Task DeleteMessageAsync_EmptyIdOrReceipt_ThrowsAndSendsNothing(string messageId, string popReceipt)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _queue.DeleteMessageAsync(messageId, popReceipt));

        Assert.Equal(0, _counter.Count);
    }

    [Theory]
    [InlineData("1starts-with-digit")]
    [InlineData("has-hyphen")]
    [InlineData("")]
    public async Task CreateIfNotExistsAsync_InvalidMetadataName_ThrowsAndSendsNothing(string name)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => _queue.CreateIfNotExistsAsync(new Dictionary<string, string> { [name] = "v" }));

        Assert.Equal("metadata", error.ParamName);
        Assert.Equal(0, _counter.Count);
    }
}

using System.Text;
using System.Text.Json;
using AgentFunctions.Storage.Queues;
using Azure;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>Sending, receiving, peeking, updating and deleting messages, against the test storage account.</summary>
public sealed class QueueClientMessageTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly QueueClient _queue = QueueTestClients.Service().GetQueueClient(QueueTestClients.UniqueQueueName());

    public static TheoryData<string, byte[]> Bodies => new()
    {
        { "unicode", Encoding.UTF8.GetBytes("Grüße, 世界 🌍 — <tag attr=\"x\"> & ]]> \u0001 \r\n\t") },
        { "json", JsonSerializer.SerializeToUtf8Bytes(new { runId = "r-1", threadId = "t-1", tags = new[] { "a", "<b>" }, n = 3.5 }) },
        { "binary", [0x00, 0xFF, 0xFE, 0x80, 0x3C, 0x26, 0x0A, 0x0D, 0x00, 0xC3, 0x28, 0xF0, 0x9F] },
        { "empty", [] },
    };

    public async Task InitializeAsync() => await _queue.CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await _queue.DeleteIfExistsAsync();

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ReceiveMessagesAsync_AfterSend_ReturnsTheSameBody(string kind, byte[] body)
    {
        await _queue.SendMessageAsync(new BinaryData(body));

        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);

        Assert.True(body.AsSpan().SequenceEqual(received.Body.ToMemory().Span), kind);
    }

    [Fact]
    public async Task SendMessageAsync_Text_ReceivedAsUtf8()
    {
        await _queue.SendMessageAsync("héllo, 世界");

        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);

        Assert.Equal("héllo, 世界", received.Body.ToString());
    }

    [Fact]
    public async Task SendMessageAsync_Body_StoresBase64MessageText()
    {
        var body = Encoding.UTF8.GetBytes("{\"run_id\":\"r-1\",\"note\":\"<ü>\"}");

        await _queue.SendMessageAsync(new BinaryData(body));

        var raw = await QueueTestClients.PeekRawMessageTextAsync(_queue);
        Assert.Equal(Convert.ToBase64String(body), raw);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_Base64TextFromAnotherProducer_DecodesBody()
    {
        await QueueTestClients.PutRawMessageTextAsync(_queue, Convert.ToBase64String(Encoding.UTF8.GetBytes("from a binding")));

        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);

        Assert.Equal("from a binding", received.Body.ToString());
    }

    [Fact]
    public async Task ReceiveMessagesAsync_TextThatIsNotBase64_ReturnsTextAsBody()
    {
        await QueueTestClients.PutRawMessageTextAsync(_queue, "plain text, not base64!");

        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);

        Assert.Equal("plain text, not base64!", received.Body.ToString());
        Assert.Equal("plain text, not base64!", received.MessageText);
    }

    [Fact]
    public async Task SendMessageAsync_ValidMessage_ReturnsReceipt()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);

        SendReceipt receipt = await _queue.SendMessageAsync("x", timeToLive: TimeSpan.FromHours(1));

        Assert.False(string.IsNullOrEmpty(receipt.MessageId));
        Assert.False(string.IsNullOrEmpty(receipt.PopReceipt));
        Assert.True(receipt.InsertedOn > before);
        Assert.Equal(TimeSpan.FromHours(1), receipt.ExpiresOn - receipt.InsertedOn);
        Assert.True(receipt.NextVisibleOn >= receipt.InsertedOn);
    }

    [Fact]
    public async Task SendMessageAsync_NeverExpires_ExpiresAtEndOfTime()
    {
        SendReceipt receipt = await _queue.SendMessageAsync("forever", timeToLive: QueueClient.MessageNeverExpires);

        Assert.Equal(9999, receipt.ExpiresOn.Year);
        var peeked = Assert.Single((await _queue.PeekMessagesAsync()).Value);
        Assert.Equal(9999, peeked.ExpiresOn.Year);
    }

    [Fact]
    public async Task SendMessageAsync_LargestBody_IsAccepted()
    {
        var body = new byte[QueueLimits.MaxEncodedMessageLength / 4 * 3];
        Random.Shared.NextBytes(body);

        await _queue.SendMessageAsync(new BinaryData(body));

        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);
        Assert.True(body.AsSpan().SequenceEqual(received.Body.ToMemory().Span));
    }

    [Fact]
    public async Task SendMessageAsync_WithVisibilityDelay_HiddenUntilDelayPasses()
    {
        await _queue.SendMessageAsync("later", visibilityDelay: TimeSpan.FromSeconds(2));

        var immediately = await _queue.ReceiveMessagesAsync();

        Assert.Empty(immediately.Value);
        var later = await QueueTestClients.PollAsync(
            async () => (await _queue.ReceiveMessagesAsync()).Value, messages => messages.Count > 0, Deadline, "The delayed message's appearance");
        Assert.Equal("later", Assert.Single(later).Body.ToString());
    }

    [Fact]
    public async Task ReceiveMessagesAsync_ReceivedMessage_InvisibleUntilTimeoutThenDequeueCountIsTwo()
    {
        await _queue.SendMessageAsync("work");
        var first = Assert.Single((await _queue.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(2))).Value);

        var whileHidden = await _queue.ReceiveMessagesAsync();

        Assert.Empty(whileHidden.Value);
        Assert.Equal(1, first.DequeueCount);
        var again = await QueueTestClients.PollAsync(
            async () => (await _queue.ReceiveMessagesAsync()).Value, messages => messages.Count > 0, Deadline, "The message's reappearance");
        var second = Assert.Single(again);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_SeveralVisible_ReturnsUpToMaxMessages()
    {
        for (var i = 0; i < 5; i++)
        {
            await _queue.SendMessageAsync($"m{i}");
        }

        var received = await _queue.ReceiveMessagesAsync(maxMessages: 3);

        Assert.Equal(3, received.Value.Count);
        Assert.Equal(3, received.Value.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task ReceiveMessagesAsync_EmptyQueue_ReturnsNoMessages()
    {
        var received = await _queue.ReceiveMessagesAsync(maxMessages: 32);

        Assert.Empty(received.Value);
    }

    [Fact]
    public async Task PeekMessagesAsync_PeekedTwice_DequeueCountUnchanged()
    {
        SendReceipt sent = await _queue.SendMessageAsync("look");

        var first = Assert.Single((await _queue.PeekMessagesAsync()).Value);
        var second = Assert.Single((await _queue.PeekMessagesAsync()).Value);

        Assert.Equal(sent.MessageId, second.MessageId);
        Assert.Equal(0, first.DequeueCount);
        Assert.Equal(0, second.DequeueCount);
        Assert.Equal("look", second.Body.ToString());
        Assert.Equal(1, Assert.Single((await _queue.ReceiveMessagesAsync()).Value).DequeueCount);
    }

    [Fact]
    public async Task UpdateMessageAsync_NewContentAndTimeout_ThenDeleteWithNewReceipt_DeletesMessage()
    {
        await _queue.SendMessageAsync("v1");
        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);

        UpdateReceipt updated = await _queue.UpdateMessageAsync(
            received.MessageId, received.PopReceipt, TimeSpan.FromMinutes(5), BinaryData.FromString("v2"));
        await _queue.DeleteMessageAsync(received.MessageId, updated.PopReceipt);

        Assert.NotEqual(received.PopReceipt, updated.PopReceipt);
        Assert.True(updated.NextVisibleOn > DateTimeOffset.UtcNow.AddMinutes(3));
        var gone = await Assert.ThrowsAsync<RequestFailedException>(
            () => _queue.UpdateMessageAsync(received.MessageId, updated.PopReceipt, TimeSpan.Zero));
        Assert.Equal("MessageNotFound", gone.ErrorCode);
    }

    [Fact]
    public async Task UpdateMessageAsync_ZeroTimeoutAndNewContent_MessageVisibleWithNewBody()
    {
        await _queue.SendMessageAsync("v1");
        var received = Assert.Single((await _queue.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromMinutes(5))).Value);

        await _queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.Zero, BinaryData.FromString("v2"));

        var peeked = Assert.Single((await _queue.PeekMessagesAsync()).Value);
        Assert.Equal("v2", peeked.Body.ToString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("v2")), await QueueTestClients.PeekRawMessageTextAsync(_queue));
    }

    [Fact]
    public async Task UpdateMessageAsync_WithoutBody_KeepsBody()
    {
        await _queue.SendMessageAsync("keep me");
        var received = Assert.Single((await _queue.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromMinutes(5))).Value);

        await _queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.Zero);

        Assert.Equal("keep me", Assert.Single((await _queue.PeekMessagesAsync()).Value).Body.ToString());
    }

    [Fact]
    public async Task DeleteMessageAsync_StalePopReceipt_ThrowsPopReceiptMismatch()
    {
        await _queue.SendMessageAsync("contested");
        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);
        await _queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _queue.DeleteMessageAsync(received.MessageId, received.PopReceipt));

        Assert.Equal(400, error.Status);
        Assert.Equal("PopReceiptMismatch", error.ErrorCode);
    }

    [Fact]
    public async Task DeleteMessageAsync_AlreadyDeleted_ThrowsMessageNotFound()
    {
        await _queue.SendMessageAsync("once");
        var received = Assert.Single((await _queue.ReceiveMessagesAsync()).Value);
        await _queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _queue.DeleteMessageAsync(received.MessageId, received.PopReceipt));

        Assert.Equal(404, error.Status);
        Assert.Equal("MessageNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task ClearMessagesAsync_QueueWithMessages_EmptiesQueue()
    {
        for (var i = 0; i < 3; i++)
        {
            await _queue.SendMessageAsync($"m{i}");
        }

        await _queue.ClearMessagesAsync();

        Assert.Empty((await _queue.PeekMessagesAsync(maxMessages: 32)).Value);
    }
}

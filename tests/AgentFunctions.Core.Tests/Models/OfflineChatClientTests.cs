using System.Text.Json;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Models;

public sealed class OfflineChatClientTests
{
    private static readonly JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    [Fact]
    public async Task GetStreamingResponseAsync_TokensDirective_StreamsThatManyLoremWords()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=3"));

        // Assert
        Assert.Equal(["Lorem ", "ipsum ", "dolor."], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TokensDirective_ConcatenatesToSentence()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("please write tokens=3 words"));

        // Assert
        Assert.Equal("Lorem ipsum dolor.", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_MoreTokensThanWords_CyclesThroughWords()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=21"));

        // Assert
        Assert.Equal(
            "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua Lorem ipsum.",
            string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_NoDirective_StreamsDefaultTokenCount()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("hello"));

        // Assert
        Assert.Equal(200, updates.Count);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_NoDirective_UsesConfiguredDefault()
    {
        // Arrange
        using var client = new OfflineChatClient(new OfflineChatClientOptions { DefaultTokens = 5 });

        // Act
        var updates = await StreamAsync(client, User("hello"));

        // Assert
        Assert.Equal(["Lorem ", "ipsum ", "dolor ", "sit ", "amet."], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_DirectiveInEarlierUserMessageOnly_UsesDefault()
    {
        // Arrange
        using var client = new OfflineChatClient(new OfflineChatClientOptions { DefaultTokens = 2 });
        ChatMessage[] messages = [new(ChatRole.User, "tokens=9"), new(ChatRole.Assistant, "Lorem."), new(ChatRole.User, "again")];

        // Act
        var updates = await StreamAsync(client, messages);

        // Assert
        Assert.Equal(["Lorem ", "ipsum."], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TokensAboveMaximum_CapsAtMaximum()
    {
        // Arrange
        using var client = new OfflineChatClient(new OfflineChatClientOptions { DefaultTokens = 2, MaxTokens = 4 });

        // Act
        var updates = await StreamAsync(client, User("tokens=99999999999999999999999"));

        // Assert
        Assert.Equal(["Lorem ", "ipsum ", "dolor ", "sit."], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ZeroTokens_StreamsOneWord()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=0"));

        // Assert
        Assert.Equal(["Lorem."], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextReply_EveryUpdateIsAssistantWithOneMessageIdAndModel()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=4"));

        // Assert
        Assert.All(updates, u => Assert.Equal((ChatRole.Assistant, updates[0].MessageId, "offline"), (u.Role, u.MessageId, u.ModelId)));
        Assert.False(string.IsNullOrEmpty(updates[0].MessageId));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextReply_OnlyLastUpdateCarriesStop()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=4"));

        // Assert
        Assert.Equal([null, null, null, ChatFinishReason.Stop], updates.Select(u => u.FinishReason));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextReply_LastUpdateCarriesUsage()
    {
        // Arrange
        using var client = new OfflineChatClient();
        ChatMessage[] messages = [new(ChatRole.System, "You are  helpful."), new(ChatRole.User, "tokens=3 say\nsomething")];

        // Act
        var updates = await StreamAsync(client, messages);

        // Assert
        var usage = Assert.Single(updates[^1].Contents.OfType<UsageContent>()).Details;
        Assert.Equal((6L, 3L, 9L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextReply_OnlyLastUpdateCarriesUsage()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=3"));

        // Assert
        Assert.Equal([0, 0, 1], updates.Select(u => u.Contents.OfType<UsageContent>().Count()));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CalcDirective_EmitsOneCalculatorCall()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("What is calc:  (2 + 3) * 4  "));

        // Assert
        var update = Assert.Single(updates);
        var call = Assert.Single(update.Contents.OfType<FunctionCallContent>());
        Assert.Equal("calculator", call.Name);
        Assert.Equal("""{"expression":"(2 + 3) * 4"}""", JsonSerializer.Serialize(call.Arguments, CompactJson));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CalcDirective_FinishesWithToolCallsAndNoText()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("calc: 2+2"));

        // Assert
        var update = Assert.Single(updates);
        Assert.Equal((ChatFinishReason.ToolCalls, "", ChatRole.Assistant, "offline"), (update.FinishReason, update.Text, update.Role, update.ModelId));
        Assert.DoesNotContain(update.Contents, c => c is TextContent);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CalcDirective_ExpressionEndsAtLineEnd()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("calc: 1 + 1\r\nand explain"));

        // Assert
        var call = Assert.Single(updates[0].Contents.OfType<FunctionCallContent>());
        Assert.Equal("1 + 1", call.Arguments!["expression"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CalcDirective_ReportsUsageOfOneOutputToken()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("please calc: 2+2"));

        // Assert
        var usage = Assert.Single(updates[0].Contents.OfType<UsageContent>()).Details;
        Assert.Equal((3L, 1L, 4L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_SameConversationTwice_SameCallId()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var first = await StreamAsync(client, User("calc: 2+2"));
        var second = await StreamAsync(client, User("calc: 2+2"));

        // Assert
        Assert.Equal(CallId(first), CallId(second));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_LaterTurnOfConversation_NewCallId()
    {
        // Arrange
        using var client = new OfflineChatClient();
        var firstTurn = await StreamAsync(client, User("calc: 2+2"));
        ChatMessage[] history =
        [
            new(ChatRole.User, "calc: 2+2"),
            new(ChatRole.Assistant, [.. firstTurn[0].Contents.OfType<FunctionCallContent>()]),
            new(ChatRole.Tool, [new FunctionResultContent(CallId(firstTurn), "4")]),
            new(ChatRole.Assistant, "The answer is 4."),
            new(ChatRole.User, "calc: 2+2"),
        ];

        // Act
        var secondTurn = await StreamAsync(client, history);

        // Assert
        Assert.NotEqual(CallId(firstTurn), CallId(secondTurn));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AfterToolResult_StreamsAnswerWordByWord()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, ToolRoundTrip("2+2", "4"));

        // Assert
        Assert.Equal(["The ", "answer ", "is ", "4."], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AfterMultiWordToolResult_ConcatenatesExactly()
    {
        // Arrange
        using var client = new OfflineChatClient();
        const string result = "Tool 'calculator' failed: CalculatorException: Division by zero at position 2.";

        // Act
        var updates = await StreamAsync(client, ToolRoundTrip("1/0", result));

        // Assert
        Assert.Equal($"The answer is {result}.", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AfterToolResult_FinishesWithStopAndUsage()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, ToolRoundTrip("2+2", "4"));

        // Assert
        var usage = Assert.Single(updates[^1].Contents.OfType<UsageContent>()).Details;
        Assert.Equal((ChatFinishReason.Stop, 3L, 4L), (updates[^1].FinishReason, usage.InputTokenCount, usage.OutputTokenCount));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolMessageWithTextOnly_AnswersWithText()
    {
        // Arrange
        using var client = new OfflineChatClient();
        ChatMessage[] messages = [new(ChatRole.User, "calc: 6*7"), new(ChatRole.Tool, "42")];

        // Act
        var updates = await StreamAsync(client, messages);

        // Assert
        Assert.Equal("The answer is 42.", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolRoundTripThroughRegistry_AnswersWithResult()
    {
        // Arrange
        using var client = new OfflineChatClient();
        var registry = new ToolRegistry();
        var history = new List<ChatMessage> { new(ChatRole.User, "calc: 0.1 + 0.2") };
        var callUpdate = Assert.Single(await StreamAsync(client, [.. history]));
        var call = Assert.Single(callUpdate.Contents.OfType<FunctionCallContent>());
        var result = await registry.InvokeAsync(call);
        history.Add(new ChatMessage(ChatRole.Assistant, [call]));
        history.Add(new ChatMessage(ChatRole.Tool, [result.ToFunctionResultContent(call.CallId)]));

        // Act
        var answer = await StreamAsync(client, [.. history]);

        // Assert
        Assert.Equal("The answer is 0.3.", string.Concat(answer.Select(u => u.Text)));
    }

    [Fact]
    public async Task GetResponseAsync_TextReply_AggregatesStream()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "tokens=3")]);

        // Assert
        var message = Assert.Single(response.Messages);
        Assert.Equal(
            ("Lorem ipsum dolor.", ChatRole.Assistant, ChatFinishReason.Stop, "offline", 3L),
            (message.Text, message.Role, response.FinishReason, response.ModelId, response.Usage?.OutputTokenCount));
    }

    [Fact]
    public async Task GetResponseAsync_TextReply_KeepsStreamMessageId()
    {
        // Arrange
        using var client = new OfflineChatClient();
        var updates = await StreamAsync(client, User("tokens=3"));

        // Act
        var response = await client.GetResponseAsync(User("tokens=3"));

        // Assert
        Assert.Equal(updates[0].MessageId, Assert.Single(response.Messages).MessageId);
    }

    [Fact]
    public async Task GetResponseAsync_CalcDirective_ReturnsToolCall()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var response = await client.GetResponseAsync(User("calc: 2+2"));

        // Assert
        var call = Assert.Single(Assert.Single(response.Messages).Contents.OfType<FunctionCallContent>());
        Assert.Equal((ChatFinishReason.ToolCalls, "calculator", "2+2"), (response.FinishReason, call.Name, call.Arguments!["expression"]));
    }

    [Fact(Timeout = 30_000)]
    public async Task GetStreamingResponseAsync_CancelledDuringDelay_StopsWithOperationCanceled()
    {
        // Arrange
        // A delay of weeks: a stream that ignored the token would never end; the timeout fails the test instead.
        using var client = new OfflineChatClient(new OfflineChatClientOptions { MaxDelayMilliseconds = int.MaxValue });
        using var cts = new CancellationTokenSource();
        var stream = client.GetStreamingResponseAsync(User("tokens=5 delay_ms=2000000000"), cancellationToken: cts.Token);
        await using var enumerator = stream.GetAsyncEnumerator();
        var pending = enumerator.MoveNextAsync().AsTask();

        // Act
        await cts.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledMidStream_StopsBeforeRemainingTokens()
    {
        // Arrange
        using var client = new OfflineChatClient();
        using var cts = new CancellationTokenSource();
        var received = new List<string>();

        // Act
        var exception = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(User("tokens=1000 delay_ms=1"), cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                if (received.Count == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(exception);
        Assert.Equal(["Lorem ", "ipsum "], received);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AlreadyCancelled_YieldsNothing()
    {
        // Arrange
        using var client = new OfflineChatClient();
        var stream = client.GetStreamingResponseAsync(User("tokens=3"), cancellationToken: new CancellationToken(canceled: true));

        // Act
        var exception = await Record.ExceptionAsync(async () =>
        {
            await foreach (var _ in stream)
            {
                Assert.Fail("No update was expected.");
            }
        });

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(exception);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_DelayDirective_StillStreamsSameTokens()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var updates = await StreamAsync(client, User("tokens=3 delay_ms=1"));

        // Assert
        Assert.Equal(["Lorem ", "ipsum ", "dolor."], updates.Select(u => u.Text));
    }

    [Fact]
    public void GetService_Metadata_NamesOfflineProviderAndModel()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var metadata = client.GetService<ChatClientMetadata>();

        // Assert
        Assert.Equal(("offline", "offline"), (metadata?.ProviderName, metadata?.DefaultModelId));
    }

    [Fact]
    public void GetService_OwnType_ReturnsClient()
    {
        // Arrange
        using var client = new OfflineChatClient();

        // Act
        var service = client.GetService<OfflineChatClient>();

        // Assert
        Assert.Same(client, service);
    }

    [Theory]
    [InlineData(0, 10, 0)]
    [InlineData(11, 10, 0)]
    [InlineData(5, 10, -1)]
    public void Constructor_OptionsOutOfRange_Throws(int defaultTokens, int maxTokens, int maxDelay)
    {
        // Arrange
        var options = new OfflineChatClientOptions { DefaultTokens = defaultTokens, MaxTokens = maxTokens, MaxDelayMilliseconds = maxDelay };

        // Act
        var exception = Record.Exception(() => new OfflineChatClient(options));

        // Assert
        Assert.IsType<ArgumentOutOfRangeException>(exception);
    }

    private static ChatMessage[] User(string text) => [new(ChatRole.User, text)];

    private static ChatMessage[] ToolRoundTrip(string expression, string result) =>
    [
        new(ChatRole.User, $"calc: {expression}"),
        new(ChatRole.Assistant, [new FunctionCallContent("call_1", "calculator", new Dictionary<string, object?> { ["expression"] = expression })]),
        new(ChatRole.Tool, [new FunctionResultContent("call_1", result)]),
    ];

    private static string CallId(List<ChatResponseUpdate> updates) =>
        Assert.Single(Assert.Single(updates).Contents.OfType<FunctionCallContent>()).CallId;

    private static async Task<List<ChatResponseUpdate>> StreamAsync(OfflineChatClient client, ChatMessage[] messages)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages))
        {
            updates.Add(update);
        }

        return updates;
    }
}

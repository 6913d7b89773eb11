using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

public class MessagesReducerTests
{
    private static HumanMessage Human(string id, string text) => new() { Id = id, Content = text };

    private static string Describe(IEnumerable<Message> messages) =>
        string.Join(",", messages.Select(m => $"{m.Id}:{m.Content.ToText()}"));

    [Fact]
    public void AddMessages_NewIds_AppendsInOrder()
    {
        // Arrange
        Message[] current = [Human("1", "a")];
        Message[] update = [new AIMessage { Id = "2", Content = "b" }, Human("3", "c")];

        // Act
        var merged = MessagesReducer.AddMessages(current, update);

        // Assert
        Assert.Equal("1:a,2:b,3:c", Describe(merged));
    }

    [Fact]
    public void AddMessages_ExistingId_ReplacesInPlace()
    {
        // Arrange
        Message[] current = [Human("1", "a"), Human("2", "b"), Human("3", "c")];

        // Act
        var merged = MessagesReducer.AddMessages(current, [Human("2", "B"), Human("4", "d")]);

        // Assert
        Assert.Equal("1:a,2:B,3:c,4:d", Describe(merged));
    }

    [Fact]
    public void AddMessages_MissingIds_AssignsNewIds()
    {
        // Arrange
        var next = 0;

        // Act
        var merged = MessagesReducer.AddMessages(
            [new HumanMessage { Content = "a" }],
            [new HumanMessage { Content = "b" }],
            () => $"n{next++}");

        // Assert
        Assert.Equal("n0:a,n1:b", Describe(merged));
    }

    [Fact]
    public void AddMessages_RemoveMessage_DeletesById()
    {
        // Arrange
        Message[] current = [Human("1", "a"), Human("2", "b"), Human("3", "c")];

        // Act
        var merged = MessagesReducer.AddMessages(current, [RemoveMessage.For("2")]);

        // Assert
        Assert.Equal("1:a,3:c", Describe(merged));
    }

    [Fact]
    public void AddMessages_RemoveUnknownId_ThrowsValidationError()
    {
        // Arrange
        Message[] current = [Human("1", "a")];

        // Act
        var error = Assert.Throws<MessageValidationException>(
            () => MessagesReducer.AddMessages(current, [Human("2", "b"), RemoveMessage.For("nope")]));

        // Assert
        Assert.Equal("$[1]", error.Path);
    }

    [Fact]
    public void AddMessages_RemoveMessageAddedInSameUpdate_DeletesIt()
    {
        // Act
        var merged = MessagesReducer.AddMessages([Human("1", "a")], [Human("2", "b"), RemoveMessage.For("2")]);

        // Assert
        Assert.Equal("1:a", Describe(merged));
    }

    [Fact]
    public void AddMessages_RemoveThenReAdd_KeepsMessageInOriginalPlace()
    {
        // Arrange
        Message[] current = [Human("1", "a"), Human("2", "b")];

        // Act
        var merged = MessagesReducer.AddMessages(current, [RemoveMessage.For("1"), Human("1", "A")]);

        // Assert
        Assert.Equal("1:A,2:b", Describe(merged));
    }

    [Fact]
    public void AddMessages_RemoveAll_ClearsEverythingBeforeIt()
    {
        // Arrange
        Message[] current = [Human("1", "a"), Human("2", "b")];

        // Act
        var merged = MessagesReducer.AddMessages(
            current,
            [Human("3", "c"), RemoveMessage.For(RemoveMessage.RemoveAll), Human("4", "d")]);

        // Assert
        Assert.Equal("4:d", Describe(merged));
    }

    [Fact]
    public void AddMessages_RemoveAllAlone_ReturnsEmptyList()
    {
        // Act
        var merged = MessagesReducer.AddMessages([Human("1", "a")], [RemoveMessage.For(RemoveMessage.RemoveAll)]);

        // Assert
        Assert.Empty(merged);
    }

    [Fact]
    public void AddMessages_Inputs_AreNotMutated()
    {
        // Arrange
        var current = new List<Message> { Human("1", "a"), new HumanMessage { Content = "no id" } };
        var update = new List<Message> { Human("1", "A"), RemoveMessage.For("1"), new HumanMessage { Content = "new" } };
        var currentBefore = current.ToList();
        var updateBefore = update.ToList();

        // Act
        _ = MessagesReducer.AddMessages(current, update);

        // Assert
        Assert.Equal(currentBefore, current);
        Assert.Equal(updateBefore, update);
        Assert.Null(current[1].Id);
    }

    [Fact]
    public void AddMessages_Chunk_StoresCompleteAIMessage()
    {
        // Arrange
        var chunk = new AIMessageChunk
        {
            Id = "a1",
            Content = "hi",
            ToolCallChunks = [new ToolCallChunk("f", "{\"x\":1}", "c1", 0)],
        };

        // Act
        var merged = MessagesReducer.AddMessages([], [chunk]);

        // Assert
        var ai = Assert.IsType<AIMessage>(Assert.Single(merged));
        Assert.Equal("ai", ai.Type);
        Assert.Equal("f", Assert.Single(ai.ToolCalls).Name);
    }

    [Fact]
    public void AddMessages_ParsedClientInput_AppendsAfterState()
    {
        // Arrange
        Message[] current = [Human("1", "a")];
        var update = MessageJson.ParseInput(JsonAssert.Parse("""[{"role":"user","content":"b","id":"2"}]"""));

        // Act
        var merged = MessagesReducer.AddMessages(current, update);

        // Assert
        Assert.Equal("1:a,2:b", Describe(merged));
    }
}

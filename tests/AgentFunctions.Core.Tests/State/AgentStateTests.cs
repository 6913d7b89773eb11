using System.Text.Json;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.State;

namespace AgentFunctions.Core.Tests.State;

public class AgentStateTests
{
    [Fact]
    public void Apply_MessagesAndChannels_ReducesMessagesAndOverwritesChannels()
    {
        var state = AgentState.Empty
            .Apply(Update("""{"messages":[{"type":"human","content":"hi","id":"1"}],"mood":"calm","count":1}"""))
            .Apply(Update("""{"messages":[{"type":"ai","content":"hello","id":"2"}],"count":2}"""));

        Assert.Equal(["1", "2"], state.Messages.Select(m => m.Id));
        Assert.Equal("calm", state.Channels["mood"].GetString());
        Assert.Equal(2, state.Channels["count"].GetInt32());
    }

    [Fact]
    public void Apply_MessageWithExistingId_ReplacesItInPlace()
    {
        var state = AgentState.Empty
            .Apply(Update("""{"messages":[{"type":"human","content":"a","id":"1"},{"type":"ai","content":"b","id":"2"}]}"""))
            .Apply(Update("""{"messages":[{"type":"human","content":"edited","id":"1"}]}"""));

        Assert.Equal(["edited", "b"], state.Messages.Select(m => m.Content.ToText()));
    }

    [Fact]
    public void Apply_DoesNotChangeTheOriginalState()
    {
        var before = AgentState.Empty.Apply(Update("""{"messages":[{"type":"human","content":"a","id":"1"}]}"""));

        _ = before.Apply(Update("""{"messages":[{"type":"remove","id":"1"}],"x":1}"""));

        Assert.Single(before.Messages);
        Assert.Empty(before.Channels);
    }

    [Fact]
    public void ToJson_ThenParse_RoundTripsMessagesAndChannels()
    {
        var state = AgentState.Empty.Apply(Update("""{"messages":[{"role":"user","content":"hi","id":"1"}],"nested":{"a":[1,2,{"b":null}]}}"""));

        var reparsed = AgentState.Parse(state.ToJson());

        Assert.Equal(state.ToJson(), reparsed.ToJson());
        Assert.Equal("human", reparsed.Messages[0].Type);
    }

    [Fact]
    public void ParseInput_MessagesWithoutIds_AssignsIds()
    {
        var update = Update("""{"messages":"just text"}""");

        Assert.NotNull(update.Messages);
        Assert.False(string.IsNullOrEmpty(update.Messages![0].Id));
    }

    [Fact]
    public void ParseInput_NotAnObject_ThrowsValidationErrorAtTheRoot()
    {
        using var document = JsonDocument.Parse("[1]");

        var error = Assert.Throws<MessageValidationException>(() => StateUpdate.ParseInput(document.RootElement));

        Assert.Equal("$", error.Path);
    }

    private static StateUpdate Update(string json)
    {
        using var document = JsonDocument.Parse(json);
        return StateUpdate.ParseInput(document.RootElement);
    }
}

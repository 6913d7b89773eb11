using System.Text.Json;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Tests.Stores;

public class JsonObjectsTests
{
    private static JsonElement Json(string json) => JsonObjects.Parse(json);

    [Theory]
    [InlineData("""{"a": 1}""", """{"a": 1.0}""")]
    [InlineData("""{"a": 100}""", """{"a": 1e2}""")]
    [InlineData("""{"a": {"x": 1, "y": [1, 2]}, "b": "s"}""", """{"a": {"y": [1, 2], "x": 1}}""")]
    [InlineData("""{"a": null}""", """{"a": null}""")]
    [InlineData("""{"a": 1}""", """{}""")]
    [InlineData("""{}""", """{}""")]
    [InlineData("""{"a": {"x": 1, "y": 2}}""", """{"a": {"x": 1}}""")]
    [InlineData("""{"a": [1, 2]}""", """{"a": [2, 1]}""")]
    [InlineData("""{"a": [1, 2]}""", """{"a": [1]}""")]
    [InlineData("""{"a": [{"k": 1, "v": 2}, 3]}""", """{"a": [{"k": 1}]}""")]
    public void Matches_EveryFilterKeyContained_ReturnsTrue(string metadata, string filter)
    {
        Assert.True(JsonObjects.Matches(Json(metadata), Json(filter)));
    }

    [Theory]
    [InlineData("""{"a": 1}""", """{"a": "1"}""")]
    [InlineData("""{"a": true}""", """{"a": "true"}""")]
    [InlineData("""{"a": {"x": 1}}""", """{"a": {"x": 1, "y": 2}}""")]
    [InlineData("""{"a": [1]}""", """{"a": [1, 2]}""")]
    [InlineData("""{"a": 1}""", """{"a": [1]}""")]
    [InlineData("""{"b": 1}""", """{"a": null}""")]
    [InlineData("""{"A": 1}""", """{"a": 1}""")]
    [InlineData("""{"a": 1}""", """{"a": 1, "b": 2}""")]
    public void Matches_SomeFilterKeyAbsentOrNotContained_ReturnsFalse(string metadata, string filter)
    {
        Assert.False(JsonObjects.Matches(Json(metadata), Json(filter)));
    }

    [Fact]
    public void Matches_UndefinedFilter_ReturnsTrue()
    {
        Assert.True(JsonObjects.Matches(Json("""{"a": 1}"""), default));
    }

    [Fact]
    public void RequireObject_Undefined_ReturnsAnEmptyObject()
    {
        var value = JsonObjects.RequireObject(default, "metadata");

        Assert.Equal("{}", value.GetRawText());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("1")]
    [InlineData("null")]
    public void RequireObject_NotAnObject_ThrowsNamingTheValue(string json)
    {
        var ex = Assert.Throws<ArgumentException>(() => JsonObjects.RequireObject(Json(json), "metadata"));

        Assert.Equal("metadata", ex.ParamName);
    }

    [Fact]
    public void RequireObject_ElementOfADisposedDocument_OutlivesIt()
    {
        JsonElement value;
        using (var document = JsonDocument.Parse("""{"k": "v"}"""))
        {
            value = JsonObjects.RequireObject(document.RootElement, "metadata");
        }

        Assert.Equal("v", value.GetProperty("k").GetString());
    }
}

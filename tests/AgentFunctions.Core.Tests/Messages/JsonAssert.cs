using System.Text.Json;
using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

/// <summary>Compares JSON as trees, so spacing and property order do not matter.</summary>
internal static class JsonAssert
{
    public static void Equal(string expectedJson, JsonElement actual)
    {
        using var expected = JsonDocument.Parse(expectedJson);
        if (!JsonElement.DeepEquals(expected.RootElement, actual))
        {
            Assert.Fail($"JSON differs.\nExpected: {expected.RootElement.GetRawText()}\nActual:   {actual.GetRawText()}");
        }
    }

    public static void Equal(string expectedJson, Message actual) =>
        Equal(expectedJson, MessageJson.SerializeToElement(actual));

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

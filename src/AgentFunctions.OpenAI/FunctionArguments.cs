using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAI;

/// <summary>Function-call arguments as the JSON object text that chat completions carries.</summary>
internal static class FunctionArguments
{
    private static readonly JsonTypeInfo<IDictionary<string, object?>> TypeInfo =
        (JsonTypeInfo<IDictionary<string, object?>>)OpenAIJson.Options.GetTypeInfo(typeof(IDictionary<string, object?>));

    public static BinaryData Serialize(IDictionary<string, object?>? arguments) =>
        arguments is null
            ? BinaryData.FromString("{}")
            : BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(arguments, TypeInfo));

    /// <summary>
    /// The call with its arguments parsed into JSON values. Arguments that are not a JSON object
    /// leave the call without arguments and with the parse failure in
    /// <see cref="FunctionCallContent.Exception"/>, for the tool runner to report back.
    /// </summary>
    public static FunctionCallContent ToFunctionCall(string callId, string name, string arguments) =>
        string.IsNullOrWhiteSpace(arguments)
            ? new FunctionCallContent(callId, name, new Dictionary<string, object?>(StringComparer.Ordinal))
            : FunctionCallContent.CreateFromParsedArguments(arguments, callId, name, static json => JsonSerializer.Deserialize(json, TypeInfo));
}

using System.Text.Json.Nodes;

namespace AgentFunctions.OpenAI.Tests.Fakes;

/// <summary>Chat-completions stream chunks and completions as the service sends them.</summary>
internal static class Chunks
{
    public const string CompletionId = "chatcmpl-fake1";
    public const string Model = "gpt-fake-2025";
    public const long Created = 1_750_000_000;

    public static string Role() => Chunk(Delta(new JsonObject { ["role"] = "assistant", ["content"] = "" }));

    public static string Text(string delta) => Chunk(Delta(new JsonObject { ["content"] = delta }));

    /// <summary>A fragment of the tool call at <paramref name="index"/>; the first names id and function.</summary>
    public static string ToolCall(int index, string? id, string? name, string arguments)
    {
        var function = new JsonObject { ["arguments"] = arguments };
        var call = new JsonObject { ["index"] = index };
        if (id is not null)
        {
            call["id"] = id;
            call["type"] = "function";
        }

        if (name is not null)
        {
            function["name"] = name;
        }

        call["function"] = function;
        return Chunk(Delta(new JsonObject { ["tool_calls"] = new JsonArray(call) }));
    }

    public static string Finish(string reason) => Chunk(new JsonObject
    {
        ["index"] = 0,
        ["delta"] = new JsonObject(),
        ["finish_reason"] = reason,
    });

    /// <summary>The closing chunk of a stream with usage: no choices, only the counts.</summary>
    public static string Usage(int prompt, int completion) => new JsonObject
    {
        ["id"] = CompletionId,
        ["object"] = "chat.completion.chunk",
        ["created"] = Created,
        ["model"] = Model,
        ["choices"] = new JsonArray(),
        ["usage"] = UsageObject(prompt, completion),
    }.ToJsonString();

    public static string Completion(string? content, string finishReason, JsonArray? toolCalls = null)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content };
        if (toolCalls is not null)
        {
            message["tool_calls"] = toolCalls;
        }

        return new JsonObject
        {
            ["id"] = CompletionId,
            ["object"] = "chat.completion",
            ["created"] = Created,
            ["model"] = Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = UsageObject(12, 7),
        }.ToJsonString();
    }

    public static JsonObject FunctionToolCall(string id, string name, string arguments) => new()
    {
        ["id"] = id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
    };

    public static string Error(string message, string type, string? code) => new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = null,
            ["code"] = code,
        },
    }.ToJsonString();

    private static JsonObject Delta(JsonObject delta) => new()
    {
        ["index"] = 0,
        ["delta"] = delta,
        ["finish_reason"] = null,
    };

    private static string Chunk(JsonObject choice) => new JsonObject
    {
        ["id"] = CompletionId,
        ["object"] = "chat.completion.chunk",
        ["created"] = Created,
        ["model"] = Model,
        ["choices"] = new JsonArray(choice),
    }.ToJsonString();

    private static JsonObject UsageObject(int prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };
}

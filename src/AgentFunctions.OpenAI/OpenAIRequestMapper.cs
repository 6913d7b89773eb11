using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;
using OpenAIResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace AgentFunctions.OpenAI;

/// <summary>Maps <see cref="AIChatMessage"/>s and <see cref="ChatOptions"/> to a chat-completions request.</summary>
internal static class OpenAIRequestMapper
{
    private static readonly BinaryData EmptyObjectSchema = BinaryData.FromString("""{"type":"object","properties":{}}""");

    private static readonly ChatRole DeveloperRole = new("developer");

    public static List<OpenAIChatMessage> ToOpenAIMessages(IEnumerable<AIChatMessage> messages, ChatOptions? options)
    {
        var result = new List<OpenAIChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            result.Add(new SystemChatMessage(options.Instructions));
        }

        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            AddMessage(result, message);
        }

        return result;
    }

    public static ChatCompletionOptions ToCompletionOptions(ChatOptions? options, string clientModel, IChatClient client)
    {
        var result = options?.RawRepresentationFactory?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
        if (options is null)
        {
            return result;
        }

        if (!string.IsNullOrEmpty(options.ModelId) && !string.Equals(options.ModelId, clientModel, StringComparison.Ordinal))
        {
            // The SDK's ChatClient is bound to one model; JsonPatch is its way to replace a
            // serialized property, here the request's "model".
#pragma warning disable SCME0001
            result.Patch.Set("$.model"u8, options.ModelId);
#pragma warning restore SCME0001
        }

        result.Temperature ??= options.Temperature;
        result.TopP ??= options.TopP;
        result.MaxOutputTokenCount ??= options.MaxOutputTokens;
        result.FrequencyPenalty ??= options.FrequencyPenalty;
        result.PresencePenalty ??= options.PresencePenalty;
#pragma warning disable OPENAI001 // Seed is marked experimental by the SDK; the service accepts it.
        result.Seed ??= options.Seed;
#pragma warning restore OPENAI001
        if (options.StopSequences is { Count: > 0 } stops)
        {
            foreach (var stop in stops)
            {
                result.StopSequences.Add(stop);
            }
        }

        result.ResponseFormat ??= ToResponseFormat(options.ResponseFormat);
        AddTools(result, options);
        return result;
    }

    private static void AddMessage(List<OpenAIChatMessage> result, AIChatMessage message)
    {
        // Tool results become one tool message each, whatever role carries them.
        var functionResults = message.Contents.OfType<FunctionResultContent>().ToList();
        if (functionResults.Count > 0 || message.Role == ChatRole.Tool)
        {
            if (functionResults.Count == 0)
            {
                throw new ArgumentException("A tool message needs a FunctionResultContent that names the call it answers.", nameof(message));
            }

            foreach (var functionResult in functionResults)
            {
                if (string.IsNullOrEmpty(functionResult.CallId))
                {
                    throw new ArgumentException("A FunctionResultContent needs the id of the call it answers.", nameof(message));
                }

                result.Add(new ToolChatMessage(functionResult.CallId, ToolResultText(functionResult)));
            }

            return;
        }

        if (message.Role == ChatRole.System)
        {
            result.Add(new SystemChatMessage(TextParts(message)) { ParticipantName = message.AuthorName });
        }
        else if (message.Role == DeveloperRole)
        {
#pragma warning disable OPENAI001 // The developer role is marked for evaluation in the SDK; the service has it.
            result.Add(new DeveloperChatMessage(TextParts(message)) { ParticipantName = message.AuthorName });
#pragma warning restore OPENAI001
        }
        else if (message.Role == ChatRole.User)
        {
            result.Add(new UserChatMessage(UserParts(message)) { ParticipantName = message.AuthorName });
        }
        else if (message.Role == ChatRole.Assistant)
        {
            result.Add(ToAssistantMessage(message));
        }
        else
        {
            throw new ArgumentException($"The chat role '{message.Role}' has no chat-completions equivalent.", nameof(message));
        }
    }

    private static AssistantChatMessage ToAssistantMessage(AIChatMessage message)
    {
        var toolCalls = message.Contents.OfType<FunctionCallContent>()
            .Select(call => ChatToolCall.CreateFunctionToolCall(call.CallId, call.Name, FunctionArguments.Serialize(call.Arguments)))
            .ToList();
        var parts = TextParts(message);
        if (toolCalls.Count == 0)
        {
            return new AssistantChatMessage(parts) { ParticipantName = message.AuthorName };
        }

        var assistant = new AssistantChatMessage(toolCalls) { ParticipantName = message.AuthorName };
        foreach (var part in parts)
        {
            assistant.Content.Add(part);
        }

        return assistant;
    }

    private static List<ChatMessageContentPart> TextParts(AIChatMessage message) =>
        [.. message.Contents.OfType<TextContent>()
            .Where(text => !string.IsNullOrEmpty(text.Text))
            .Select(text => ChatMessageContentPart.CreateTextPart(text.Text))];

    // Text and images; other content (reasoning, usage, hosted-tool items) has no place in a user turn.
    private static List<ChatMessageContentPart> UserParts(AIChatMessage message)
    {
        var parts = new List<ChatMessageContentPart>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text when !string.IsNullOrEmpty(text.Text):
                    parts.Add(ChatMessageContentPart.CreateTextPart(text.Text));
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(data.Data), data.MediaType));
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(uri.Uri));
                    break;
                default:
                    break;
            }
        }

        return parts;
    }

    private static string ToolResultText(FunctionResultContent result) => result.Result switch
    {
        null when result.Exception is not null => "Error: " + result.Exception.Message,
        null => string.Empty,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? string.Empty,
        JsonElement element => element.GetRawText(),
        var value => JsonSerializer.Serialize(value, OpenAIJson.Options.GetTypeInfo(value.GetType())),
    };

    private static void AddTools(ChatCompletionOptions result, ChatOptions options)
    {
        // Only function declarations have a chat-completions form; hosted tools are for other APIs.
        var functions = options.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        foreach (var function in functions)
        {
            var schema = function.JsonSchema.ValueKind == JsonValueKind.Object
                ? BinaryData.FromString(function.JsonSchema.GetRawText())
                : EmptyObjectSchema;
            result.Tools.Add(ChatTool.CreateFunctionTool(
                function.Name,
                string.IsNullOrEmpty(function.Description) ? null : function.Description,
                schema));
        }

        // The service rejects tool_choice and parallel_tool_calls on a request without tools.
        if (result.Tools.Count == 0)
        {
            return;
        }

        result.AllowParallelToolCalls ??= options.AllowMultipleToolCalls;
        result.ToolChoice ??= options.ToolMode switch
        {
            null => null,
            NoneChatToolMode => ChatToolChoice.CreateNoneChoice(),
            AutoChatToolMode => ChatToolChoice.CreateAutoChoice(),
            RequiredChatToolMode { RequiredFunctionName: { } name } => ChatToolChoice.CreateFunctionChoice(name),
            RequiredChatToolMode => ChatToolChoice.CreateRequiredChoice(),
            _ => null,
        };
    }

    private static OpenAIResponseFormat? ToResponseFormat(Microsoft.Extensions.AI.ChatResponseFormat? format) => format switch
    {
        ChatResponseFormatText => OpenAIResponseFormat.CreateTextFormat(),
        ChatResponseFormatJson { Schema: { } schema } json => OpenAIResponseFormat.CreateJsonSchemaFormat(
            json.SchemaName ?? "response",
            BinaryData.FromString(schema.GetRawText()),
            json.SchemaDescription),
        ChatResponseFormatJson => OpenAIResponseFormat.CreateJsonObjectFormat(),
        _ => null,
    };
}

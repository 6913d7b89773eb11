using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OpenAIChatFinishReason = OpenAI.Chat.ChatFinishReason;

namespace AgentFunctions.OpenAI;

/// <summary>Maps chat completions and their streamed chunks to <see cref="ChatResponse"/>s and updates.</summary>
internal static class OpenAIResponseMapper
{
    public static ChatResponse ToChatResponse(ChatCompletion completion)
    {
        var contents = new List<AIContent>();
        AddText(contents, completion.Content, completion.Refusal);
        foreach (var toolCall in completion.ToolCalls)
        {
            contents.Add(FunctionArguments.ToFunctionCall(
                toolCall.Id, toolCall.FunctionName, toolCall.FunctionArguments?.ToString() ?? string.Empty));
        }

        var message = new AIChatMessage(ChatRole.Assistant, contents)
        {
            MessageId = completion.Id,
            CreatedAt = completion.CreatedAt,
            RawRepresentation = completion,
        };

        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt,
            FinishReason = ToFinishReason(completion.FinishReason),
            Usage = completion.Usage is { } usage ? ToUsageDetails(usage) : null,
            RawRepresentation = completion,
        };
    }

    /// <summary>
    /// The update for one streamed chunk, or null when the chunk carries nothing to pass on (the
    /// opening role-only chunk, or fragments of a tool call that is not complete yet).
    /// </summary>
    public static ChatResponseUpdate? ToChatResponseUpdate(
        StreamingChatCompletionUpdate chunk, StreamingToolCallAssembler toolCalls, StreamIdentity identity)
    {
        identity.Observe(chunk.CompletionId, chunk.Model, chunk.CreatedAt);
        var update = identity.NewUpdate();
        update.RawRepresentation = chunk;

        AddText(update.Contents, chunk.ContentUpdate, chunk.RefusalUpdate);
        foreach (var fragment in chunk.ToolCallUpdates)
        {
            toolCalls.Add(fragment);
        }

        // The finish reason closes the choice, so its tool calls are whole.
        if (chunk.FinishReason is { } finishReason)
        {
            update.FinishReason = ToFinishReason(finishReason);
            foreach (var call in toolCalls.Complete())
            {
                update.Contents.Add(call);
            }
        }

        if (chunk.Usage is { } usage)
        {
            update.Contents.Add(new UsageContent(ToUsageDetails(usage)));
        }

        return update.Contents.Count > 0 || update.FinishReason is not null ? update : null;
    }

    private static void AddText(IList<AIContent> contents, ChatMessageContent? parts, string? refusal)
    {
        foreach (var part in parts ?? [])
        {
            if (part.Kind == ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(part.Text))
            {
                contents.Add(new TextContent(part.Text) { RawRepresentation = part });
            }
        }

        // A refusal is what the model says instead of an answer: the caller shows it as text.
        if (!string.IsNullOrEmpty(refusal))
        {
            contents.Add(new TextContent(refusal));
        }
    }

    private static AIChatFinishReason ToFinishReason(OpenAIChatFinishReason reason) => reason switch
    {
        OpenAIChatFinishReason.Stop => AIChatFinishReason.Stop,
        OpenAIChatFinishReason.Length => AIChatFinishReason.Length,
        OpenAIChatFinishReason.ContentFilter => AIChatFinishReason.ContentFilter,
        OpenAIChatFinishReason.ToolCalls or OpenAIChatFinishReason.FunctionCall => AIChatFinishReason.ToolCalls,
        _ => new AIChatFinishReason(reason.ToString()),
    };

    private static UsageDetails ToUsageDetails(ChatTokenUsage usage)
    {
        var details = new UsageDetails
        {
            InputTokenCount = usage.InputTokenCount,
            OutputTokenCount = usage.OutputTokenCount,
            TotalTokenCount = usage.TotalTokenCount,
        };

        if (usage.InputTokenDetails is { } input)
        {
            details.CachedInputTokenCount = input.CachedTokenCount;
        }

        if (usage.OutputTokenDetails is { } output)
        {
            details.ReasoningTokenCount = output.ReasoningTokenCount;
        }

        return details;
    }
}

using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAI;

/// <summary>
/// The ids, model and creation time of a streamed completion, taken from the first chunk that
/// has each and stamped on every update, so that updates group into one message.
/// </summary>
internal sealed class StreamIdentity
{
    public string? ResponseId { get; private set; }

    public string? ModelId { get; private set; }

    public DateTimeOffset? CreatedAt { get; private set; }

    public void Observe(string? responseId, string? modelId, DateTimeOffset createdAt)
    {
        if (ResponseId is null && !string.IsNullOrEmpty(responseId))
        {
            ResponseId = responseId;
        }

        if (ModelId is null && !string.IsNullOrEmpty(modelId))
        {
            ModelId = modelId;
        }

        if (CreatedAt is null && createdAt != default)
        {
            CreatedAt = createdAt;
        }
    }

    // A completion has one choice and so one message: the completion id names both.
    public ChatResponseUpdate NewUpdate() => new(ChatRole.Assistant, new List<AIContent>())
    {
        ResponseId = ResponseId,
        MessageId = ResponseId,
        ModelId = ModelId,
        CreatedAt = CreatedAt,
    };
}

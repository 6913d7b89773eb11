using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAI.Tests.Fakes;

internal static class TestClients
{
    public const string ApiKey = "sk-test-0123456789abcdef";
    public const string Model = "gpt-test";

    public static IChatClient Create(FakeChatCompletionsServer server) =>
        OpenAIChatClientFactory.Create(new OpenAIModelOptions
        {
            Endpoint = server.Endpoint,
            ApiKey = ApiKey,
            Model = Model,
            MaxRetries = 0,
        });

    public static async Task<List<ChatResponseUpdate>> StreamAsync(
        IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        return updates;
    }

    public static ChatMessage[] User(string text) => [new(ChatRole.User, text)];
}

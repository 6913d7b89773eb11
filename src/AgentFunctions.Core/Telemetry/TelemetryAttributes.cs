namespace AgentFunctions.Core.Telemetry;

/// <summary>
/// The attribute (tag) names on the library's spans and instruments: the OpenTelemetry semantic
/// conventions where one exists (<c>gen_ai.*</c>, <c>http.*</c>, <c>messaging.*</c>, <c>error.type</c>),
/// else names of ours under <c>agentfunctions.</c>.
/// </summary>
public static class TelemetryAttributes
{
    public const string GenAIOperationName = "gen_ai.operation.name";
    public const string GenAIProviderName = "gen_ai.provider.name";
    public const string GenAIRequestModel = "gen_ai.request.model";
    public const string GenAIResponseModel = "gen_ai.response.model";
    public const string GenAIResponseId = "gen_ai.response.id";
    public const string GenAIResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string GenAIUsageInputTokens = "gen_ai.usage.input_tokens";
    public const string GenAIUsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string GenAITokenType = "gen_ai.token.type";
    public const string GenAIAgentId = "gen_ai.agent.id";
    public const string GenAIAgentName = "gen_ai.agent.name";
    public const string GenAIConversationId = "gen_ai.conversation.id";
    public const string GenAIToolName = "gen_ai.tool.name";
    public const string GenAIToolCallId = "gen_ai.tool.call.id";
    public const string GenAIToolType = "gen_ai.tool.type";

    public const string ErrorType = "error.type";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";

    public const string HttpRequestMethod = "http.request.method";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string HttpResponseBodySize = "http.response.body.size";
    public const string HttpRoute = "http.route";
    public const string UrlPath = "url.path";
    public const string UrlScheme = "url.scheme";

    public const string MessagingSystem = "messaging.system";
    public const string MessagingOperationType = "messaging.operation.type";
    public const string MessagingDestinationName = "messaging.destination.name";
    public const string MessagingMessageId = "messaging.message.id";

    /// <summary>A Functions invocation's id (the Functions app's trace middleware).</summary>
    public const string FaasInvocationId = "faas.invocation_id";

    /// <summary>How an invocation ended: <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public const string InvocationOutcome = "agentfunctions.invocation.outcome";

    public const string RunId = "agentfunctions.run.id";
    public const string RunAttempt = "agentfunctions.run.attempt";

    /// <summary>A run's end status (<c>success</c>, <c>error</c>, <c>interrupted</c>, …), or <c>not_run</c> when it was not this executor's.</summary>
    public const string RunStatus = "agentfunctions.run.status";

    /// <summary>How many times a queue message has been delivered, this delivery included.</summary>
    public const string QueueDequeueCount = "agentfunctions.queue.dequeue_count";

    /// <summary><c>table</c> or <c>queue</c>.</summary>
    public const string StorageService = "agentfunctions.storage.service";

    /// <summary>The table or queue a storage call addresses (empty for service-level calls).</summary>
    public const string StorageResource = "agentfunctions.storage.resource";

    /// <summary><c>snapshot</c> or <c>delta</c>.</summary>
    public const string CheckpointKind = "agentfunctions.checkpoint.kind";
}

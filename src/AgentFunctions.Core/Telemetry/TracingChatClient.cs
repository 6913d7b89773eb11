using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Telemetry;

/// <summary>
/// A chat client that traces each model call as a <c>chat {model}</c> span with the OpenTelemetry gen_ai
/// attributes (operation, provider, request and response model, response id, finish reasons, input and
/// output tokens) and records <c>gen_ai.client.token.usage</c> and <c>gen_ai.client.operation.duration</c>.
/// A streamed call's span ends with its last update (or when its reader stops early: then it is marked cancelled).
/// </summary>
public sealed class TracingChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var call = ModelCall.Start(InnerClient, options);
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            call.Observe(response.ModelId, response.ResponseId, response.FinishReason, response.Usage);
            call.Succeeded();
            return response;
        }
        catch (Exception e)
        {
            call.Failed(e);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = ModelCall.Start(InnerClient, options);
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception e)
        {
            call.Failed(e);
            throw;
        }

        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception e)
                {
                    call.Failed(e);
                    throw;
                }

                var update = updates.Current;
                call.Observe(update);
                yield return update;
            }

            call.Succeeded();
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One model call's span and measurements.</summary>
    private sealed class ModelCall : IDisposable
    {
        private readonly Activity? _activity;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly string? _provider;
        private readonly string? _requestModel;
        private string? _responseModel;
        private string? _responseId;
        private List<string>? _finishReasons;
        private long? _inputTokens;
        private long? _outputTokens;
        private bool _ended;

        private ModelCall(Activity? activity, string? provider, string? requestModel)
        {
            _activity = activity;
            _provider = provider;
            _requestModel = requestModel;
        }

        public static ModelCall Start(IChatClient client, ChatOptions? options)
        {
            var metadata = client.GetService<ChatClientMetadata>();
            var model = options?.ModelId ?? metadata?.DefaultModelId;
            Activity? activity = null;
            if (AgentTelemetry.Source.HasListeners())
            {
                activity = AgentTelemetry.Source.StartActivity(model is null ? "chat" : "chat " + model, ActivityKind.Client);
                if (activity is { IsAllDataRequested: true })
                {
                    activity.SetTag(TelemetryAttributes.GenAIOperationName, "chat");
                    activity.SetTag(TelemetryAttributes.GenAIProviderName, metadata?.ProviderName);
                    activity.SetTag(TelemetryAttributes.GenAIRequestModel, model);
                    if (metadata?.ProviderUri is { IsAbsoluteUri: true } uri)
                    {
                        activity.SetTag(TelemetryAttributes.ServerAddress, uri.Host);
                        activity.SetTag(TelemetryAttributes.ServerPort, uri.Port);
                    }
                }
            }

            return new ModelCall(activity, metadata?.ProviderName, model);
        }

        public void Observe(ChatResponseUpdate update)
        {
            UsageDetails? usage = null;
            foreach (var content in update.Contents)
            {
                if (content is UsageContent u)
                {
                    usage = u.Details;
                }
            }

            Observe(update.ModelId, update.ResponseId, update.FinishReason, usage);
        }

        public void Observe(string? responseModel, string? responseId, ChatFinishReason? finishReason, UsageDetails? usage)
        {
            _responseModel = responseModel ?? _responseModel;
            _responseId = responseId ?? _responseId;
            if (finishReason is { } reason && !(_finishReasons?.Contains(reason.Value) ?? false))
            {
                (_finishReasons ??= []).Add(reason.Value);
            }

            if (usage is not null)
            {
                _inputTokens = usage.InputTokenCount ?? _inputTokens;
                _outputTokens = usage.OutputTokenCount ?? _outputTokens;
            }
        }

        public void Succeeded() => End(null, cancelled: false);

        public void Failed(Exception exception) => End(exception, cancelled: exception is OperationCanceledException);

        /// <summary>Ends the call if it has not ended: a reader that stopped early cancelled it.</summary>
        public void Dispose() => End(null, cancelled: true);

        private void End(Exception? exception, bool cancelled)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            var errorType = cancelled ? typeof(OperationCanceledException).FullName : exception?.GetType().FullName;
            var tags = new TagList
            {
                { TelemetryAttributes.GenAIOperationName, "chat" },
                { TelemetryAttributes.GenAIProviderName, _provider },
                { TelemetryAttributes.GenAIRequestModel, _requestModel },
                { TelemetryAttributes.GenAIResponseModel, _responseModel },
            };
            if (_inputTokens is { } input)
            {
                AgentMetrics.TokenUsage.Record(input, Append(tags, TelemetryAttributes.GenAITokenType, "input"));
            }

            if (_outputTokens is { } output)
            {
                AgentMetrics.TokenUsage.Record(output, Append(tags, TelemetryAttributes.GenAITokenType, "output"));
            }

            AgentMetrics.ModelCallDuration.Record(
                Stopwatch.GetElapsedTime(_started).TotalSeconds, errorType is null ? tags : Append(tags, TelemetryAttributes.ErrorType, errorType));

            if (_activity is not { } activity)
            {
                return;
            }

            if (activity.IsAllDataRequested)
            {
                activity.SetTag(TelemetryAttributes.GenAIResponseModel, _responseModel);
                activity.SetTag(TelemetryAttributes.GenAIResponseId, _responseId);
                activity.SetTag(TelemetryAttributes.GenAIUsageInputTokens, _inputTokens);
                activity.SetTag(TelemetryAttributes.GenAIUsageOutputTokens, _outputTokens);
                if (_finishReasons is { Count: > 0 })
                {
                    activity.SetTag(TelemetryAttributes.GenAIResponseFinishReasons, _finishReasons.ToArray());
                }
            }

            if (errorType is not null)
            {
                activity.SetTag(TelemetryAttributes.ErrorType, errorType);
                if (exception is not null && !cancelled)
                {
                    activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
                    activity.AddException(exception);
                }
            }

            activity.Stop();
        }

        private static TagList Append(TagList tags, string key, object? value)
        {
            var copy = tags;
            copy.Add(key, value);
            return copy;
        }
    }
}

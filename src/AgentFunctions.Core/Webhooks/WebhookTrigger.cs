using AgentFunctions.Core.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Core.Webhooks;

/// <summary>When a run with a <c>webhook</c> ends, queues its first delivery (the <c>webhooks</c> queue delivers it, retrying).</summary>
public sealed class WebhookTrigger(IWebhookScheduler scheduler, ILogger<WebhookTrigger>? logger = null) : IRunCompletionObserver
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task RunEndedAsync(AgentRun run, string? lastCheckpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!run.Kwargs.TryGetProperty("webhook", out var webhook) || webhook.ValueKind != System.Text.Json.JsonValueKind.String || webhook.GetString() is not { Length: > 0 } url)
        {
            return;
        }

        await scheduler.ScheduleAsync(new WebhookMessage(run.OwnerId, run.ThreadId, run.RunId, url), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        _logger.WebhookQueued(run.RunId);
    }
}

using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Core.Webhooks;
using AgentFunctions.Http.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http.Webhooks;

/// <summary>
/// Delivers one attempt of a run's webhook (a <c>webhooks</c> queue message, on either host): POSTs the run as
/// <c>GET /threads/{thread_id}/runs/{run_id}</c> returns it, with the thread's final <c>values</c>, and the run id in
/// <c>X-Run-Id</c> and <c>Idempotency-Key</c> (a receiver may get a delivery more than once). A failure (no answer,
/// or not 2xx) queues the next attempt after a doubling backoff, up to <see cref="WebhookOptions.MaxAttempts"/>; then
/// the delivery is given up. Either way it is logged and counted, and never changes the run. Redirects are not
/// followed, and unless private networks are allowed each connection goes only to a public address of the host (so
/// a name that resolves elsewhere at delivery time is refused too).
/// </summary>
public sealed class WebhookDelivery : IDisposable
{
    /// <summary>Deliveries, by outcome: <c>delivered</c>, <c>failed</c> (an attempt that will be retried), <c>abandoned</c>.</summary>
    public static readonly Counter<long> Deliveries = AgentTelemetry.Meter.CreateCounter<long>(
        "agentfunctions.webhook.deliveries", "{delivery}", "Webhook delivery attempts, by outcome (delivered, failed, abandoned).");

    private readonly IRunStore _runs;
    private readonly ICheckpointStore _checkpoints;
    private readonly IWebhookScheduler _scheduler;
    private readonly WebhookOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly TimeProvider _time;

    public WebhookDelivery(IRunStore runs, ICheckpointStore checkpoints, IWebhookScheduler scheduler, IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookDelivery> logger)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2), UseCookies = false };
        if (!_options.AllowPrivateNetworks)
        {
            handler.ConnectCallback = ConnectToPublicAddressAsync;
        }

        _client = new HttpClient(handler) { Timeout = _options.Timeout };
    }

    /// <summary>Delivers one attempt; a failure queues the next one. Throws only when that cannot be queued (the message is then delivered again).</summary>
    public async Task HandleAsync(WebhookMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var run = await _runs.GetAsync(message.OwnerId, message.ThreadId, message.RunId, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            _logger.WebhookRunGone(message.RunId);
            return;
        }

        var latest = await _checkpoints.GetLatestAsync(run.OwnerId, run.ThreadId, cancellationToken).ConfigureAwait(false);
        var payload = WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var property in RunJson.Run(run).EnumerateObject())
            {
                property.WriteTo(w);
            }

            w.WritePropertyName("values");
            if (latest is null)
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }
            else
            {
                latest.Values.WriteTo(w);
            }

            w.WriteString("webhook_sent_at", _time.GetUtcNow());
            w.WriteEndObject();
        });

        string failure;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, message.Url) { Content = new StringContent(payload.GetRawText(), System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Run-Id", run.RunId);
            request.Headers.Add("Idempotency-Key", run.RunId);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("AgentFunctions-Webhook", "1"));
            using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
                _logger.WebhookDelivered(run.RunId, message.Attempt);
                return;
            }

            failure = $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            failure = e is TaskCanceledException ? "no answer in time" : e.Message;
        }

        if (message.Attempt >= _options.MaxAttempts)
        {
            Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "abandoned"));
            _logger.WebhookAbandoned(run.RunId, message.Attempt, failure);
            return;
        }

        var delay = _options.RetryDelay(message.Attempt + 1);
        await _scheduler.ScheduleAsync(message with { Attempt = message.Attempt + 1 }, delay, CancellationToken.None).ConfigureAwait(false);
        Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        _logger.WebhookRetrying(run.RunId, message.Attempt, failure, delay);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Connects to the first public address of the host; refuses when it has none.</summary>
    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var target = addresses.FirstOrDefault(WebhookTargets.IsPublic)
            ?? throw new HttpRequestException($"The webhook's host {host} resolves to no public address.");
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

using AgentFunctions.Storage.Stores;
using Azure.Core;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Storage.Queues;

/// <summary>
/// How AgentFunctions' messages travel on Azure Storage queues: the message text is the Base64 of the body (the
/// JSON of a run or compaction request), which is what the Functions queue trigger reads and what every earlier
/// version of this project wrote. Every <see cref="QueueServiceClient"/> of the project is built with
/// <see cref="CreateClientOptions"/>.
/// </summary>
public static class QueueWireFormat
{
    /// <summary>
    /// The options of the project's queue clients: Base64 messages; a received message that is not Base64 moved to
    /// <c>{queue}-poison</c> at once with the reason logged (as the Functions queue trigger does: retrying cannot
    /// help it); a client span per storage call inside a trace; storage being away is a <see cref="AgentFunctions.Core.Stores.StorageUnavailableException"/>.
    /// Retries, transport and logging are the SDK's.
    /// </summary>
    /// <param name="logger">Where an undecodable message is reported.</param>
    public static QueueClientOptions CreateClientOptions(ILogger? logger = null)
    {
        var log = logger ?? NullLogger.Instance;
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.MessageDecodingFailed += args => MoveToPoisonAsync(args, log);
        options.AddPolicy(new StorageTracingPolicy(StorageService.Queue), HttpPipelinePosition.PerCall);
        options.AddPolicy(new StorageAvailabilityPolicy("queue"), HttpPipelinePosition.PerCall);
        return options;
    }

    private static async Task MoveToPoisonAsync(QueueMessageDecodingFailedEventArgs args, ILogger logger)
    {
        // A peek leaves the message where it is; only a received message (hidden, with a pop receipt) is moved.
        if (args.ReceivedMessage is not { } message)
        {
            return;
        }

        var queue = args.Queue;
        var poison = queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + "-poison");
        logger.MessageNotBase64(queue.Name, message.MessageId, message.DequeueCount);

        // The poison message's body is the original text (Base64-encoded like every message here).
        if (args.IsRunningSynchronously)
        {
            poison.SendMessage(message.Body, cancellationToken: args.CancellationToken);
            queue.DeleteMessage(message.MessageId, message.PopReceipt, args.CancellationToken);
        }
        else
        {
            await poison.SendMessageAsync(message.Body, cancellationToken: args.CancellationToken).ConfigureAwait(false);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken).ConfigureAwait(false);
        }
    }
}

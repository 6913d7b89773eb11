using AgentFunctions.Storage.Queues;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>Queue clients on the test storage account, as the hosts build them, and the raw text access the wire-format tests check them against.</summary>
internal static class QueueTestClients
{
    /// <summary>A service client built as the hosts build it (<see cref="QueueWireFormat.CreateClientOptions"/>), with <paramref name="perRetry"/> in its pipeline.</summary>
    public static QueueServiceClient Service(HttpPipelinePolicy? perRetry = null, ILogger? logger = null, int? maxRetries = null)
    {
        var options = QueueWireFormat.CreateClientOptions(logger);
        if (perRetry is not null)
        {
            options.AddPolicy(perRetry, HttpPipelinePosition.PerRetry);
        }

        if (maxRetries is { } retries)
        {
            options.Retry.MaxRetries = retries;
            options.Retry.Delay = TimeSpan.FromMilliseconds(1);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(10);
        }

        return new QueueServiceClient(TestStorage.ConnectionString, options);
    }

    /// <summary>A client of the queue that sends and reads the message text as it is, without Base64, as another producer or a reader of the raw queue would.</summary>
    public static QueueClient Raw(string queueName) => new(TestStorage.ConnectionString, queueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    public static string UniqueQueueName() => TestStorage.UniqueName("q");

    /// <summary>Calls <paramref name="attempt"/> until <paramref name="done"/> holds or <paramref name="timeout"/> passes (then fails the test).</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await attempt();
            if (done(result))
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}

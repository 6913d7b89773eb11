using System.Xml.Linq;
using AgentFunctions.Storage.Queues;
using Azure.Core;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>Queue clients on the test storage account, and the raw wire access the tests check them against.</summary>
internal static class QueueTestClients
{
    public static QueueServiceClient Service(CountingPolicy? counter = null)
    {
        var options = new QueueClientOptions();
        if (counter is not null)
        {
            options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        }

        return new QueueServiceClient(TestStorage.ConnectionString, options);
    }

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

    /// <summary>The MessageText of the first visible message, read over the queue's pipeline without the client's decoding.</summary>
    public static async Task<string?> PeekRawMessageTextAsync(QueueClient queue)
    {
        using var message = queue.Pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri(queue.Uri + "/messages?peekonly=true"));
        await queue.Pipeline.SendAsync(message, CancellationToken.None);
        Assert.Equal(200, message.Response.Status);
        var document = XDocument.Parse(message.Response.Content.ToString());
        return document.Descendants("MessageText").Select(e => e.Value).FirstOrDefault();
    }

    /// <summary>Puts a message whose MessageText is exactly <paramref name="messageText"/>, as another producer (e.g. a Functions output binding) would.</summary>
    public static async Task PutRawMessageTextAsync(QueueClient queue, string messageText)
    {
        using var message = queue.Pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(new Uri(queue.Uri + "/messages"));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(
            new XElement("QueueMessage", new XElement("MessageText", messageText)).ToString(SaveOptions.DisableFormatting));
        await queue.Pipeline.SendAsync(message, CancellationToken.None);
        Assert.Equal(201, message.Response.Status);
    }
}

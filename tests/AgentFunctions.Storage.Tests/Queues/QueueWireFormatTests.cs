using System.Text;
using AgentFunctions.Core.Runs;
using AgentFunctions.Storage.Runs;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>
/// The message text on the queue is the Base64 of the body, as the Functions queue trigger reads it and as the
/// project's own client wrote it before the Azure SDK: messages queued by either side run on the other.
/// </summary>
public sealed class QueueWireFormatTests : IAsyncLifetime
{
    private readonly QueueServiceClient _service = QueueTestClients.Service();
    private readonly string _name = QueueTestClients.UniqueQueueName();

    public async Task InitializeAsync() => await _service.GetQueueClient(_name).CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await _service.GetQueueClient(_name).DeleteIfExistsAsync();

    [Fact]
    public async Task ScheduleAsync_RunMessage_MessageTextIsTheBase64OfItsJson()
    {
        var message = new RunMessage("owner", "thread", "run", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        await new QueueRunScheduler(_service, _name).ScheduleAsync(message);

        var text = Assert.Single((await QueueTestClients.Raw(_name).PeekMessagesAsync(1)).Value).Body.ToString();
        Assert.Equal(Convert.ToBase64String(message.ToBinaryData().ToArray()), text);
        Assert.Equal(message, RunMessage.Parse(BinaryData.FromBytes(Convert.FromBase64String(text))));
    }

    [Fact]
    public async Task ReceiveMessagesAsync_Base64TextWrittenBeforeTheSdk_BodyIsTheJson()
    {
        // What the hand-written client (and the Functions output binding) put on the queue: Base64 of the UTF-8 JSON.
        const string json = """{"owner_id":"owner","thread_id":"thread","run_id":"run"}""";
        await QueueTestClients.Raw(_name).SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(json)));

        var received = Assert.Single((await _service.GetQueueClient(_name).ReceiveMessagesAsync(1)).Value);

        Assert.Equal(json, received.Body.ToString());
        Assert.Equal(new RunMessage("owner", "thread", "run"), RunMessage.Parse(received.Body));
    }

    [Fact]
    public async Task SendMessageAsync_BinaryBody_RoundTripsByteForByte()
    {
        byte[] body = [0, 1, 2, 0xfe, 0xff, (byte)'{', 0xc3, 0x28];

        await _service.GetQueueClient(_name).SendMessageAsync(new BinaryData(body));

        var received = Assert.Single((await _service.GetQueueClient(_name).ReceiveMessagesAsync(1)).Value);
        Assert.Equal(body, received.Body.ToArray());
    }
}

using System.Net;
using System.Xml;
using AgentFunctions.Storage.Queues;
using Azure;

namespace AgentFunctions.Storage.Tests.Queues;

/// <summary>What Azurite cannot check, on the wire through a fake transport (no network): token and SAS authentication, escaping, parsing.</summary>
public sealed class QueueClientWireTests
{
    private static readonly Uri Endpoint = new("https://acct.queue.core.windows.net");
    private const string Sas = "sv=2021-12-02&ss=q&srt=sco&sp=rwdlacup&se=2030-01-01T00%3A00%3A00Z&sig=c2lnbmF0dXJl%3D";

    private readonly FakeTransport _fake = new();

    [Fact]
    public async Task ClearMessagesAsync_TokenCredential_SendsBearerTokenForStorageScope()
    {
        var credential = new FakeTokenCredential("the-token");
        var queue = new QueueServiceClient(Endpoint, credential, Options()).GetQueueClient("runs");
        _fake.Then(HttpStatusCode.NoContent);

        await queue.ClearMessagesAsync();

        var request = Assert.Single(_fake.Requests);
        Assert.Equal("Bearer the-token", request.Headers["Authorization"]);
        Assert.Equal(["https://storage.azure.com/.default"], Assert.Single(credential.RequestedScopes));
        Assert.Equal(Uri.UriSchemeHttps, request.Uri.Scheme);
    }

    [Fact]
    public async Task ClearMessagesAsync_AnyCredential_SendsServiceVersion()
    {
        var queue = new QueueServiceClient(Endpoint, new AzureSasCredential(Sas), Options()).GetQueueClient("runs");

        await queue.ClearMessagesAsync();

        Assert.Equal("2021-12-02", Assert.Single(_fake.Requests).Headers["x-ms-version"]);
    }

    [Fact]
    public async Task DeleteMessageAsync_SasCredentialWithRetries_AppendsSasOnceToEveryAttempt()
    {
        var queue = new QueueServiceClient(Endpoint, new AzureSasCredential("?" + Sas), Options()).GetQueueClient("runs");
        _fake.Then(HttpStatusCode.ServiceUnavailable).Then(HttpStatusCode.InternalServerError).Then(HttpStatusCode.NoContent);

        await queue.DeleteMessageAsync("message-id", "pop/receipt+=");

        Assert.Equal(3, _fake.Requests.Count);
        Assert.All(_fake.Requests, request =>
        {
            var query = request.Uri.Query;
            Assert.Equal(1, CountOf(query, "sig=c2lnbmF0dXJl%3D"));
            Assert.Equal(1, CountOf(query, "sv="));
            Assert.Equal(1, CountOf(query, "popreceipt="));
            Assert.False(request.Headers.ContainsKey("Authorization"));
        });
    }

    [Fact]
    public async Task DeleteMessageAsync_PopReceiptWithReservedCharacters_IsEscapedInQuery()
    {
        var queue = new QueueServiceClient(Endpoint, new AzureSasCredential(Sas), Options()).GetQueueClient("runs");

        await queue.DeleteMessageAsync("message-id", "AgAAAA+/=&x");

        var request = Assert.Single(_fake.Requests);
        Assert.Equal("/runs/messages/message-id", request.Uri.AbsolutePath);
        Assert.Contains("popreceipt=AgAAAA%2B%2F%3D%26x", request.Uri.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteMessageAsync_ServiceError_ThrowsWithStatusAndErrorCode()
    {
        var queue = new QueueServiceClient(Endpoint, new AzureSasCredential(Sas), Options()).GetQueueClient("runs");
        _fake.Then(
            HttpStatusCode.BadRequest,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>PopReceiptMismatch</Code><Message>The specified pop receipt did not match.</Message></Error>",
            ("x-ms-error-code", "PopReceiptMismatch"));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => queue.DeleteMessageAsync("id", "receipt"));

        Assert.Equal(400, error.Status);
        Assert.Equal("PopReceiptMismatch", error.ErrorCode);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_WellFormedList_ReturnsDecodedMessage()
    {
        var queue = new QueueServiceClient(Endpoint, new AzureSasCredential(Sas), Options()).GetQueueClient("runs");
        _fake.Then(HttpStatusCode.OK, MessageList("aGk="));

        var message = Assert.Single((await queue.ReceiveMessagesAsync()).Value);

        Assert.Equal("hi", message.Body.ToString());
        Assert.Equal(3, message.DequeueCount);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), message.InsertedOn);
        Assert.Equal(DateTimeOffset.MaxValue.Year, message.ExpiresOn.Year);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_ResponseWithDtd_IsRefused()
    {
        var queue = new QueueServiceClient(Endpoint, new AzureSasCredential(Sas), Options()).GetQueueClient("runs");
        var withDtd = MessageList("&x;").Replace(
            "<QueueMessagesList>", "<!DOCTYPE QueueMessagesList [<!ENTITY x \"aGk=\">]><QueueMessagesList>", StringComparison.Ordinal);
        _fake.Then(HttpStatusCode.OK, withDtd);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => queue.ReceiveMessagesAsync());

        Assert.IsType<XmlException>(error.InnerException);
    }

    private static string MessageList(string messageText) =>
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessagesList><QueueMessage>" +
        "<MessageId>id-1</MessageId><InsertionTime>Thu, 02 Jan 2025 03:04:05 GMT</InsertionTime>" +
        "<ExpirationTime>Fri, 31 Dec 9999 23:59:59 GMT</ExpirationTime><PopReceipt>pr</PopReceipt>" +
        "<TimeNextVisible>Thu, 02 Jan 2025 03:04:35 GMT</TimeNextVisible><DequeueCount>3</DequeueCount>" +
        $"<MessageText>{messageText}</MessageText></QueueMessage></QueueMessagesList>";

    private QueueClientOptions Options()
    {
        var options = new QueueClientOptions { Transport = _fake.Transport };
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
        options.Retry.MaxRetries = 3;
        return options;
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

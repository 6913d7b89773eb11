using AgentFunctions.Storage.Tables;
using Azure;
using Azure.Core;

namespace AgentFunctions.Storage.Tests.Tables;

public class TableAuthenticationTests
{
    private const string EmptyPage = """{"value":[]}""";

    [Fact]
    public async Task AnyOperation_WrongAccountKey_Throws403WithServiceErrorCode()
    {
        var connection = TestStorage.Connection;
        var wrongKey = new StorageSharedKeyCredential(connection.AccountName!, Convert.ToBase64String(new byte[64]));
        var service = new TableServiceClient(connection.TableEndpoint, wrongKey);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => service.CreateTableIfNotExistsAsync(TestStorage.UniqueName("t")));

        Assert.Equal(403, error.Status);
        // Azure says AuthenticationFailed; Azurite's table service says AuthorizationFailure.
        Assert.Contains(error.ErrorCode, new[] { "AuthenticationFailed", "AuthorizationFailure" });
        Assert.DoesNotContain(connection.SharedKeyCredential!.AccountName + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAsync_TokenCredential_SendsBearerTokenForTheStorageScope()
    {
        var credential = new RecordingCredential();
        var transport = new FakeTransport(_ => new FakeResponse(200, EmptyPage));
        var client = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), credential, new TableClientOptions { Transport = transport })
            .GetTableClient("things");

        await foreach (var entity in client.QueryAsync<TableEntity>())
        {
        }

        Assert.Equal(["https://storage.azure.com/.default"], credential.Scopes);
        Assert.Equal("Bearer token-1", transport.Sent.Single().Headers["Authorization"]);
        Assert.Equal("https://acct.table.core.windows.net/things()", transport.Sent.Single().Uri.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task QueryAsync_SasCredential_AppendsTheSignatureOnceEvenOnRetries()
    {
        var attempts = 0;
        var transport = new FakeTransport(_ => ++attempts == 1 ? new FakeResponse(503) : new FakeResponse(200, EmptyPage));
        var options = new TableClientOptions { Transport = transport };
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        var client = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), new AzureSasCredential("sv=2019-02-02&sig=abc%3D"), options)
            .GetTableClient("things");

        await foreach (var entity in client.QueryAsync<TableEntity>(TableFilter.Create($"RowKey eq {"x"}")))
        {
        }

        Assert.Equal(2, transport.Sent.Count);
        Assert.All(transport.Sent, s => Assert.Equal(1, CountOf(s.Uri.Query, "sig=")));
        Assert.All(transport.Sent, s => Assert.False(s.Headers.ContainsKey("Authorization")));
    }

    [Fact]
    public async Task QueryAsync_EmptyPageWithContinuation_ContinuesToTheNextPage()
    {
        var transport = new FakeTransport(request => request.Uri.Query.Contains("NextPartitionKey", StringComparison.Ordinal)
            ? new FakeResponse(200, """{"value":[{"PartitionKey":"p","RowKey":"r1","N":1}]}""")
            : new FakeResponse(200, EmptyPage, ("x-ms-continuation-NextPartitionKey", "1!4!cA--"), ("x-ms-continuation-NextRowKey", "1!4!cjE-")));
        var client = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), new AzureSasCredential("sig=x"), new TableClientOptions { Transport = transport })
            .GetTableClient("things");

        var rows = new List<string>();
        await foreach (var entity in client.QueryAsync<TableEntity>())
        {
            rows.Add(entity.RowKey);
        }

        Assert.Equal(["r1"], rows);
        Assert.Equal(2, transport.Sent.Count);
        Assert.Contains("NextRowKey=1%214%21cjE-", transport.Sent[1].Uri.Query, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;

    private sealed class RecordingCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("token-1", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}

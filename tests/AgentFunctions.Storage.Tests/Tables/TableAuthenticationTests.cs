using System.Net;
using AgentFunctions.Storage.Tables;
using Azure;

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
        var credential = new FakeTokenCredential("token-1");
        var fake = new FakeTransport().ThenJson(HttpStatusCode.OK, EmptyPage);
        var client = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), credential, new TableClientOptions { Transport = fake.Transport })
            .GetTableClient("things");

        await foreach (var entity in client.QueryAsync<TableEntity>())
        {
        }

        Assert.Equal(["https://storage.azure.com/.default"], credential.RequestedScopes.Single());
        Assert.Equal("Bearer token-1", fake.Requests.Single().Headers["Authorization"]);
        Assert.Equal("https://acct.table.core.windows.net/things()", fake.Requests.Single().Uri.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task QueryAsync_SasCredential_AppendsTheSignatureOnceEvenOnRetries()
    {
        var fake = new FakeTransport().ThenJson(HttpStatusCode.ServiceUnavailable, "{}").ThenJson(HttpStatusCode.OK, EmptyPage);
        var options = new TableClientOptions { Transport = fake.Transport };
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        var client = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), new AzureSasCredential("sv=2019-02-02&sig=abc%3D"), options)
            .GetTableClient("things");

        await foreach (var entity in client.QueryAsync<TableEntity>(TableFilter.Create($"RowKey eq {"x"}")))
        {
        }

        Assert.Equal(2, fake.Requests.Count);
        Assert.All(fake.Requests, r => Assert.Equal(1, CountOf(r.Uri.Query, "sig=")));
        Assert.All(fake.Requests, r => Assert.False(r.Headers.ContainsKey("Authorization")));
    }

    [Fact]
    public async Task QueryAsync_EmptyPageWithContinuation_ContinuesToTheNextPage()
    {
        var fake = new FakeTransport()
            .ThenJson(HttpStatusCode.OK, EmptyPage, ("x-ms-continuation-NextPartitionKey", "1!4!cA--"), ("x-ms-continuation-NextRowKey", "1!4!cjE-"))
            .ThenJson(HttpStatusCode.OK, """{"value":[{"PartitionKey":"p","RowKey":"r1","N":1}]}""");
        var client = new TableServiceClient(new Uri("https://acct.table.core.windows.net"), new AzureSasCredential("sig=x"), new TableClientOptions { Transport = fake.Transport })
            .GetTableClient("things");

        var rows = new List<string>();
        await foreach (var entity in client.QueryAsync<TableEntity>())
        {
            rows.Add(entity.RowKey);
        }

        Assert.Equal(["r1"], rows);
        Assert.Equal(2, fake.Requests.Count);
        Assert.Contains("NextRowKey=1%214%21cjE-", fake.Requests[1].Uri.Query, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;
}

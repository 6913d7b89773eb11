namespace AgentFunctions.Storage.Tests.Connection;

public class StorageConnectionStringTests
{
    [Fact]
    public void Parse_DevelopmentStorage_UsesAzuriteDefaults()
    {
        var connection = StorageConnectionString.Parse("UseDevelopmentStorage=true");

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), connection.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), connection.QueueEndpoint);
        Assert.Equal("devstoreaccount1", connection.SharedKeyCredential?.AccountName);
    }

    [Fact]
    public void Parse_AccountNameAndKey_DerivesEndpointsFromSuffix()
    {
        var connection = StorageConnectionString.Parse(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://acct.table.core.chinacloudapi.cn"), connection.TableEndpoint);
        Assert.Equal(new Uri("https://acct.queue.core.chinacloudapi.cn"), connection.QueueEndpoint);
        Assert.Equal("acct", connection.SharedKeyCredential?.AccountName);
        Assert.Null(connection.SharedAccessSignature);
    }

    [Fact]
    public void Parse_ExplicitEndpoints_OverrideDerivedOnes()
    {
        var connection = StorageConnectionString.Parse(
            "AccountName=acct;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:5/acct/;QueueEndpoint=http://127.0.0.1:6/acct");

        Assert.Equal(new Uri("http://127.0.0.1:5/acct"), connection.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:6/acct"), connection.QueueEndpoint);
    }

    [Fact]
    public void Parse_SharedAccessSignature_KeepsTokenWithoutKey()
    {
        var connection = StorageConnectionString.Parse(
            "TableEndpoint=https://acct.table.core.windows.net;QueueEndpoint=https://acct.queue.core.windows.net;SharedAccessSignature=?sv=2019-02-02&sig=abc%3D");

        Assert.Null(connection.SharedKeyCredential);
        Assert.Equal("sv=2019-02-02&sig=abc%3D", connection.SharedAccessSignature);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AccountKey=a2V5")]
    [InlineData("AccountName=acct;AccountKey=not base64!")]
    [InlineData("TableEndpoint=ftp://x;QueueEndpoint=http://y")]
    [InlineData("justtext")]
    public void Parse_InvalidConnectionString_ThrowsFormatExceptionWithoutTheKey(string value)
    {
        var error = Assert.Throws<FormatException>(() => StorageConnectionString.Parse(value));

        Assert.DoesNotContain("a2V5", error.Message, StringComparison.Ordinal);
        Assert.False(StorageConnectionString.TryParse(value, out _));
    }
}

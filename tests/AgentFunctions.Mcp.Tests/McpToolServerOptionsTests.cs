namespace AgentFunctions.Mcp.Tests;

public sealed class McpToolServerOptionsTests
{
    [Fact]
    public void Validate_CompleteSettings_FindsNothing()
    {
        var options = new McpToolServerOptions { Url = new Uri("https://tools.example.com/mcp") };
        options.Headers["Authorization"] = "Bearer abc";

        Assert.Empty(McpToolServerOptions.Validate("weather", options));
    }

    [Fact]
    public void Validate_NoUrl_NamesTheSetting()
    {
        var errors = McpToolServerOptions.Validate("weather", new McpToolServerOptions());

        Assert.Equal(["McpServers:weather:Url is required: the server's MCP endpoint, such as https://host/mcp."], errors);
    }

    [Theory]
    [InlineData("ftp://tools.example.com/mcp")]
    [InlineData("/mcp")]
    public void Validate_UrlNotAbsoluteHttp_NamesTheSetting(string url)
    {
        var errors = McpToolServerOptions.Validate("weather", new McpToolServerOptions { Url = new Uri(url, UriKind.RelativeOrAbsolute) });

        Assert.Equal([$"McpServers:weather:Url must be an absolute http or https URL, not '{url}'."], errors);
    }

    [Fact]
    public void Validate_UrlWithCredentials_SaysToUseHeaders()
    {
        var errors = McpToolServerOptions.Validate("weather", new McpToolServerOptions { Url = new Uri("https://user:pass@tools.example.com/mcp") });

        Assert.Equal(["McpServers:weather:Url must not carry credentials; put them in McpServers:weather:Headers."], errors);
    }

    [Theory]
    [InlineData("a__b")]
    [InlineData("_weather")]
    [InlineData("weather_")]
    [InlineData("we ather")]
    [InlineData("a-name-that-is-far-too-long-to-prefix")]
    public void IsValidName_NameThatWouldNotSplitOrFit_IsFalse(string name)
    {
        Assert.False(McpToolServerOptions.IsValidName(name));
    }

    [Theory]
    [InlineData("weather")]
    [InlineData("my_tools-2")]
    public void IsValidName_LettersDigitsDashAndSingleUnderscores_IsTrue(string name)
    {
        Assert.True(McpToolServerOptions.IsValidName(name));
    }

    [Fact]
    public void Validate_NonPositiveTimeouts_NameTheSettings()
    {
        var options = new McpToolServerOptions
        {
            Url = new Uri("http://localhost/mcp"), ToolTimeout = TimeSpan.Zero, ListTimeout = TimeSpan.FromSeconds(-1), ListRetryInterval = TimeSpan.FromSeconds(-1),
        };

        var errors = McpToolServerOptions.Validate("weather", options);

        Assert.Equal(
        [
            "McpServers:weather:ToolTimeout must be a positive duration of at most an hour (such as 00:00:30), not 00:00:00.",
            "McpServers:weather:ListTimeout must be a positive duration of at most an hour (such as 00:00:30), not -00:00:01.",
            "McpServers:weather:ListRetryInterval must be a duration of zero to an hour (such as 00:00:30), not -00:00:01.",
        ], errors);
    }

    [Fact]
    public void Validate_HeaderValueOnTwoLines_NamesTheHeaderNotTheValue()
    {
        var options = new McpToolServerOptions { Url = new Uri("http://localhost/mcp") };
        options.Headers["Authorization"] = "Bearer secret\r\nX-Injected: 1";

        var errors = McpToolServerOptions.Validate("weather", options);

        Assert.Equal(["McpServers:weather:Headers:Authorization must be a single-line value."], errors);
    }

    [Fact]
    public void Constructor_InvalidSettings_ThrowsListingEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new McpToolSource("a__b", new McpToolServerOptions()));

        Assert.Contains("McpServers:a__b: the server name", error.Message, StringComparison.Ordinal);
        Assert.Contains("McpServers:a__b:Url is required", error.Message, StringComparison.Ordinal);
    }
}

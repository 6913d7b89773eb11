using AgentFunctions.OpenAI.Tests.Fakes;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace AgentFunctions.OpenAI.Tests;

public sealed class OpenAIChatClientFactoryTests
{
    [Fact]
    public void Create_NoModel_ThrowsNamingModel()
    {
        // Arrange
        var options = new OpenAIModelOptions { ApiKey = "sk-x" };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options));

        // Assert
        Assert.Contains("OpenAI:Model is required", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoKeyAndNoCredential_ThrowsNamingBoth()
    {
        // Arrange
        var options = new OpenAIModelOptions { Model = "gpt-test" };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options));

        // Assert
        Assert.Contains("OpenAI:ApiKey is not set and no TokenCredential was given", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UseEntraIdWithoutCredential_ThrowsNamingTheCredential()
    {
        // Arrange
        var options = new OpenAIModelOptions { Model = "gpt-test", UseEntraId = true };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options));

        // Assert
        Assert.Contains("UseEntraId is set but no TokenCredential was given", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_KeyAndUseEntraId_ThrowsAskingToChoose()
    {
        // Arrange
        var options = new OpenAIModelOptions { Model = "gpt-test", ApiKey = "sk-x", UseEntraId = true };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options, new FakeTokenCredential("t")));

        // Assert
        Assert.Contains("choose one way to authenticate", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_RelativeEndpoint_ThrowsNamingAbsoluteUri()
    {
        // Arrange
        var options = new OpenAIModelOptions { Model = "gpt-test", ApiKey = "sk-x", Endpoint = new Uri("openai/v1", UriKind.Relative) };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options));

        // Assert
        Assert.Contains("is not an absolute URI", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NonHttpEndpoint_Throws()
    {
        // Arrange
        var options = new OpenAIModelOptions { Model = "gpt-test", ApiKey = "sk-x", Endpoint = new Uri("ftp://example.com/v1/") };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options));

        // Assert
        Assert.Contains("must be an http or https address", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://models.example.com/openai/v1/")]
    [InlineData("http://127.0.0.1:8080/v1/")]
    public void Create_CredentialOverPlainHttp_ThrowsNamingTls(string endpoint)
    {
        // Arrange
        var options = new OpenAIModelOptions { Model = "gpt-test", UseEntraId = true, Endpoint = new Uri(endpoint) };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options, new FakeTokenCredential("t")));

        // Assert
        Assert.Contains("only sent over TLS", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SeveralProblems_ListsEveryOne()
    {
        // Arrange
        var options = new OpenAIModelOptions { Endpoint = new Uri("v1", UriKind.Relative) };

        // Act
        var exception = Assert.Throws<ArgumentException>(() => OpenAIChatClientFactory.Create(options));

        // Assert
        Assert.Contains("OpenAI:Model", exception.Message, StringComparison.Ordinal);
        Assert.Contains("OpenAI:Endpoint", exception.Message, StringComparison.Ordinal);
        Assert.Contains("OpenAI:ApiKey", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetService_ChatClientMetadata_NamesProviderEndpointAndModel()
    {
        // Arrange
        var endpoint = new Uri("https://contoso.openai.azure.com/openai/v1/");
        using var client = OpenAIChatClientFactory.Create(new OpenAIModelOptions { Endpoint = endpoint, ApiKey = "sk-x", Model = "gpt-4o-mini" });

        // Act
        var metadata = client.GetService<ChatClientMetadata>();

        // Assert
        Assert.NotNull(metadata);
        Assert.Equal("openai", metadata.ProviderName);
        Assert.Equal(endpoint, metadata.ProviderUri);
        Assert.Equal("gpt-4o-mini", metadata.DefaultModelId);
    }

    [Fact]
    public void GetService_NoEndpoint_ReportsOpenAIsOwn()
    {
        // Arrange
        using var client = OpenAIChatClientFactory.Create(new OpenAIModelOptions { ApiKey = "sk-x", Model = "gpt-4o-mini" });

        // Act
        var metadata = client.GetService<ChatClientMetadata>();

        // Assert
        Assert.Equal("api.openai.com", metadata?.ProviderUri?.Host);
    }

    [Fact]
    public void GetService_ChatClientType_ReturnsTheWrappedSdkClient()
    {
        // Arrange
        using var client = OpenAIChatClientFactory.Create(new OpenAIModelOptions { ApiKey = "sk-x", Model = "gpt-4o-mini" });

        // Act
        var inner = client.GetService<ChatClient>();

        // Assert
        Assert.NotNull(inner);
    }
}

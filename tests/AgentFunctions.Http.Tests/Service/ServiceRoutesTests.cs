namespace AgentFunctions.Http.Tests.Service;

public class ServiceRoutesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Ok_Get_ReturnsOkTrue()
    {
        var response = await server.Client().GetAsync("/ok");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Info_Get_DescribesTheServer()
    {
        var info = await (await server.Client().GetAsync("/info")).ReadJsonAsync();

        Assert.True(info.GetProperty("flags").GetProperty("assistants").GetBoolean());
    }

    [Fact]
    public async Task OpenApi_Get_ServesTheDocument()
    {
        var document = await (await server.Client().GetAsync("/openapi/v1.json")).ReadJsonAsync();

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(document.GetProperty("paths").TryGetProperty("/ok", out _));
    }

    [Fact]
    public async Task UnknownRoute_Get_IsAProblemDetails404()
    {
        var response = await server.Client().GetAsync("/no/such/route");

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

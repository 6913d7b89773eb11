using System.Text;

namespace AgentFunctions.Http.Tests.Auth;

/// <summary>Under Auth:Mode EasyAuth the platform's principal headers name the owner.</summary>
public class EasyAuthTests(EasyAuthServerFixture server) : IClassFixture<EasyAuthServerFixture>
{
    [Fact]
    public async Task Threads_NoPrincipal_Returns401Problem()
    {
        var response = await server.Client().PostJsonAsync("/threads", "{}");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Threads_PrincipalId_IsTheOwner()
    {
        var first = Client(id: "user-" + Guid.NewGuid());
        var second = Client(id: "user-" + Guid.NewGuid());
        var thread = await (await first.PostJsonAsync("/threads", "{}")).ReadJsonAsync();
        var id = thread.GetProperty("thread_id").GetString();

        Assert.Equal(200, (int)(await first.GetAsync($"/threads/{id}")).StatusCode);
        Assert.Equal(404, (int)(await second.GetAsync($"/threads/{id}")).StatusCode);
    }

    [Fact]
    public async Task Threads_EncodedPrincipal_IsTheSameOwnerAsItsObjectId()
    {
        // Arrange: a thread created with the id header, read back with the encoded principal of the same object id.
        var objectId = Guid.NewGuid().ToString();
        var created = await (await Client(id: objectId).PostJsonAsync("/threads", "{}")).ReadJsonAsync();
        var principal = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $$$"""{"auth_typ":"aad","claims":[{"typ":"name","val":"Ann"},{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier","val":"{{{objectId}}}"}]}"""));

        // Act
        var response = await Client(principal: principal).GetAsync($"/threads/{created.GetProperty("thread_id").GetString()}");

        // Assert
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Threads_MalformedPrincipal_Returns401Problem()
    {
        var response = await Client(principal: "not base64 !").PostJsonAsync("/threads", "{}");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Assistants_PrincipalId_IsTheOwner()
    {
        var first = Client(id: "user-" + Guid.NewGuid());
        var second = Client(id: "user-" + Guid.NewGuid());
        var assistant = await (await first.PostJsonAsync("/assistants", """{"graph_id":"agent"}""")).ReadJsonAsync();
        var id = assistant.GetProperty("assistant_id").GetString();

        Assert.Equal(200, (int)(await first.GetAsync($"/assistants/{id}")).StatusCode);
        Assert.Equal(404, (int)(await second.GetAsync($"/assistants/{id}")).StatusCode);
    }

    private HttpClient Client(string? id = null, string? principal = null)
    {
        var client = server.Client();
        if (id is not null)
        {
            client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL-ID", id);
        }

        if (principal is not null)
        {
            client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL", principal);
        }

        return client;
    }
}

using System.Text.RegularExpressions;
using AgentFunctions.FunctionApp.Http;
using AgentFunctions.FunctionApp.Tests.Metadata;
using AgentFunctions.Hosting;
using AgentFunctions.Http.Endpoints;
using AgentFunctions.Http.Invocation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.FunctionApp.Tests.Http;

/// <summary>
/// The HTTP functions as the generated metadata declares them to the host: the same API as the server's route table
/// (names, methods, routes), each through the one entry point, at the authorization level the build chose.
/// </summary>
public partial class HttpFunctionsTests
{
    [Fact]
    public void HttpFunctions_Routes_AreTheServersRouteTable()
    {
        var functions = FunctionMetadata.Http.Select(f =>
        {
            var trigger = f.TriggerOrNull("httpTrigger")!.Value;
            var methods = trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).Order(StringComparer.Ordinal);
            return $"{f.Name}: {string.Join(',', methods)} {Shape("/" + trigger.GetProperty("route").GetString())}";
        }).Order(StringComparer.Ordinal);

        Assert.Equal(ServerRoutes(), functions);
    }

    [Fact]
    public void HttpFunctions_EachOne_ReturnsWhatOnlyApiInvocationMakes()
    {
        Assert.NotEmpty(FunctionMetadata.Http);
        Assert.All(FunctionMetadata.Http, f => Assert.True(
            f.Method().ReturnType == typeof(Task<WrittenResponse>),
            $"{f.Name} ({f.EntryPoint}) returns {f.Method().ReturnType}, not Task<WrittenResponse>: it must answer through ApiInvocation."));
    }

    [Fact]
    public async Task HttpFunctions_Invoked_WriteTheResponseAndLeaveTheHostNothingToWrite()
    {
        // Arrange: the app's services with API keys on, so that every function but /ok and /info refuses a caller without one.
        await using var services = AppServices(new() { ["Auth:Mode"] = "ApiKey", ["Auth:ApiKeys:0:Key"] = "key-0123456789abcdef0123", ["Auth:ApiKeys:0:Owner"] = "o" });

        foreach (var function in FunctionMetadata.Http)
        {
            var context = new DefaultHttpContext { RequestServices = services };
            context.Response.Body = new MemoryStream();
            var method = function.Method();
            var arguments = method.GetParameters().Select(p => p.ParameterType == typeof(HttpRequest) ? context.Request : (object)"id").ToArray();

            // Act
            var written = await (Task<WrittenResponse>)method.Invoke(null, arguments)!;
            var status = context.Response.StatusCode;
            await written.ExecuteAsync(context);

            // Assert: the function answered (200 without a caller for /ok and /info, 401 for the rest), and executing its result, as
            // the worker does, changes nothing.
            Assert.Equal(function.Name is "Ok" or "Info" ? 200 : 401, status);
            Assert.True(context.Response.Body.Length > 0, function.Name + " wrote no body");
            Assert.Equal(status, context.Response.StatusCode);
        }
    }

    [Fact]
    public void HttpFunctions_AuthorizationLevel_IsTheBuildsExceptForOk()
    {
        var levels = FunctionMetadata.Http.ToDictionary(f => f.Name, f => f.TriggerOrNull("httpTrigger")!.Value.GetProperty("authLevel").GetString());

        Assert.Equal("Anonymous", levels["Ok"]);
        Assert.All(levels.Where(l => l.Key != "Ok"), l => Assert.Equal(ApiAuthorization.Level.ToString(), l.Value));
    }

    [Fact]
    public void HttpFunctions_AuthorizationLevel_DefaultBuildIsFunction()
        => Assert.Equal(Microsoft.Azure.Functions.Worker.AuthorizationLevel.Function, ApiAuthorization.Level);

    /// <summary>The API's routes as the server maps them: <c>Name: METHOD /route</c>.</summary>
    private static IEnumerable<string> ServerRoutes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Storage:ConnectionString"] = "UseDevelopmentStorage=true";
        builder.Services.AddAgentFunctions(builder.Configuration);
        using var app = builder.Build();
        app.MapAgentFunctionsApi();

        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e =>
        {
            var methods = e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Order(StringComparer.Ordinal);
            // A group's route ends in '/' where its own route is empty ("/threads/{threadId}/runs" + "/"), which routing ignores.
            var route = e.RoutePattern.RawText!.Length > 1 ? e.RoutePattern.RawText.TrimEnd('/') : e.RoutePattern.RawText;
            return $"{e.Metadata.GetMetadata<EndpointNameMetadata>()?.EndpointName}: {string.Join(',', methods)} {Shape(route)}";
        }).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A route with its parameters unnamed (<c>/threads/{}/state</c>): what a request matches, whatever a host names them.</summary>
    private static string Shape(string route) => Parameter().Replace(route, "{}");

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();

    private static ServiceProvider AppServices(Dictionary<string, string?> settings)
    {
        settings["Storage:ConnectionString"] = "UseDevelopmentStorage=true";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddAgentFunctions(configuration).Services;
        return services.BuildServiceProvider();
    }
}

using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http.Invocation;

/// <summary>
/// What <see cref="ApiInvocation"/> returns once it has written the whole response: an <see cref="IResult"/> that writes
/// nothing, so a host that executes a function's result (the Functions worker's ASP.NET Core integration) leaves the
/// response as it is. Only <see cref="ApiInvocation"/> makes one, so a function declared to return it goes through it.
/// </summary>
public sealed class WrittenResponse : IResult
{
    internal static readonly WrittenResponse Instance = new();

    private WrittenResponse()
    {
    }

    /// <summary>Writes nothing: the response is already complete.</summary>
    public Task ExecuteAsync(HttpContext httpContext) => Task.CompletedTask;
}

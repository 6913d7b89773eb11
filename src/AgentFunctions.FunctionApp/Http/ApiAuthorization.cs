using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>The authorization level of the API's functions, chosen when the app is built (see the project file).</summary>
internal static class ApiAuthorization
{
#if ANONYMOUS_HTTP_FUNCTIONS
    public const AuthorizationLevel Level = AuthorizationLevel.Anonymous;
#else
    public const AuthorizationLevel Level = AuthorizationLevel.Function;
#endif
}

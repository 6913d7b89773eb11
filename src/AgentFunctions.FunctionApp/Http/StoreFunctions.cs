using AgentFunctions.Http.Invocation;
using AgentFunctions.Http.Items;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.FunctionApp.Http;

/// <summary>The store routes, each a call to its handler through <see cref="ApiInvocation"/>.</summary>
public static class StoreFunctions
{
    [Function("PutStoreItem")]
    public static Task<WrittenResponse> PutAsync([HttpTrigger(ApiAuthorization.Level, "put", Route = "store/items")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, StoreHandlers.PutAsync);

    [Function("GetStoreItem")]
    public static Task<WrittenResponse> GetAsync([HttpTrigger(ApiAuthorization.Level, "get", Route = "store/items")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, StoreHandlers.GetAsync);

    [Function("DeleteStoreItem")]
    public static Task<WrittenResponse> DeleteAsync([HttpTrigger(ApiAuthorization.Level, "delete", Route = "store/items")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, StoreHandlers.DeleteAsync);

    [Function("SearchStoreItems")]
    public static Task<WrittenResponse> SearchAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "store/items/search")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, StoreHandlers.SearchAsync);

    [Function("ListStoreNamespaces")]
    public static Task<WrittenResponse> ListNamespacesAsync([HttpTrigger(ApiAuthorization.Level, "post", Route = "store/namespaces")] HttpRequest request)
        => ApiInvocation.InvokeAsync(request.HttpContext, StoreHandlers.ListNamespacesAsync);
}

using AgentFunctions.Http.Items;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Http.Endpoints;

/// <summary>The store routes (see <see cref="StoreHandlers"/>).</summary>
public static class StoreEndpoints
{
    public static RouteGroupBuilder MapStore(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPut("/store/items", (Func<HttpContext, Task<IResult>>)StoreHandlers.PutAsync).WithName("PutStoreItem").WithTags("Store");
        api.MapGet("/store/items", (Func<HttpContext, Task<IResult>>)StoreHandlers.GetAsync).WithName("GetStoreItem").WithTags("Store");
        api.MapDelete("/store/items", (Func<HttpContext, Task<IResult>>)StoreHandlers.DeleteAsync).WithName("DeleteStoreItem").WithTags("Store");
        api.MapPost("/store/items/search", (Func<HttpContext, Task<IResult>>)StoreHandlers.SearchAsync).WithName("SearchStoreItems").WithTags("Store");
        api.MapPost("/store/namespaces", (Func<HttpContext, Task<IResult>>)StoreHandlers.ListNamespacesAsync).WithName("ListStoreNamespaces").WithTags("Store");
        return api;
    }
}

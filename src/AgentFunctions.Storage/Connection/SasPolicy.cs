using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.Storage;

/// <summary>
/// Appends a shared access signature to every request's query string. It reads the credential on
/// every attempt, so <see cref="AzureSasCredential.Update"/> takes effect for the next request, and a
/// retry carries the signature once.
/// </summary>
internal sealed class SasPolicy(AzureSasCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var sas = credential.Signature.TrimStart('?');
        var query = message.Request.Uri.Query;
        if (query.Contains(sas, StringComparison.Ordinal))
        {
            return; // a retry of a request that already carries it
        }

        message.Request.Uri.Query = string.IsNullOrEmpty(query) || query == "?" ? "?" + sas : query + "&" + sas;
    }
}

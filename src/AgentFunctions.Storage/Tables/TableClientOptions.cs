using Azure.Core;

namespace AgentFunctions.Storage.Tables;

/// <summary>Options of the table clients: retries, timeouts, diagnostics and transport, as every Azure client has.</summary>
public sealed class TableClientOptions : ClientOptions
{
    /// <summary>The Table service REST API version this client speaks.</summary>
    public const string ServiceVersion = "2019-02-02";
}

/// <summary>How an update or upsert treats properties the entity does not carry.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep them (MERGE).</summary>
    Merge,

    /// <summary>Remove them: the stored entity becomes exactly the one sent (PUT).</summary>
    Replace,
}

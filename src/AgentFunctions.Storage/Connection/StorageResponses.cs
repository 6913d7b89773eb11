using Azure;

namespace AgentFunctions.Storage;

/// <summary>A response that may or may not carry a value (a point read that found nothing is not an error).</summary>
internal sealed class StorageNullableResponse<T>(Response response, T? value) : NullableResponse<T>
{
    public override bool HasValue => value is not null;

    public override T Value => value ?? throw new InvalidOperationException("The response has no value; check HasValue first.");

    public override Response GetRawResponse() => response;
}

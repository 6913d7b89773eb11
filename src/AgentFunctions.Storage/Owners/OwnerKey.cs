using System.Buffers.Text;
using System.Text;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Owners;

/// <summary>
/// Turns an owner id (whatever the identity provider calls a user: an email, a principal id, an
/// API key's owner name) into a partition key. Plain ids keep their text behind "u:", anything else
/// is Base64url-encoded behind "b:", so the mapping is one-to-one and no owner id can break a key.
/// </summary>
public static class OwnerKey
{
    private const int MaxOwnerLength = 256;

    public static string ToPartitionKey(string owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        if (owner.Length > MaxOwnerLength)
        {
            throw new ArgumentException($"An owner id has at most {MaxOwnerLength} characters.", nameof(owner));
        }

        var plain = owner.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');
        var key = plain ? "u:" + owner : "b:" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(owner));
        TableKeys.ValidateKey(key, "owner key");
        return key;
    }
}

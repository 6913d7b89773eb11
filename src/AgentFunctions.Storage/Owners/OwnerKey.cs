using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Storage.Tables;

namespace AgentFunctions.Storage.Owners;

/// <summary>
/// Turns an owner id (whatever the identity provider calls a user: an email, a principal id, an
/// API key's owner name) into a partition key. Plain ids keep their text behind "u:", anything else
/// is Base64url-encoded behind "b:", and ids too long for a key are hashed (SHA-256) behind "h:", so
/// no owner id can break a key and distinct owners get distinct keys.
/// </summary>
public static class OwnerKey
{
    private const int MaxEncodedLength = 256;

    public static string ToPartitionKey(string owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var plain = owner.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');
        var key = plain ? "u:" + owner : "b:" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(owner));
        if (key.Length > MaxEncodedLength)
        {
            key = "h:" + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(owner)));
        }

        TableKeys.ValidateKey(key, "owner key");
        return key;
    }
}

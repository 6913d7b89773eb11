using System.Security.Cryptography;
using System.Text;

namespace AgentFunctions.Storage;

/// <summary>A storage account name and key, used to sign requests with Shared Key authorization.</summary>
public sealed class StorageSharedKeyCredential
{
    private readonly byte[] _key;

    /// <summary>Creates a credential from the account name and its Base64 account key.</summary>
    /// <exception cref="FormatException">The key is not Base64.</exception>
    public StorageSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        AccountName = accountName;
        _key = Convert.FromBase64String(accountKey);
    }

    /// <summary>The account name.</summary>
    public string AccountName { get; }

    /// <summary>The Base64 HMAC-SHA256 of <paramref name="stringToSign"/> under the account key.</summary>
    internal string ComputeSignature(string stringToSign)
        => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
}

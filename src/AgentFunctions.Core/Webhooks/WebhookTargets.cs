using System.Net;
using System.Net.Sockets;

namespace AgentFunctions.Core.Webhooks;

/// <summary>
/// Where a webhook may be sent (server-side request forgery): an absolute http(s) URL whose host resolves only to
/// public addresses, unless private networks are allowed. Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
/// link-local (169.254/16, fe80::/10, where cloud metadata services live), shared (100.64/10), unspecified,
/// multicast and reserved addresses are not public.
/// </summary>
public static class WebhookTargets
{
    /// <summary>Why <paramref name="url"/> may not be a webhook, or null when it may. Resolves the host's name.</summary>
    public static async Task<string?> ProblemAsync(string url, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return "must be an absolute http or https URL";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return $"names a host that does not resolve ({uri.Host})";
        }

        return addresses.Length == 0 ? $"names a host that does not resolve ({uri.Host})"
            : addresses.FirstOrDefault(a => !IsPublic(a)) is { } inner ? $"resolves to {inner}, a loopback, private or internal address, which webhooks may not reach (Webhooks:AllowPrivateNetworks is off)"
            : null;
    }

    /// <summary>Whether <paramref name="address"/> is a public unicast address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && b[1] is >= 64 and <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 198 && b[1] is 18 or 19));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b));
        }

        return false;
    }
}

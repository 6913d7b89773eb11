using System.Globalization;

namespace AgentFunctions.Storage.Queues;

/// <summary>
/// The Queue service's limits, checked before a request is sent so that a bad argument fails fast
/// with a message that says what is wrong, instead of as a 400 from the service.
/// </summary>
internal static class QueueLimits
{
    public const int MinNameLength = 3;
    public const int MaxNameLength = 63;
    public const int MaxMessagesPerRequest = 32;

    /// <summary>The largest encoded message (its Base64 text), 64 KiB.</summary>
    public const int MaxEncodedMessageLength = 64 * 1024;

    /// <summary>The longest visibility timeout or delay, 7 days.</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);

    /// <summary>Checks a queue name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public static void ValidateName(string queueName, string paramName)
    {
        ArgumentNullException.ThrowIfNull(queueName, paramName);
        if (queueName.Length is < MinNameLength or > MaxNameLength)
        {
            throw new ArgumentException(
                $"A queue name is {MinNameLength} to {MaxNameLength} characters long; '{queueName}' has {queueName.Length}.", paramName);
        }

        for (var i = 0; i < queueName.Length; i++)
        {
            var c = queueName[i];
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                continue;
            }

            if (c != '-')
            {
                throw new ArgumentException(
                    $"A queue name has only lowercase letters, digits and hyphens; '{queueName}' has '{c}' at position {i}.", paramName);
            }

            if (i == 0 || i == queueName.Length - 1)
            {
                throw new ArgumentException($"A queue name starts and ends with a letter or digit, not a hyphen: '{queueName}'.", paramName);
            }

            if (queueName[i - 1] == '-')
            {
                throw new ArgumentException($"A queue name has no consecutive hyphens: '{queueName}'.", paramName);
            }
        }
    }

    public static void ValidateMaxMessages(int maxMessages, string paramName)
    {
        if (maxMessages is < 1 or > MaxMessagesPerRequest)
        {
            throw new ArgumentOutOfRangeException(
                paramName, maxMessages, $"The Queue service returns 1 to {MaxMessagesPerRequest} messages per request.");
        }
    }

    /// <summary>Checks a visibility timeout or delay and returns it in whole seconds (fractions are dropped), as the service takes it.</summary>
    public static int VisibilitySeconds(TimeSpan value, TimeSpan minimum, string paramName)
    {
        if (value < minimum || value > MaxVisibilityTimeout)
        {
            throw new ArgumentOutOfRangeException(
                paramName, value,
                $"A visibility timeout is from {Describe(minimum)} to 7 days.");
        }

        return (int)Math.Floor(value.TotalSeconds);
    }

    /// <summary>
    /// Checks a time-to-live and returns it in whole seconds: at least one second, or
    /// <see cref="QueueClient.MessageNeverExpires"/> / <see cref="Timeout.InfiniteTimeSpan"/> for -1 (never expires).
    /// </summary>
    public static int TimeToLiveSeconds(TimeSpan value, string paramName)
    {
        if (value == QueueClient.MessageNeverExpires || value == Timeout.InfiniteTimeSpan)
        {
            return -1;
        }

        if (value < TimeSpan.FromSeconds(1) || value.TotalSeconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                paramName, value,
                $"A message's time-to-live is at least 1 second and at most {int.MaxValue} seconds, or QueueClient.MessageNeverExpires.");
        }

        return (int)Math.Floor(value.TotalSeconds);
    }

    /// <summary>Encodes a body as the message text (Base64) and checks that it fits in a message.</summary>
    public static string EncodeBody(BinaryData body, string paramName)
    {
        ArgumentNullException.ThrowIfNull(body, paramName);
        var length = body.ToMemory().Length;
        var encodedLength = (long)Math.Ceiling(length / 3.0) * 4;
        if (encodedLength > MaxEncodedMessageLength)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"A message is at most {MaxEncodedMessageLength} characters once Base64-encoded ({MaxEncodedMessageLength / 4 * 3} bytes of body); this body of {length} bytes encodes to {encodedLength}."),
                paramName);
        }

        return Convert.ToBase64String(body.ToMemory().Span);
    }

    private static string Describe(TimeSpan minimum) => minimum == TimeSpan.Zero ? "0 seconds" : $"{minimum.TotalSeconds:0} second(s)";
}

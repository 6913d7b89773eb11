using System.Diagnostics.CodeAnalysis;

namespace AgentFunctions.Storage.Tables;

/// <summary>
/// The Table service's rules for table names and for PartitionKey/RowKey values, checked before a
/// request is sent so that a bad value is an <see cref="ArgumentException"/> that says what is wrong,
/// not a 400 from the service (or, worse, a request that addresses a different entity).
/// </summary>
public static class TableKeys
{
    /// <summary>The largest key, in bytes of UTF-16: 1 KiB.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>Whether <paramref name="value"/> can be a PartitionKey or RowKey; <paramref name="problem"/> says why not.</summary>
    public static bool IsValidKey(string? value, [NotNullWhen(false)] out string? problem)
    {
        if (value is null)
        {
            problem = "is null";
            return false;
        }

        if (value.Length * sizeof(char) > MaxKeyBytes)
        {
            problem = $"is longer than {MaxKeyBytes / sizeof(char)} characters (1 KiB of UTF-16)";
            return false;
        }

        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?')
            {
                problem = $"contains '{c}', which keys may not contain";
                return false;
            }

            if (c <= '\u001F' || c is >= '\u007F' and <= '\u009F')
            {
                problem = $"contains the control character U+{(int)c:X4}";
                return false;
            }
        }

        problem = null;
        return true;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="parameterName"/> when the key is not valid.</summary>
    public static void ValidateKey(string? value, string parameterName)
    {
        if (!IsValidKey(value, out var problem))
        {
            throw new ArgumentException($"The {parameterName} {problem}.", parameterName);
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid table name: 3 to 63 letters and digits, starting with a letter, not "tables".</summary>
    public static bool IsValidTableName(string? name)
        => name is { Length: >= 3 and <= 63 }
            && char.IsAsciiLetter(name[0])
            && name.All(char.IsAsciiLetterOrDigit)
            && !string.Equals(name, "tables", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws an <see cref="ArgumentException"/> when <paramref name="name"/> is not a valid table name.</summary>
    public static void ValidateTableName(string? name, string parameterName = "tableName")
    {
        if (!IsValidTableName(name))
        {
            throw new ArgumentException(
                "A table name has 3 to 63 characters, only ASCII letters and digits, starts with a letter, and is not 'tables'.",
                parameterName);
        }
    }
}

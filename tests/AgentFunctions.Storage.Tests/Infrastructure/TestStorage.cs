namespace AgentFunctions.Storage.Tests;

/// <summary>The storage account the tests run against: Azurite started by eng/test.sh, or a real account.</summary>
internal static class TestStorage
{
    public const string VariableName = "AGENTFUNCTIONS_STORAGE_CONNECTION_STRING";

    /// <summary>The connection string from <see cref="VariableName"/>; fails the test with a clear message when it is missing.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{VariableName} is not set. Run the tests with eng/test.sh, which starts Azurite and sets it, " +
                "or set it to a storage account's connection string.");

    /// <summary>A table or queue name no other test uses (letters and digits, starts with a letter).</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..16];
}

using System.Globalization;

namespace AgentFunctions.Http.Tests;

/// <summary>The server with a page byte budget (<c>Http:PageByteBudget</c>) small enough for a few items of the test data.</summary>
public sealed class PageBudgetServerFixture : ServerFixture
{
    public const int Budget = 20_000;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings()
        => [new("Http:PageByteBudget", Budget.ToString(CultureInfo.InvariantCulture))];
}

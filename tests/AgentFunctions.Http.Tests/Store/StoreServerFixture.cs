using AgentFunctions.Http.Tests.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Http.Tests.Store;

/// <summary>The system clock moved on by <see cref="Offset"/>: a test lets time pass without waiting (timers still run on real time).</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>The server with two API-key owners (alice, bob) on a clock the tests move forward.</summary>
public sealed class StoreServerFixture : ApiKeyServerFixture
{
    public ShiftedClock Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);
}

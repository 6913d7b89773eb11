using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Compaction;

namespace AgentFunctions.Core.Tests.Compaction;

public class CompactionPolicyTests
{
    private static readonly CompactionPolicy Deployment = CompactionPolicy.FromOptions(new CompactionOptions { KeepLatest = 50 });

    [Fact]
    public void WithOverride_NoCompactionKey_IsTheDeploymentPolicy()
    {
        var policy = Deployment.WithOverride(Json("""{"configurable":{"model":"x"}}"""));

        Assert.Same(Deployment, policy);
    }

    [Fact]
    public void WithOverride_KeepAll_ChangesOnlyTheKind()
    {
        var policy = Deployment.WithOverride(Json("""{"configurable":{"compaction":{"policy":"keep_all"}}}"""));

        Assert.Equal(CompactionPolicyKind.KeepAll, policy.Kind);
        Assert.Equal(50, policy.KeepLatest);
    }

    [Fact]
    public void WithOverride_KeepLatestAndPins_AreTheAssistants()
    {
        var policy = Deployment.WithOverride(Json("""{"configurable":{"compaction":{"keep_latest":7,"pin_metadata":{"keep":true}}}}"""));

        Assert.Equal(CompactionPolicyKind.KeepLatest, policy.Kind);
        Assert.Equal(7, policy.KeepLatest);
        Assert.True(policy.Pins(Json("""{"source":"loop","keep":true}""")));
        Assert.False(policy.Pins(Json("""{"source":"loop"}""")));
    }

    [Theory]
    [InlineData("""{"configurable":{"compaction":"keep_all"}}""", "$.configurable.compaction")]
    [InlineData("""{"configurable":{"compaction":{"policy":"keep_some"}}}""", "$.configurable.compaction.policy")]
    [InlineData("""{"configurable":{"compaction":{"keep_latest":0}}}""", "$.configurable.compaction.keep_latest")]
    [InlineData("""{"configurable":{"compaction":{"pin_metadata":[1]}}}""", "$.configurable.compaction.pin_metadata")]
    public void WithOverride_InvalidValue_NamesItsPath(string config, string path)
    {
        var error = Assert.Throws<AssistantConfigException>(() => Deployment.WithOverride(Json(config)));

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void FromOptions_PinMetadataValues_AreReadAsJsonWhenTheyParse()
    {
        var policy = CompactionPolicy.FromOptions(new CompactionOptions { PinMetadata = { ["keep"] = "true", ["label"] = "release" } });

        Assert.True(policy.Pins(Json("""{"keep":true,"label":"release","step":3}""")));
        Assert.False(policy.Pins(Json("""{"keep":"true","label":"release"}""")));
    }

    [Fact]
    public void Validate_UnknownPolicy_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CompactionOptions { Policy = "keep_none" }.Validate());
    }

    [Fact]
    public void Validate_ZeroThreshold_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CompactionOptions { Threshold = 0 }.Validate());
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

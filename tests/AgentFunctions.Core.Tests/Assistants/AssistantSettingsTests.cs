using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Tests.Assistants;

public class AssistantSettingsTests
{
    private static JsonElement Json(string json) => JsonObjects.Parse(json);

    [Fact]
    public void From_EmptyObject_ReturnsTheDefaults()
    {
        var settings = AssistantSettings.From(Json("{}"));

        Assert.Null(settings.Model);
        Assert.Null(settings.SystemPrompt);
        Assert.Null(settings.Tools); // every tool of the graph
        Assert.Equal(AssistantSettings.DefaultRecursionLimit, settings.RecursionLimit);
    }

    [Fact]
    public void From_UndefinedElement_ReturnsTheDefaults()
    {
        var settings = AssistantSettings.From(default);

        Assert.Equal(25, settings.RecursionLimit);
        Assert.Null(settings.Tools);
    }

    [Fact]
    public void From_FullConfig_ReadsEverySetting()
    {
        var config = Json("""
            {"configurable": {"model": "gpt-4o", "system_prompt": "Be brief.", "tools": ["calculator", "search"]},
             "recursion_limit": 12, "tags": ["x"]}
            """);

        var settings = AssistantSettings.From(config);

        Assert.Equal("gpt-4o", settings.Model);
        Assert.Equal("Be brief.", settings.SystemPrompt);
        Assert.Equal(["calculator", "search"], settings.Tools);
        Assert.Equal(12, settings.RecursionLimit);
    }

    [Fact]
    public void From_NullValues_TakeTheDefaults()
    {
        var config = Json("""{"configurable": {"model": null, "system_prompt": null, "tools": null}, "recursion_limit": null}""");

        var settings = AssistantSettings.From(config);

        Assert.Equal(AssistantSettings.Default, settings);
        Assert.Null(settings.Tools);
    }

    [Fact]
    public void From_UnknownKeys_AreIgnored()
    {
        var config = Json("""{"configurable": {"user_id": 7, "thread_id": "t"}, "metadata": {}, "tags": ["a"], "other": [1]}""");

        var settings = AssistantSettings.From(config);

        Assert.Equal(25, settings.RecursionLimit);
    }

    [Theory]
    [InlineData("""{"tags": "a"}""", "$.tags")]
    [InlineData("""{"tags": ["a", 1]}""", "$.tags[1]")]
    [InlineData("""{"run_name": 5}""", "$.run_name")]
    [InlineData("""{"max_concurrency": 0}""", "$.max_concurrency")]
    [InlineData("""{"metadata": []}""", "$.metadata")]
    public void From_OtherSchemaKeysOfTheWrongType_AreRefusedWithTheirPath(string json, string path)
    {
        var exception = Assert.Throws<AssistantConfigException>(() => AssistantSettings.From(Json(json)));

        Assert.Equal(path, exception.Path);
    }

    [Fact]
    public void From_RepeatedToolNames_KeepsEachOnceInOrder()
    {
        var settings = AssistantSettings.From(Json("""{"configurable": {"tools": ["b", "a", "b", "c", "a"]}}"""));

        Assert.Equal(["b", "a", "c"], settings.Tools);
    }

    [Fact]
    public void From_EmptySystemPrompt_IsKept()
    {
        var settings = AssistantSettings.From(Json("""{"configurable": {"system_prompt": ""}}"""));

        Assert.Equal(string.Empty, settings.SystemPrompt);
    }

    [Theory]
    [InlineData("""[]""", "$")]
    [InlineData("""{"configurable": []}""", "$.configurable")]
    [InlineData("""{"configurable": "x"}""", "$.configurable")]
    [InlineData("""{"configurable": {"model": 4}}""", "$.configurable.model")]
    [InlineData("""{"configurable": {"model": ""}}""", "$.configurable.model")]
    [InlineData("""{"configurable": {"system_prompt": {"text": "x"}}}""", "$.configurable.system_prompt")]
    [InlineData("""{"configurable": {"tools": "calculator"}}""", "$.configurable.tools")]
    [InlineData("""{"configurable": {"tools": ["calculator", 5]}}""", "$.configurable.tools[1]")]
    [InlineData("""{"configurable": {"tools": ["calculator", "", "x"]}}""", "$.configurable.tools[1]")]
    [InlineData("""{"configurable": {"tools": [null]}}""", "$.configurable.tools[0]")]
    [InlineData("""{"recursion_limit": "25"}""", "$.recursion_limit")]
    [InlineData("""{"recursion_limit": 2.5}""", "$.recursion_limit")]
    [InlineData("""{"recursion_limit": 0}""", "$.recursion_limit")]
    [InlineData("""{"recursion_limit": -3}""", "$.recursion_limit")]
    [InlineData("""{"recursion_limit": 1e12}""", "$.recursion_limit")]
    public void From_WrongType_ThrowsNamingTheJsonPath(string json, string path)
    {
        var ex = Assert.Throws<AssistantConfigException>(() => AssistantSettings.From(Json(json)));

        Assert.Equal(path, ex.Path);
        Assert.StartsWith(path + ": must be", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_WrongType_IsAnArgumentExceptionForTheConfig()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => AssistantSettings.From(Json("""{"configurable": {"model": true}}""")));

        Assert.Equal("config", ex.ParamName);
        Assert.Contains("must be a non-empty string, not a Boolean", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_RunConfigGivesEverySetting_RunValuesWin()
    {
        var assistant = AssistantSettings.From(Json("""
            {"configurable": {"model": "a-model", "system_prompt": "A", "tools": ["calculator"]}, "recursion_limit": 10}
            """));

        var merged = assistant.Merge(Json("""
            {"configurable": {"model": "r-model", "system_prompt": "R", "tools": ["search"]}, "recursion_limit": 50}
            """));

        Assert.Equal("r-model", merged.Model);
        Assert.Equal("R", merged.SystemPrompt);
        Assert.Equal(["search"], merged.Tools);
        Assert.Equal(50, merged.RecursionLimit);
    }

    [Fact]
    public void Merge_RunConfigLeavesSettingsOut_KeepsTheAssistantsValues()
    {
        var assistant = AssistantSettings.From(Json("""
            {"configurable": {"model": "a-model", "system_prompt": "A", "tools": ["calculator"]}, "recursion_limit": 10}
            """));

        var merged = assistant.Merge(Json("""{"configurable": {"model": "r-model", "user_id": "u"}}"""));

        Assert.Equal("r-model", merged.Model);
        Assert.Equal("A", merged.SystemPrompt);
        Assert.Equal(["calculator"], merged.Tools);
        Assert.Equal(10, merged.RecursionLimit);
    }

    [Fact]
    public void Merge_RunConfigWithNulls_KeepsTheAssistantsValues()
    {
        var assistant = AssistantSettings.From(Json("""{"configurable": {"model": "a-model"}, "recursion_limit": 10}"""));

        var merged = assistant.Merge(Json("""{"configurable": {"model": null}, "recursion_limit": null}"""));

        Assert.Equal(assistant, merged);
    }

    [Fact]
    public void Merge_RunConfigWithEmptyToolList_EnablesNoTools()
    {
        var assistant = AssistantSettings.From(Json("""{"configurable": {"tools": ["calculator"]}}"""));

        var merged = assistant.Merge(Json("""{"configurable": {"tools": []}}"""));

        Assert.Equal([], merged.Tools!);
    }

    [Fact]
    public void Merge_UndefinedRunConfig_ReturnsEqualSettings()
    {
        var assistant = AssistantSettings.From(Json("""{"configurable": {"model": "m"}, "recursion_limit": 3}"""));

        var merged = assistant.Merge(default);

        Assert.Equal(assistant, merged);
    }

    [Fact]
    public void Merge_InvalidRunConfig_ThrowsNamingTheJsonPath()
    {
        var assistant = AssistantSettings.From(Json("{}"));

        var ex = Assert.Throws<AssistantConfigException>(() => assistant.Merge(Json("""{"recursion_limit": true}""")));

        Assert.Equal("$.recursion_limit", ex.Path);
    }

    [Fact]
    public void Merge_Always_LeavesTheAssistantsSettingsUnchanged()
    {
        var assistant = AssistantSettings.From(Json("""{"configurable": {"model": "a-model"}}"""));

        _ = assistant.Merge(Json("""{"configurable": {"model": "r-model"}}"""));

        Assert.Equal("a-model", assistant.Model);
    }
}

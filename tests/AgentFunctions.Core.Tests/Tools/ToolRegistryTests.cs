using System.Text.Json;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Tools;

public sealed class ToolRegistryTests
{
    [Fact]
    public void Names_NewRegistry_HoldsCalculator()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var names = registry.Names;

        // Assert
        Assert.Equal(["calculator"], names);
    }

    [Fact]
    public void Add_NewName_IsResolvable()
    {
        // Arrange
        var registry = new ToolRegistry();
        var echo = new StubFunction("echo", args => args["text"]);

        // Act
        registry.Add(echo);

        // Assert
        Assert.Same(echo, Assert.Single(registry.Resolve(["echo"])));
    }

    [Fact]
    public void Constructor_AdditionalTools_RegistersThemBesideBuiltIns()
    {
        // Act
        var registry = new ToolRegistry([new StubFunction("echo", _ => null), new StubFunction("weather", _ => null)]);

        // Assert
        Assert.Equal(["calculator", "echo", "weather"], registry.Names);
    }

    [Fact]
    public void Add_DuplicateName_Throws()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var exception = Assert.Throws<ArgumentException>(() => registry.Add(new StubFunction("calculator", _ => null)));

        // Assert
        Assert.StartsWith("A tool named 'calculator' is already registered.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    public void Add_InvalidName_Throws(string name)
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var exception = Assert.Throws<ArgumentException>(() => registry.Add(new StubFunction(name, _ => null)));

        // Assert
        Assert.Contains("is invalid", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_KnownNames_ReturnsToolsInOrderOnce()
    {
        // Arrange
        var echo = new StubFunction("echo", _ => null);
        var registry = new ToolRegistry([echo]);

        // Act
        var tools = registry.Resolve(["echo", "calculator", "echo"]);

        // Assert
        Assert.Equal(["echo", "calculator"], tools.Select(t => t.Name));
    }

    [Fact]
    public void Resolve_UnknownNames_ThrowsListingThem()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var exception = Assert.Throws<UnknownToolException>(() => registry.Resolve(["calculator", "search", "Calculator"]));

        // Assert
        Assert.Equal("Unknown tools: 'search', 'Calculator'. Registered tools: 'calculator'.", exception.Message);
        Assert.Equal(["search", "Calculator"], exception.UnknownNames);
    }

    [Fact]
    public void TryResolve_UnknownName_ReturnsFalseWithUnknownNames()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var resolved = registry.TryResolve(["calculator", "search"], out var tools, out var unknown);

        // Assert
        Assert.False(resolved);
        Assert.Empty(tools);
        Assert.Equal(["search"], unknown);
    }

    [Fact]
    public async Task InvokeAsync_CalculatorWithJsonArguments_ReturnsResult()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("calculator", """{"expression": "0.1 + 0.2"}""");

        // Assert
        Assert.Equal(ToolResult.Success("0.3"), result);
    }

    [Fact]
    public async Task InvokeAsync_ToolReturnsAToolResult_TakesItAsIs()
    {
        // Arrange: a tool that reports its own failure as a value (as an MCP server that is down does).
        var registry = new ToolRegistry([new StubFunction("away", _ => ToolResult.Error("The server is away."))]);

        // Act
        var result = await registry.InvokeAsync("away", null);

        // Assert
        Assert.Equal(ToolResult.Error("The server is away."), result);
    }

    [Fact]
    public async Task InvokeAsync_FunctionCallContent_ReturnsResult()
    {
        // Arrange
        var registry = new ToolRegistry();
        var call = new FunctionCallContent("call_1", "calculator", new Dictionary<string, object?> { ["expression"] = "6 * 7" });

        // Act
        var result = await registry.InvokeAsync(call);

        // Assert
        Assert.Equal(ToolResult.Success("42"), result);
    }

    [Fact]
    public async Task InvokeAsync_UnknownTool_ReturnsError()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("search", "{}");

        // Assert
        Assert.Equal(ToolResult.Error("Unknown tool 'search'. Registered tools: 'calculator'."), result);
    }

    [Fact]
    public async Task InvokeAsync_MalformedJson_ReturnsError()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("calculator", """{"expression": """);

        // Assert
        Assert.True(result.IsError);
        Assert.StartsWith("Invalid arguments for tool 'calculator': Expected", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_JsonArrayArguments_ReturnsError()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("calculator", """["2+2"]""");

        // Assert
        Assert.Equal(ToolResult.Error("Invalid arguments for tool 'calculator': Arguments must be a JSON object."), result);
    }

    [Fact]
    public async Task InvokeAsync_MissingArgument_ReturnsError()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("calculator", "{}");

        // Assert
        Assert.Equal(
            ToolResult.Error("Tool 'calculator' failed: ArgumentException: The 'expression' argument is required and must be a string."),
            result);
    }

    [Fact]
    public async Task InvokeAsync_WrongArgumentType_ReturnsError()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("calculator", """{"expression": 4}""");

        // Assert
        Assert.Equal(
            ToolResult.Error("Tool 'calculator' failed: ArgumentException: The 'expression' argument is required and must be a string."),
            result);
    }

    [Fact]
    public async Task InvokeAsync_CalculatorRejectsExpression_ReturnsErrorWithPosition()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var result = await registry.InvokeAsync("calculator", """{"expression": "1 / 0"}""");

        // Assert
        Assert.Equal(ToolResult.Error("Tool 'calculator' failed: CalculatorException: Division by zero at position 3."), result);
    }

    [Fact]
    public async Task InvokeAsync_ToolThrows_ReturnsTypeAndMessageWithoutStackTrace()
    {
        // Arrange
        var registry = new ToolRegistry([new StubFunction("boom", _ => throw new InvalidOperationException("line one\nline two"))]);

        // Act
        var result = await registry.InvokeAsync("boom", null);

        // Assert
        Assert.Equal(ToolResult.Error("Tool 'boom' failed: InvalidOperationException: line one line two"), result);
    }

    [Fact]
    public async Task InvokeAsync_ToolThrowsLongMessage_TruncatesError()
    {
        // Arrange
        var registry = new ToolRegistry([new StubFunction("boom", _ => throw new InvalidOperationException(new string('x', 1000)))]);

        // Act
        var result = await registry.InvokeAsync("boom", null);

        // Assert
        Assert.Equal((true, ToolRegistry.MaxErrorLength, '…'), (result.IsError, result.Content.Length, result.Content[^1]));
    }

    [Fact]
    public async Task InvokeAsync_ToolThrowsOwnCancellation_ReturnsError()
    {
        // Arrange
        var registry = new ToolRegistry([new StubFunction("slow", _ => throw new TaskCanceledException("timed out"))]);

        // Act
        var result = await registry.InvokeAsync("slow", null);

        // Assert
        Assert.Equal(ToolResult.Error("Tool 'slow' failed: TaskCanceledException: timed out"), result);
    }

    [Fact]
    public async Task InvokeAsync_CancelledWhileToolRuns_ThrowsOperationCanceled()
    {
        // Arrange
        using var cts = new CancellationTokenSource();
        var registry = new ToolRegistry([new StubFunction("wait", (_, ct) => WaitForeverAsync(ct))]);
        var invocation = registry.InvokeAsync("wait", null, cts.Token);

        // Act
        await cts.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invocation);
    }

    [Fact]
    public async Task InvokeAsync_AlreadyCancelled_ThrowsOperationCanceled()
    {
        // Arrange
        var registry = new ToolRegistry();

        // Act
        var invocation = registry.InvokeAsync("calculator", """{"expression": "1"}""", new CancellationToken(canceled: true));

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invocation);
    }

    [Fact]
    public async Task InvokeAsync_JsonResult_ReturnsRawJson()
    {
        // Arrange
        var registry = new ToolRegistry([new StubFunction("weather", _ => JsonDocument.Parse("""{"temp":21}""").RootElement)]);

        // Act
        var result = await registry.InvokeAsync("weather", null);

        // Assert
        Assert.Equal(ToolResult.Success("""{"temp":21}"""), result);
    }

    [Fact]
    public void ToFunctionResultContent_Result_CarriesCallIdAndContent()
    {
        // Arrange
        var result = ToolResult.Success("4");

        // Act
        var content = result.ToFunctionResultContent("call_1");

        // Assert
        Assert.Equal(("call_1", "4"), (content.CallId, content.Result));
    }

    private static async Task<object?> WaitForeverAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        return null;
    }

    private sealed class StubFunction(string name, Func<AIFunctionArguments, CancellationToken, Task<object?>> invoke) : AIFunction
    {
        public StubFunction(string name, Func<AIFunctionArguments, object?> invoke)
            : this(name, (args, _) => Task.FromResult(invoke(args)))
        {
        }

        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            await invoke(arguments, cancellationToken);
    }
}

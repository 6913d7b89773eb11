using System.Text.Json;
using AgentFunctions.Core.Tools;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tests.Tools;

public sealed class CalculatorFunctionTests
{
    [Fact]
    public void Name_Always_IsCalculator()
    {
        // Act
        var name = CalculatorFunction.Instance.Name;

        // Assert
        Assert.Equal("calculator", name);
    }

    [Fact]
    public void Description_Always_IsNotEmpty()
    {
        // Act
        var description = CalculatorFunction.Instance.Description;

        // Assert
        Assert.False(string.IsNullOrWhiteSpace(description));
    }

    [Fact]
    public void JsonSchema_Always_RequiresOneStringExpression()
    {
        // Act
        var schema = CalculatorFunction.Instance.JsonSchema;

        // Assert
        var expression = schema.GetProperty("properties").GetProperty("expression");
        Assert.Equal(
            ("object", "string", true, 1, "[\"expression\"]"),
            (schema.GetProperty("type").GetString(),
             expression.GetProperty("type").GetString(),
             expression.GetProperty("description").GetString()!.Length > 0,
             schema.GetProperty("properties").EnumerateObject().Count(),
             schema.GetProperty("required").GetRawText()));
    }

    [Fact]
    public async Task InvokeAsync_StringArgument_ReturnsFormattedResult()
    {
        // Arrange
        var arguments = new AIFunctionArguments { ["expression"] = "1/4" };

        // Act
        var result = await CalculatorFunction.Instance.InvokeAsync(arguments);

        // Assert
        Assert.Equal("0.25", result);
    }

    [Fact]
    public async Task InvokeAsync_JsonElementArgument_ReturnsFormattedResult()
    {
        // Arrange
        var element = JsonDocument.Parse("\"(2 + 3) * 4\"").RootElement;
        var arguments = new AIFunctionArguments { ["expression"] = element };

        // Act
        var result = await CalculatorFunction.Instance.InvokeAsync(arguments);

        // Assert
        Assert.Equal("20", result);
    }

    [Fact]
    public async Task InvokeAsync_MissingExpression_ThrowsArgumentException()
    {
        // Arrange
        var arguments = new AIFunctionArguments();

        // Act
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => CalculatorFunction.Instance.InvokeAsync(arguments).AsTask());

        // Assert
        Assert.Equal("The 'expression' argument is required and must be a string.", exception.Message);
    }

    [Fact]
    public async Task InvokeAsync_InvalidExpression_ThrowsCalculatorException()
    {
        // Arrange
        var arguments = new AIFunctionArguments { ["expression"] = "1/0" };

        // Act
        var exception = await Assert.ThrowsAsync<CalculatorException>(() => CalculatorFunction.Instance.InvokeAsync(arguments).AsTask());

        // Assert
        Assert.Equal("Division by zero at position 2.", exception.Message);
    }
}

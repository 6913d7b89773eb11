using AgentFunctions.Core.Tools;

namespace AgentFunctions.Core.Tests.Tools;

public sealed class CalculatorTests
{
    [Theory]
    [InlineData("2+2", "4")]
    [InlineData("1/4", "0.25")]
    [InlineData("0.1+0.2", "0.3")]
    [InlineData("2 + 3 * 4", "14")]
    [InlineData("(2 + 3) * 4", "20")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("100 / 10 / 5", "2")]
    [InlineData("7 % 3", "1")]
    [InlineData("-7 % 3", "-1")]
    [InlineData("7.5 % 2", "1.5")]
    [InlineData("-5", "-5")]
    [InlineData("+5", "5")]
    [InlineData("--5", "5")]
    [InlineData("-(2 + 3)", "-5")]
    [InlineData("2 * -3", "-6")]
    [InlineData("2.50 * 2", "5")]
    [InlineData("1.10 + 2.20", "3.3")]
    [InlineData(".5 + .25", "0.75")]
    [InlineData("1/3", "0.3333333333333333333333333333")]
    [InlineData("0 * -1", "0")]
    [InlineData("  ( ( 1 ) )  ", "1")]
    [InlineData("\t3\n*\r\n4", "12")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("1000000 * 1000000", "1000000000000")]
    public void EvaluateToString_ValidExpression_ReturnsFormattedResult(string expression, string expected)
    {
        // Act
        var result = Calculator.EvaluateToString(expression);

        // Assert
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData("", "Expression is empty.", 0)]
    [InlineData("   ", "Expression is empty.", 0)]
    [InlineData("2 + x", "Unexpected character 'x' at position 5.", 5)]
    [InlineData("2 $ 3", "Unexpected character '$' at position 3.", 3)]
    [InlineData("2 3", "Unexpected character '3' at position 3.", 3)]
    [InlineData("2\u00013", "Unexpected character U+0001 at position 2.", 2)]
    [InlineData("2 +", "Unexpected end of expression at position 4.", 4)]
    [InlineData("(2 + 3", "Unbalanced parentheses: '(' is never closed at position 1.", 1)]
    [InlineData("2 + 3)", "Unbalanced parentheses: ')' without a matching '(' at position 6.", 6)]
    [InlineData("()", "Unexpected ')' at position 2.", 2)]
    [InlineData("(2 3)", "Unexpected character '3' at position 4.", 4)]
    [InlineData("1 / 0", "Division by zero at position 3.", 3)]
    [InlineData("1 / (2 - 2)", "Division by zero at position 3.", 3)]
    [InlineData("5 % 0", "Modulo by zero at position 3.", 3)]
    [InlineData("79228162514264337593543950335 + 1", "Arithmetic overflow at position 31.", 31)]
    [InlineData("79228162514264337593543950335 * 2", "Arithmetic overflow at position 31.", 31)]
    [InlineData("99999999999999999999999999999999", "Number is too large at position 1.", 1)]
    [InlineData("1.", "Expected a digit after the decimal point at position 3.", 3)]
    [InlineData("1.2.3", "Unexpected character '.' at position 4.", 4)]
    [InlineData("1e5", "Unexpected character 'e' at position 2.", 2)]
    public void Evaluate_InvalidExpression_ThrowsWithMessageAndPosition(string expression, string message, int position)
    {
        // Act
        var exception = Assert.Throws<CalculatorException>(() => Calculator.Evaluate(expression));

        // Assert
        Assert.Equal((message, position), (exception.Message, exception.Position));
    }

    [Fact]
    public void Evaluate_ExpressionLongerThanLimit_Throws()
    {
        // Arrange
        var expression = "1" + string.Concat(Enumerable.Repeat("+1", Calculator.MaxExpressionLength / 2));

        // Act
        var exception = Assert.Throws<CalculatorException>(() => Calculator.Evaluate(expression));

        // Assert
        Assert.Equal("Expression is longer than 1000 characters.", exception.Message);
    }

    [Fact]
    public void Evaluate_ExpressionAtLengthLimit_Evaluates()
    {
        // Arrange
        var expression = "1" + string.Concat(Enumerable.Repeat("+1", (Calculator.MaxExpressionLength - 1) / 2));

        // Act
        var result = Calculator.Evaluate(expression);

        // Assert
        Assert.Equal(500m, result);
    }

    [Fact]
    public void Evaluate_ParenthesesNestedBeyondLimit_Throws()
    {
        // Arrange
        var depth = Calculator.MaxNestingDepth + 1;
        var expression = new string('(', depth) + "1" + new string(')', depth);

        // Act
        var exception = Assert.Throws<CalculatorException>(() => Calculator.Evaluate(expression));

        // Assert
        Assert.Equal("Expression is nested more than 64 levels deep at position 65.", exception.Message);
    }

    [Fact]
    public void Evaluate_ParenthesesNestedAtLimit_Evaluates()
    {
        // Arrange
        var depth = Calculator.MaxNestingDepth;
        var expression = new string('(', depth) + "1" + new string(')', depth);

        // Act
        var result = Calculator.Evaluate(expression);

        // Assert
        Assert.Equal(1m, result);
    }

    [Fact]
    public void Evaluate_UnarySignsNestedBeyondLimit_Throws()
    {
        // Arrange
        var expression = new string('-', Calculator.MaxNestingDepth + 1) + "1";

        // Act
        var exception = Assert.Throws<CalculatorException>(() => Calculator.Evaluate(expression));

        // Assert
        Assert.StartsWith("Expression is nested more than 64 levels deep", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4.000", "4")]
    [InlineData("0.2500", "0.25")]
    [InlineData("-1.50", "-1.5")]
    [InlineData("100", "100")]
    [InlineData("-0.0", "0")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    public void Format_Value_HasNoTrailingZerosOrExponent(string value, string expected)
    {
        // Arrange
        var number = decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

        // Act
        var text = Calculator.Format(number);

        // Assert
        Assert.Equal(expected, text);
    }
}

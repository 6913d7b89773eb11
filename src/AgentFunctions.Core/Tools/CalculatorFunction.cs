using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// The <see cref="Calculator"/> as a tool a model can call: <c>calculator</c>, taking
/// <c>{"expression": "..."}</c> and returning the formatted result as a string. A bad expression
/// throws <see cref="CalculatorException"/>; a missing or non-string argument throws
/// <see cref="ArgumentException"/>.
/// </summary>
public sealed class CalculatorFunction : AIFunction
{
    /// <summary>The tool's name.</summary>
    public const string FunctionName = "calculator";

    /// <summary>The name of its only argument.</summary>
    public const string ExpressionArgument = "expression";

    private static readonly JsonElement Schema = JsonDocument.Parse(
        """
        {
          "type": "object",
          "properties": {
            "expression": {
              "type": "string",
              "description": "An arithmetic expression over decimal numbers with + - * / %, unary minus and parentheses, e.g. (2 + 3) * 4.5"
            }
          },
          "required": ["expression"]
        }
        """).RootElement.Clone();

    /// <summary>The shared instance; the function holds no state.</summary>
    public static CalculatorFunction Instance { get; } = new();

    public override string Name => FunctionName;

    public override string Description =>
        "Evaluates an arithmetic expression exactly, in decimal arithmetic, and returns the result.";

    public override JsonElement JsonSchema => Schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        cancellationToken.ThrowIfCancellationRequested();

        var expression = arguments.TryGetValue(ExpressionArgument, out var value)
            ? value switch
            {
                string text => text,
                JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
                _ => null,
            }
            : null;
        if (expression is null)
        {
            throw new ArgumentException("The 'expression' argument is required and must be a string.");
        }

        return new ValueTask<object?>(Calculator.EvaluateToString(expression));
    }
}

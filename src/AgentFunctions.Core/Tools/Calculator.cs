using System.Globalization;

namespace AgentFunctions.Core.Tools;

/// <summary>
/// A safe arithmetic evaluator: decimal numbers, <c>+ - * / %</c>, unary minus and plus,
/// parentheses and whitespace, evaluated in <see cref="decimal"/> arithmetic by a recursive-descent
/// parser. Nothing is compiled or reflected over; input length and nesting depth are bounded.
/// </summary>
public static class Calculator
{
    /// <summary>The longest expression accepted, in characters.</summary>
    public const int MaxExpressionLength = 1000;

    /// <summary>The deepest nesting accepted: parentheses and unary signs each add a level.</summary>
    public const int MaxNestingDepth = 64;

    /// <summary>Evaluates <paramref name="expression"/>.</summary>
    /// <exception cref="CalculatorException">The expression is empty, malformed, too long, too deeply
    /// nested, divides by zero or overflows.</exception>
    public static decimal Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxExpressionLength)
        {
            throw new CalculatorException(
                string.Create(CultureInfo.InvariantCulture, $"Expression is longer than {MaxExpressionLength} characters."));
        }

        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new CalculatorException("Expression is empty.");
        }

        return new Parser(expression).ParseAll();
    }

    /// <summary>Evaluates <paramref name="expression"/> and formats the result with <see cref="Format"/>.</summary>
    /// <exception cref="CalculatorException">See <see cref="Evaluate"/>.</exception>
    public static string EvaluateToString(string expression) => Format(Evaluate(expression));

    /// <summary>
    /// Formats <paramref name="value"/> invariantly, without trailing fractional zeros or exponent:
    /// 4 → "4", 0.250 → "0.25", -1.50 → "-1.5".
    /// </summary>
    public static string Format(decimal value)
    {
        if (value == 0m)
        {
            return "0";
        }

        var text = value.ToString(CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
    }

    // expression := term (('+' | '-') term)*
    // term       := unary (('*' | '/' | '%') unary)*
    // unary      := ('+' | '-') unary | primary
    // primary    := number | '(' expression ')'
    // number     := digits ('.' digits)? | '.' digits
    private sealed class Parser(string text)
    {
        private readonly string _text = text;
        private int _index;
        private int _depth;

        public decimal ParseAll()
        {
            var value = ParseExpression();
            SkipWhitespace();
            if (_index < _text.Length)
            {
                throw _text[_index] == ')'
                    ? Error("Unbalanced parentheses: ')' without a matching '('", _index)
                    : UnexpectedCharacter(_index);
            }

            return value;
        }

        private decimal ParseExpression()
        {
            var value = ParseTerm();
            while (true)
            {
                SkipWhitespace();
                if (_index >= _text.Length || (_text[_index] != '+' && _text[_index] != '-'))
                {
                    return value;
                }

                var op = _text[_index];
                var opIndex = _index++;
                var right = ParseTerm();
                value = Apply(op, value, right, opIndex);
            }
        }

        private decimal ParseTerm()
        {
            var value = ParseUnary();
            while (true)
            {
                SkipWhitespace();
                if (_index >= _text.Length || (_text[_index] != '*' && _text[_index] != '/' && _text[_index] != '%'))
                {
                    return value;
                }

                var op = _text[_index];
                var opIndex = _index++;
                var right = ParseUnary();
                value = Apply(op, value, right, opIndex);
            }
        }

        private decimal ParseUnary()
        {
            SkipWhitespace();
            if (_index < _text.Length && (_text[_index] == '-' || _text[_index] == '+'))
            {
                var sign = _text[_index];
                Enter(_index);
                _index++;
                var operand = ParseUnary();
                _depth--;
                return sign == '-' ? -operand : operand;
            }

            return ParsePrimary();
        }

        private decimal ParsePrimary()
        {
            SkipWhitespace();
            if (_index >= _text.Length)
            {
                throw Error("Unexpected end of expression", _index);
            }

            var c = _text[_index];
            if (c == '(')
            {
                var openIndex = _index;
                Enter(openIndex);
                _index++;
                var value = ParseExpression();
                SkipWhitespace();
                if (_index >= _text.Length)
                {
                    throw Error("Unbalanced parentheses: '(' is never closed", openIndex);
                }

                if (_text[_index] != ')')
                {
                    throw UnexpectedCharacter(_index);
                }

                _index++;
                _depth--;
                return value;
            }

            if (char.IsAsciiDigit(c) || c == '.')
            {
                return ParseNumber();
            }

            throw c == ')' ? Error("Unexpected ')'", _index) : UnexpectedCharacter(_index);
        }

        private decimal ParseNumber()
        {
            var start = _index;
            while (_index < _text.Length && char.IsAsciiDigit(_text[_index]))
            {
                _index++;
            }

            if (_index < _text.Length && _text[_index] == '.')
            {
                _index++;
                var fractionStart = _index;
                while (_index < _text.Length && char.IsAsciiDigit(_text[_index]))
                {
                    _index++;
                }

                if (_index == fractionStart)
                {
                    throw Error("Expected a digit after the decimal point", _index);
                }
            }

            var span = _text.AsSpan(start, _index - start);
            if (!decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                throw Error("Number is too large", start);
            }

            return value;
        }

        private static decimal Apply(char op, decimal left, decimal right, int opIndex)
        {
            if ((op == '/' || op == '%') && right == 0m)
            {
                throw Error(op == '/' ? "Division by zero" : "Modulo by zero", opIndex);
            }

            try
            {
                return op switch
                {
                    '+' => left + right,
                    '-' => left - right,
                    '*' => left * right,
                    '/' => left / right,
                    _ => left % right,
                };
            }
            catch (OverflowException)
            {
                throw Error("Arithmetic overflow", opIndex);
            }
        }

        private void Enter(int index)
        {
            if (++_depth > MaxNestingDepth)
            {
                throw Error(
                    string.Create(CultureInfo.InvariantCulture, $"Expression is nested more than {MaxNestingDepth} levels deep"),
                    index);
            }
        }

        private void SkipWhitespace()
        {
            while (_index < _text.Length && char.IsWhiteSpace(_text[_index]))
            {
                _index++;
            }
        }

        private CalculatorException UnexpectedCharacter(int index)
        {
            var c = _text[index];
            var shown = char.IsControl(c) || char.IsSurrogate(c)
                ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
                : string.Create(CultureInfo.InvariantCulture, $"'{c}'");
            return Error($"Unexpected character {shown}", index);
        }

        private static CalculatorException Error(string problem, int index) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{problem} at position {index + 1}."), index + 1);
    }
}

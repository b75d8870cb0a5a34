using System.Globalization;
using System.Text;

namespace Crm.Engine.RulePacks.Expressions;

/// <summary>Bounds that keep an expression written by an untrusted author cheap to parse, compile and run.</summary>
internal static class ExpressionLimits
{
    public const int MaxLength = 2_000;
    public const int MaxDepth = 24;
    public const int MaxStringLiteral = 500;
    public const int MaxNumberDigits = 20;
    public const int MaxListItems = 100;
    public const int MaxTokens = 400;
}

/// <summary>An error in an expression: the message and the 0-based offset in the expression text.</summary>
internal sealed class ExpressionException(string message, int offset) : Exception(message)
{
    public int Offset { get; } = offset;
}

internal enum TokenKind
{
    End,
    Identifier,
    String,
    Number,
    Symbol,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Offset);

/// <summary>Splits an expression into tokens. Only a small fixed set of symbols exists.</summary>
internal static class Lexer
{
    private static readonly string[] Symbols = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".", "!"];

    public static List<Token> Tokenize(string text)
    {
        if (text.Length > ExpressionLimits.MaxLength)
        {
            throw new ExpressionException($"the expression is {text.Length} characters long; the limit is {ExpressionLimits.MaxLength}. Split it into several conditions.", ExpressionLimits.MaxLength);
        }

        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (tokens.Count >= ExpressionLimits.MaxTokens)
            {
                throw new ExpressionException($"the expression has more than {ExpressionLimits.MaxTokens} tokens. Split it into several conditions.", i);
            }

            var start = i;
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))))
                {
                    i++;
                }

                if (i - start > ExpressionLimits.MaxNumberDigits)
                {
                    throw new ExpressionException($"the number literal has {i - start} characters; the limit is {ExpressionLimits.MaxNumberDigits}.", start);
                }

                tokens.Add(new Token(TokenKind.Number, text[start..i], start));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(text, ref i), start));
            }
            else
            {
                var symbol = Symbols.FirstOrDefault(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0)
                    ?? throw new ExpressionException($"unexpected character '{c}'.", i);
                tokens.Add(new Token(TokenKind.Symbol, symbol, i));
                i += symbol.Length;
            }
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    private static string ReadString(string text, ref int i)
    {
        var quote = text[i];
        var start = i;
        var value = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw new ExpressionException("the text literal is not closed; add the closing quote.", start);
            }

            var c = text[i];
            if (c == quote)
            {
                // A doubled quote stands for one quote character.
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    value.Append(quote);
                    i += 2;
                    continue;
                }

                i++;
                return value.ToString();
            }

            value.Append(c);
            i++;
            if (value.Length > ExpressionLimits.MaxStringLiteral)
            {
                throw new ExpressionException($"the text literal is longer than {ExpressionLimits.MaxStringLiteral} characters.", start);
            }
        }
    }
}

/// <summary>A node of a parsed expression; <see cref="Offset"/> is where it starts in the expression text.</summary>
internal abstract record Node(int Offset);

internal sealed record LiteralNode(object? Value, int Offset) : Node(Offset);

internal sealed record IdentifierNode(string Name, int Offset) : Node(Offset);

internal sealed record MemberNode(Node Target, string Name, int NameOffset, int Offset) : Node(Offset);

internal sealed record CallNode(Node? Target, string Name, IReadOnlyList<Node> Arguments, int Offset) : Node(Offset);

internal sealed record UnaryNode(string Operator, Node Operand, int Offset) : Node(Offset);

internal sealed record BinaryNode(string Operator, Node Left, Node Right, int Offset) : Node(Offset);

internal sealed record ListNode(IReadOnlyList<Node> Items, int Offset) : Node(Offset);

internal sealed record InNode(Node Value, ListNode List, bool Negated, int Offset) : Node(Offset);

internal sealed record IsNullNode(Node Value, bool Negated, int Offset) : Node(Offset);

/// <summary>
/// Recursive-descent parser. Grammar (lowest precedence first):
/// <code>
/// or      := and (('or' | '||') and)*
/// and     := not (('and' | '&amp;&amp;') not)*
/// not     := ('not' | '!') not | compare
/// compare := sum (('==' | '!=' | '&lt;' | '&lt;=' | '&gt;' | '&gt;=') sum | 'not'? 'in' list | 'is' 'not'? 'null')?
/// sum     := product (('+' | '-') product)*
/// product := unary (('*' | '/' | '%') unary)*
/// unary   := '-' unary | postfix
/// postfix := primary ('.' name ('(' args ')')?)*
/// primary := number | text | 'true' | 'false' | 'null' | name '(' args ')' | name | '(' or ')' | list
/// list    := '[' (or (',' or)*)? ']'
/// </code>
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private int _position;
    private int _depth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    private Token Current => _tokens[_position];

    public static Node Parse(string text)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        if (parser.Current.Kind == TokenKind.End)
        {
            throw new ExpressionException("the expression is empty.", 0);
        }

        var node = parser.ParseOr();
        if (parser.Current.Kind != TokenKind.End)
        {
            throw new ExpressionException($"unexpected '{parser.Current.Text}' after the end of the expression (missing 'and'/'or' or an operator?).", parser.Current.Offset);
        }

        return node;
    }

    private Node ParseOr()
    {
        Enter();
        var left = ParseAnd();
        while (IsWord("or") || IsSymbol("||"))
        {
            var op = Next();
            left = new BinaryNode("or", left, ParseAnd(), op.Offset);
        }

        _depth--;
        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseNot();
        while (IsWord("and") || IsSymbol("&&"))
        {
            var op = Next();
            left = new BinaryNode("and", left, ParseNot(), op.Offset);
        }

        return left;
    }

    private Node ParseNot()
    {
        if ((IsWord("not") && !(Peek(1).Kind == TokenKind.Identifier && Peek(1).Text == "in")) || IsSymbol("!"))
        {
            var op = Next();
            Enter();
            var operand = ParseNot();
            _depth--;
            return new UnaryNode("not", operand, op.Offset);
        }

        return ParseCompare();
    }

    private Node ParseCompare()
    {
        var left = ParseSum();
        if (Current.Kind == TokenKind.Symbol && Current.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
        {
            var op = Next();
            return new BinaryNode(op.Text, left, ParseSum(), op.Offset);
        }

        if (IsWord("in") || (IsWord("not") && Peek(1).Text == "in"))
        {
            var negated = IsWord("not");
            var op = Next();
            if (negated)
            {
                Next();
            }

            if (!IsSymbol("["))
            {
                throw new ExpressionException("'in' must be followed by a list, e.g. in ['high', 'urgent'].", Current.Offset);
            }

            return new InNode(left, ParseList(), negated, op.Offset);
        }

        if (IsWord("is"))
        {
            var op = Next();
            var negated = false;
            if (IsWord("not"))
            {
                Next();
                negated = true;
            }

            if (!IsWord("null"))
            {
                throw new ExpressionException("'is' must be followed by 'null' or 'not null'.", Current.Offset);
            }

            Next();
            return new IsNullNode(left, negated, op.Offset);
        }

        return left;
    }

    private Node ParseSum()
    {
        var left = ParseProduct();
        while (IsSymbol("+") || IsSymbol("-"))
        {
            var op = Next();
            left = new BinaryNode(op.Text, left, ParseProduct(), op.Offset);
        }

        return left;
    }

    private Node ParseProduct()
    {
        var left = ParseUnary();
        while (IsSymbol("*") || IsSymbol("/") || IsSymbol("%"))
        {
            var op = Next();
            left = new BinaryNode(op.Text, left, ParseUnary(), op.Offset);
        }

        return left;
    }

    private Node ParseUnary()
    {
        if (IsSymbol("-"))
        {
            var op = Next();
            Enter();
            var operand = ParseUnary();
            _depth--;
            return new UnaryNode("-", operand, op.Offset);
        }

        return ParsePostfix();
    }

    private Node ParsePostfix()
    {
        var node = ParsePrimary();
        while (IsSymbol("."))
        {
            Next();
            var name = Current;
            if (name.Kind != TokenKind.Identifier)
            {
                throw new ExpressionException("a field or function name must follow '.'.", name.Offset);
            }

            Next();
            if (IsSymbol("("))
            {
                node = new CallNode(node, name.Text, ParseArguments(), name.Offset);
            }
            else
            {
                node = new MemberNode(node, name.Text, name.Offset, node.Offset);
            }
        }

        return node;
    }

    private Node ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                if (!decimal.TryParse(token.Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                {
                    throw new ExpressionException($"'{token.Text}' is not a valid number.", token.Offset);
                }

                return new LiteralNode(number, token.Offset);
            case TokenKind.String:
                Next();
                return new LiteralNode(token.Text, token.Offset);
            case TokenKind.Identifier:
                Next();
                switch (token.Text)
                {
                    case "true":
                        return new LiteralNode(true, token.Offset);
                    case "false":
                        return new LiteralNode(false, token.Offset);
                    case "null":
                        return new LiteralNode(null, token.Offset);
                    case "and" or "or" or "not" or "in" or "is":
                        throw new ExpressionException($"'{token.Text}' cannot start an operand; a value is missing before it.", token.Offset);
                }

                return IsSymbol("(") ? new CallNode(null, token.Text, ParseArguments(), token.Offset) : new IdentifierNode(token.Text, token.Offset);
            case TokenKind.Symbol when token.Text == "(":
                Next();
                var inner = ParseOr();
                Expect(")", "a closing ')' is missing.");
                return inner;
            case TokenKind.Symbol when token.Text == "[":
                return ParseList();
            case TokenKind.End:
                throw new ExpressionException("the expression ends where a value was expected.", token.Offset);
            default:
                throw new ExpressionException($"unexpected '{token.Text}' where a value was expected.", token.Offset);
        }
    }

    private ListNode ParseList()
    {
        var open = Next();
        Enter();
        var items = new List<Node>();
        if (!IsSymbol("]"))
        {
            while (true)
            {
                if (items.Count >= ExpressionLimits.MaxListItems)
                {
                    throw new ExpressionException($"the list has more than {ExpressionLimits.MaxListItems} items.", Current.Offset);
                }

                items.Add(ParseOr());
                if (!IsSymbol(","))
                {
                    break;
                }

                Next();
            }
        }

        Expect("]", "a closing ']' is missing.");
        _depth--;
        return new ListNode(items, open.Offset);
    }

    private List<Node> ParseArguments()
    {
        Next();
        Enter();
        var args = new List<Node>();
        if (!IsSymbol(")"))
        {
            while (true)
            {
                args.Add(ParseOr());
                if (!IsSymbol(","))
                {
                    break;
                }

                Next();
            }
        }

        Expect(")", "a closing ')' is missing after the arguments.");
        _depth--;
        return args;
    }

    private void Enter()
    {
        if (++_depth > ExpressionLimits.MaxDepth)
        {
            throw new ExpressionException($"the expression is nested more than {ExpressionLimits.MaxDepth} levels deep.", Current.Offset);
        }
    }

    private void Expect(string symbol, string message)
    {
        if (!IsSymbol(symbol))
        {
            throw new ExpressionException(message, Current.Offset);
        }

        Next();
    }

    private Token Next() => _tokens[_position++];

    private Token Peek(int ahead) => _tokens[Math.Min(_position + ahead, _tokens.Count - 1)];

    private bool IsSymbol(string symbol) => Current.Kind == TokenKind.Symbol && Current.Text == symbol;

    private bool IsWord(string word) => Current.Kind == TokenKind.Identifier && Current.Text == word;
}

using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Crm.Engine.Rules.Rete;

/// <summary>Structural identity of a lambda: same shape, same constants, parameters compared by position and type only.</summary>
internal sealed class ExpressionKey : IEquatable<ExpressionKey>
{
    private readonly string _text;
    private readonly object?[] _constants;

    public ExpressionKey(LambdaExpression lambda)
    {
        var constants = new List<object?>();
        var sb = new StringBuilder();
        new KeyWriter(lambda.Parameters, sb, constants).Visit(lambda.Body);
        sb.Append("=>").Append(string.Join(",", lambda.Parameters.Select(p => p.Type.FullName)));
        _text = sb.ToString();
        _constants = [.. constants];
    }

    public bool Equals(ExpressionKey? other) =>
        other is not null && _text == other._text && _constants.Length == other._constants.Length
        && _constants.Zip(other._constants).All(p => ReferenceEquals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as ExpressionKey);

    public override int GetHashCode() => _text.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => _text;

    // Writes the tree with positional parameter names; literal constants go into the text (so different values
    // give different keys), other constants are compared by reference (a captured object is shared only when it
    // is the very same instance).
    private sealed class KeyWriter(IReadOnlyList<ParameterExpression> parameters, StringBuilder sb, List<object?> constants) : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node)
        {
            if (node is null)
            {
                sb.Append("null;");
                return node;
            }

            sb.Append('(').Append((int)node.NodeType).Append(':').Append(node.Type.FullName).Append(' ');
            var result = base.Visit(node);
            sb.Append(')');
            return result;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            var index = -1;
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i] == node)
                {
                    index = i;
                }
            }

            sb.Append(index >= 0 ? $"$p{index}" : $"$local:{node.Name}");
            return node;
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (node.Value is null or string or decimal or DateTime or DateTimeOffset or Guid or TimeSpan || node.Value.GetType().IsPrimitive || node.Value.GetType().IsEnum)
            {
                // Length-prefixed so that no literal (say, a string from a rule pack) can imitate the surrounding structure.
                var text = Convert.ToString(node.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";
                sb.Append('\'').Append(text.Length).Append(':').Append(text).Append('\'');
            }
            else
            {
                sb.Append("#c").Append(constants.Count);
                constants.Add(node.Value);
            }

            return node;
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            sb.Append(MemberName(node.Member)).Append(' ');
            return base.VisitMember(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            sb.Append(MemberName(node.Method)).Append(' ');
            return base.VisitMethodCall(node);
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.Method is not null)
            {
                sb.Append(MemberName(node.Method));
            }

            return base.VisitUnary(node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.Method is not null)
            {
                sb.Append(MemberName(node.Method));
            }

            return base.VisitBinary(node);
        }

        protected override Expression VisitNew(NewExpression node)
        {
            sb.Append(node.Constructor is null ? "new" : MemberName(node.Constructor)).Append(' ');
            return base.VisitNew(node);
        }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            sb.Append("lambda ").Append(string.Join(",", node.Parameters.Select(p => p.Type.FullName + " " + p.Name)));
            return base.VisitLambda(node);
        }

        protected override Expression VisitTypeBinary(TypeBinaryExpression node)
        {
            sb.Append(node.TypeOperand.FullName);
            return base.VisitTypeBinary(node);
        }

        protected override MemberBinding VisitMemberBinding(MemberBinding node)
        {
            sb.Append(MemberName(node.Member));
            return base.VisitMemberBinding(node);
        }

        private static string MemberName(MemberInfo member) =>
            $"{member.DeclaringType?.FullName}.{member.Name}#{member.MetadataToken}/{RuntimeHelpers.GetHashCode(member.Module)}";
    }
}

/// <summary>A lambda compiled once to a delegate over boxed arguments.</summary>
internal sealed class CompiledExpression
{
    // Exactly one delegate is compiled per expression: single-parameter lambdas (most conditions and join keys) get a
    // direct one-argument delegate, the others one over an argument array. Boolean lambdas (conditions) return bool
    // unboxed, so testing a condition allocates nothing.
    private readonly Func<object?[], object?>? _invoke;
    private readonly Func<object?, object?>? _invoke1;
    private readonly Func<object?[], bool>? _test;
    private readonly Func<object?, bool>? _test1;

    public CompiledExpression(LambdaExpression lambda)
    {
        Lambda = lambda;
        var isBool = lambda.ReturnType == typeof(bool);
        if (lambda.Parameters.Count == 1)
        {
            var arg = Expression.Parameter(typeof(object), "arg");
            var body1 = new Replacer(new Dictionary<ParameterExpression, Expression> { [lambda.Parameters[0]] = Expression.Convert(arg, lambda.Parameters[0].Type) }).Visit(lambda.Body);
            if (isBool)
            {
                _test1 = Expression.Lambda<Func<object?, bool>>(body1, arg).Compile();
            }
            else
            {
                _invoke1 = Expression.Lambda<Func<object?, object?>>(Box(body1), arg).Compile();
            }

            return;
        }

        var args = Expression.Parameter(typeof(object[]), "args");
        var map = lambda.Parameters.Select((p, i) => (p, (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.Type)))
            .ToDictionary(x => x.p, x => x.Item2);
        var body = new Replacer(map).Visit(lambda.Body);
        if (isBool)
        {
            _test = Expression.Lambda<Func<object?[], bool>>(body, args).Compile();
        }
        else
        {
            _invoke = Expression.Lambda<Func<object?[], object?>>(Box(body), args).Compile();
        }
    }

    public LambdaExpression Lambda { get; }

    /// <summary>Whether the lambda has exactly one parameter (then <see cref="Invoke1"/> and <see cref="Test1"/> need no argument array).</summary>
    public bool IsUnary => _invoke1 is not null || _test1 is not null;

    public object? Invoke(object?[] args) =>
        _invoke1 is not null ? _invoke1(args[0])
        : _test1 is not null ? _test1(args[0])
        : _test is not null ? _test(args)
        : _invoke!(args);

    public object? Invoke1(object? arg) =>
        _invoke1 is not null ? _invoke1(arg)
        : _test1 is not null ? _test1(arg)
        : Invoke([arg]);

    /// <summary>Whether the expression yields <see langword="true"/> (same as <c>Invoke(args) is true</c>).</summary>
    public bool Test(object?[] args) =>
        _test is not null ? _test(args)
        : _test1 is not null ? _test1(args[0])
        : Invoke(args) is true;

    /// <summary>Whether the single-argument expression yields <see langword="true"/> (same as <c>Invoke1(arg) is true</c>).</summary>
    public bool Test1(object? arg) =>
        _test1 is not null ? _test1(arg)
        : _test is not null ? _test([arg])
        : Invoke1(arg) is true;

    private static Expression Box(Expression body) =>
        body.Type == typeof(void) ? Expression.Block(body, Expression.Constant(null)) : Expression.Convert(body, typeof(object));
}

internal sealed class Replacer(IReadOnlyDictionary<ParameterExpression, Expression> map) : ExpressionVisitor
{
    protected override Expression VisitParameter(ParameterExpression node) => map.TryGetValue(node, out var e) ? e : node;
}

internal static class ExpressionTools
{
    /// <summary>Parameters of <paramref name="lambda"/> that <paramref name="part"/> references, in parameter order.</summary>
    public static IReadOnlyList<ParameterExpression> UsedParameters(LambdaExpression lambda, Expression part)
    {
        var used = new HashSet<ParameterExpression>();
        new ParameterCollector(used).Visit(part);
        return [.. lambda.Parameters.Where(used.Contains)];
    }

    /// <summary>Splits a boolean lambda at top-level <c>&amp;&amp;</c> into lambdas over only the parameters each part uses.</summary>
    public static IEnumerable<LambdaExpression> Conjuncts(LambdaExpression lambda)
    {
        var parts = new List<Expression>();
        Split(lambda.Body, parts);
        return parts.Select(p => Expression.Lambda(p, UsedParameters(lambda, p)));
    }

    /// <summary>Re-parameterizes a lambda so parameters with the same name share one <see cref="ParameterExpression"/> (declarations are matched by name).</summary>
    public static LambdaExpression Rename(LambdaExpression lambda, string fromName, ParameterExpression to)
    {
        var map = new Dictionary<ParameterExpression, Expression>();
        var parameters = new List<ParameterExpression>();
        foreach (var p in lambda.Parameters)
        {
            if (p.Name == fromName)
            {
                map[p] = p.Type == to.Type ? to : Expression.Convert(to, p.Type);
                parameters.Add(to);
            }
            else
            {
                parameters.Add(p);
            }
        }

        return Expression.Lambda(new Replacer(map).Visit(lambda.Body), parameters);
    }

    private static void Split(Expression e, List<Expression> parts)
    {
        if (e is BinaryExpression { NodeType: ExpressionType.AndAlso, Method: null } b)
        {
            Split(b.Left, parts);
            Split(b.Right, parts);
        }
        else
        {
            parts.Add(e);
        }
    }

    private sealed class ParameterCollector(HashSet<ParameterExpression> used) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node)
        {
            used.Add(node);
            return node;
        }
    }
}
